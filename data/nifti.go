package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
)

// Volume is a NIfTI-1 image: a 3D or 4D array of voxel values with the header's
// scaling (scl_slope, scl_inter) already applied.
type Volume struct {
	// Dims are the array sizes along each axis (dim[1..dim[0]] of the header),
	// e.g. [240 240 155] for a BraTS volume or [320 320 15 2] for MSD prostate.
	Dims []int
	// Data holds the voxels in NIfTI order: the first axis (i) fastest, then j, k, t.
	Data []float32
	// PixDim are the voxel sizes along each axis (pixdim[1..dim[0]]).
	PixDim []float64
}

// niftiHeaderSize is sizeof_hdr of a NIfTI-1 header.
const niftiHeaderSize = 348

// maxNIfTIVoxels bounds the number of voxels a header may claim before anything is
// allocated (a 512×512×1000 CT has 2.6e8).
const maxNIfTIVoxels = 1 << 29

// ReadNIfTI reads a NIfTI-1 file, uncompressed (.nii) or gzip-compressed (.nii.gz;
// gzip is recognised by its magic bytes, not by the name). Supported datatypes are
// uint8, int8, int16, uint16, int32, float32 and float64, in either byte order
// (recognised by sizeof_hdr = 348). scl_slope/scl_inter are applied unless the slope
// is 0 (or not finite). vox_offset is honoured. Only the single-file "n+1" form is
// read (a header-only "ni1" .hdr/.img pair is rejected).
func ReadNIfTI(path string) (*Volume, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: reading NIfTI: %w", err)
	}
	defer f.Close()
	return decodeNIfTI(f, path, maxNIfTIVoxels)
}

// decodeNIfTI reads a NIfTI-1 stream; name is used in errors only.
func decodeNIfTI(r io.Reader, name string, maxVoxels int) (*Volume, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("data: NIfTI %s: bad gzip stream: %w", name, err)
		}
		defer gz.Close()
		br = bufio.NewReader(gz)
	}
	var hdr [niftiHeaderSize]byte
	if n, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, fmt.Errorf("data: NIfTI %s: truncated header (%d of %d bytes): %w", name, n, niftiHeaderSize, err)
	}
	var bo binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint32(hdr[0:]) == niftiHeaderSize:
		bo = binary.LittleEndian
	case binary.BigEndian.Uint32(hdr[0:]) == niftiHeaderSize:
		bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("data: NIfTI %s: sizeof_hdr is %d, want 348 (not a NIfTI-1 file)", name, binary.LittleEndian.Uint32(hdr[0:]))
	}
	if magic := string(hdr[344:348]); magic != "n+1\x00" {
		if magic == "ni1\x00" {
			return nil, fmt.Errorf("data: NIfTI %s: two-file (.hdr/.img) NIfTI is not supported", name)
		}
		return nil, fmt.Errorf("data: NIfTI %s: bad magic %q, want \"n+1\\x00\"", name, magic)
	}
	i16 := func(off int) int { return int(int16(bo.Uint16(hdr[off:]))) }
	f32 := func(off int) float64 { return float64(math.Float32frombits(bo.Uint32(hdr[off:]))) }

	ndim := i16(40)
	if ndim < 1 || ndim > 7 {
		return nil, fmt.Errorf("data: NIfTI %s: dim[0] = %d, want 1..7", name, ndim)
	}
	vol := &Volume{Dims: make([]int, ndim), PixDim: make([]float64, ndim)}
	n := 1
	for a := range ndim {
		d := i16(42 + 2*a)
		if d < 1 {
			return nil, fmt.Errorf("data: NIfTI %s: dim[%d] = %d, want ≥ 1", name, a+1, d)
		}
		vol.Dims[a] = d
		vol.PixDim[a] = f32(80 + 4*a)
		if n > maxVoxels/d {
			return nil, fmt.Errorf("data: NIfTI %s: dims %v exceed %d voxels", name, vol.Dims[:a+1], maxVoxels)
		}
		n *= d
	}
	datatype := i16(70)
	var size int
	switch datatype {
	case 2, 256: // uint8, int8
		size = 1
	case 4, 512: // int16, uint16
		size = 2
	case 8, 16: // int32, float32
		size = 4
	case 64: // float64
		size = 8
	default:
		return nil, fmt.Errorf("data: NIfTI %s: unsupported datatype %d (want uint8 2, int8 256, int16 4, uint16 512, int32 8, float32 16 or float64 64)", name, datatype)
	}
	voxOffset := f32(108)
	if math.IsNaN(voxOffset) || voxOffset < 0 || voxOffset > 1<<30 {
		return nil, fmt.Errorf("data: NIfTI %s: bad vox_offset %g", name, voxOffset)
	}
	skip := int64(voxOffset) - niftiHeaderSize
	if skip < 0 {
		// Some writers leave vox_offset at 0 or 348; the data then starts right after
		// the header (plus the 4-byte extension flag, which 352 covers).
		skip = 0
		if int64(voxOffset) == 0 {
			skip = 4
		}
	}
	if _, err := io.CopyN(io.Discard, br, skip); err != nil {
		return nil, fmt.Errorf("data: NIfTI %s: truncated before vox_offset %g: %w", name, voxOffset, err)
	}
	// Read incrementally so that a short file claiming huge dims fails before
	// allocating what the header claims.
	raw, err := io.ReadAll(io.LimitReader(br, int64(n)*int64(size)))
	if err != nil {
		return nil, fmt.Errorf("data: NIfTI %s: reading voxel data: %w", name, err)
	}
	if len(raw) < n*size {
		return nil, fmt.Errorf("data: NIfTI %s: data shorter than dims %v say: %d of %d bytes", name, vol.Dims, len(raw), n*size)
	}
	vol.Data = make([]float32, n)
	d := vol.Data
	switch datatype {
	case 2:
		for i, b := range raw {
			d[i] = float32(b)
		}
	case 256:
		for i, b := range raw {
			d[i] = float32(int8(b))
		}
	case 4:
		for i := range d {
			d[i] = float32(int16(bo.Uint16(raw[2*i:])))
		}
	case 512:
		for i := range d {
			d[i] = float32(bo.Uint16(raw[2*i:]))
		}
	case 8:
		for i := range d {
			d[i] = float32(int32(bo.Uint32(raw[4*i:])))
		}
	case 16:
		for i := range d {
			d[i] = math.Float32frombits(bo.Uint32(raw[4*i:]))
		}
	case 64:
		for i := range d {
			d[i] = float32(math.Float64frombits(bo.Uint64(raw[8*i:])))
		}
	}
	slope, inter := f32(112), f32(116)
	if slope != 0 && !math.IsNaN(slope) && !math.IsInf(slope, 0) && !math.IsNaN(inter) && !math.IsInf(inter, 0) &&
		(slope != 1 || inter != 0) {
		for i, v := range d {
			d[i] = float32(float64(v)*slope + inter)
		}
	}
	return vol, nil
}

// Slice returns the 2D slice k of the third array axis (the axial axis of the
// datasets used here) at index t of the fourth axis (time or channel; 0 for 3D
// volumes), as a 1-channel Image.
//
// Orientation: the image row is the array's j index and the column its i index,
// with no flips (row 0 is j = 0). The header's qform/sform is not applied, so
// images appear as stored; this is consistent between an image and its label
// volume, which is all the segmentation study needs.
func (v *Volume) Slice(k, t int) (*Image, error) {
	if len(v.Dims) < 2 {
		return nil, fmt.Errorf("data: volume with dims %v has no 2D slices", v.Dims)
	}
	ni, nj, nk, nt := v.Dims[0], v.Dims[1], 1, 1
	if len(v.Dims) > 2 {
		nk = v.Dims[2]
	}
	if len(v.Dims) > 3 {
		nt = v.Dims[3]
	}
	for _, extra := range v.Dims[min(len(v.Dims), 4):] {
		if extra != 1 {
			return nil, fmt.Errorf("data: volume with dims %v has more than 4 non-trivial axes", v.Dims)
		}
	}
	if k < 0 || k >= nk {
		return nil, fmt.Errorf("data: slice index k=%d out of range [0, %d) for volume dims %v", k, nk, v.Dims)
	}
	if t < 0 || t >= nt {
		return nil, fmt.Errorf("data: time/channel index t=%d out of range [0, %d) for volume dims %v", t, nt, v.Dims)
	}
	if len(v.Data) < ni*nj*nk*nt {
		return nil, fmt.Errorf("data: volume with dims %v has only %d values", v.Dims, len(v.Data))
	}
	plane := ni * nj
	start := (t*nk + k) * plane
	im := &Image{Height: nj, Width: ni, Channels: 1, Pix: make([]float32, plane)}
	copy(im.Pix, v.Data[start:start+plane])
	return im, nil
}

// NumSlices returns the size of the third array axis (1 for 2D arrays).
func (v *Volume) NumSlices() int {
	if len(v.Dims) > 2 {
		return v.Dims[2]
	}
	return 1
}

// NumFrames returns the size of the fourth array axis (1 for 2D and 3D arrays).
func (v *Volume) NumFrames() int {
	if len(v.Dims) > 3 {
		return v.Dims[3]
	}
	return 1
}
