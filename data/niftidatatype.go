package data

import (
	"encoding/binary"
	"math"
)

// niftiDatatype is a NIfTI-1 datatype code (nifti1.h, DT_*).
type niftiDatatype int16

// The NIfTI-1 datatypes the reader decodes.
const (
	niftiUint8   niftiDatatype = 2   // DT_UINT8
	niftiInt16   niftiDatatype = 4   // DT_INT16
	niftiInt32   niftiDatatype = 8   // DT_INT32
	niftiFloat32 niftiDatatype = 16  // DT_FLOAT32
	niftiFloat64 niftiDatatype = 64  // DT_FLOAT64
	niftiInt8    niftiDatatype = 256 // DT_INT8
	niftiUint16  niftiDatatype = 512 // DT_UINT16
)

// size returns the bytes of one voxel of type t, or 0 for a type not decoded.
func (t niftiDatatype) size() int {
	switch t {
	case niftiUint8, niftiInt8:
		return 1
	case niftiInt16, niftiUint16:
		return 2
	case niftiInt32, niftiFloat32:
		return 4
	case niftiFloat64:
		return 8
	}
	return 0
}

// decode converts the first n voxels of raw (n·t.size() bytes, in byte order
// bo) to float32. t must be one of the decoded types (size() > 0).
func (t niftiDatatype) decode(raw []byte, bo binary.ByteOrder, n int) []float32 {
	d := make([]float32, n)
	switch t {
	case niftiUint8:
		for i := range d {
			d[i] = float32(raw[i])
		}
	case niftiInt8:
		for i := range d {
			d[i] = float32(int8(raw[i]))
		}
	case niftiInt16:
		for i := range d {
			d[i] = float32(int16(bo.Uint16(raw[2*i:])))
		}
	case niftiUint16:
		for i := range d {
			d[i] = float32(bo.Uint16(raw[2*i:]))
		}
	case niftiInt32:
		for i := range d {
			d[i] = float32(int32(bo.Uint32(raw[4*i:])))
		}
	case niftiFloat32:
		for i := range d {
			d[i] = math.Float32frombits(bo.Uint32(raw[4*i:]))
		}
	case niftiFloat64:
		for i := range d {
			d[i] = float32(math.Float64frombits(bo.Uint64(raw[8*i:])))
		}
	}
	return d
}
