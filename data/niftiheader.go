package data

import (
	"encoding/binary"
	"math"
)

// niftiHeaderSize is sizeof_hdr of a NIfTI-1 header.
const niftiHeaderSize = 348

// Byte offsets of the NIfTI-1 header fields read (nifti1.h, struct nifti_1_header).
const (
	offSizeofHdr = 0   // int32 sizeof_hdr, 348 in the file's byte order
	offDim       = 40  // int16 dim[8]: dim[0] is the rank, dim[1..] the sizes
	offDatatype  = 70  // int16 datatype
	offPixdim    = 76  // float32 pixdim[8]: pixdim[1..] the voxel sizes
	offVoxOffset = 108 // float32 vox_offset, where the voxels start
	offSclSlope  = 112 // float32 scl_slope
	offSclInter  = 116 // float32 scl_inter
	offMagic     = 344 // char magic[4]
)

// Header field sizes and limits.
const (
	dimSize        = 2 // bytes of one dim[] entry
	pixdimSize     = 4 // bytes of one pixdim[] entry
	maxNIfTIRank   = 7 // dim[0] is at most 7
	maxVoxOffset   = 1 << 30
	extensionBytes = 4 // the extension flag after the header (352 = 348 + 4)
)

// Magic strings: the single-file NIfTI-1 form read, the two-file form refused,
// and the gzip stream header.
const (
	niftiMagicSingle = "n+1\x00"
	niftiMagicPair   = "ni1\x00"
	gzipMagic        = "\x1f\x8b"
)

// niftiHeader is the part of a NIfTI-1 header the reader uses.
type niftiHeader struct {
	// order is the file's byte order (the one in which sizeof_hdr reads 348).
	order binary.ByteOrder
	// dims and pixDim are dim[1..dim[0]] and pixdim[1..dim[0]].
	dims   []int
	pixDim []float64
	// voxels is the product of dims.
	voxels   int
	datatype niftiDatatype
	// voxOffset is vox_offset, checked to be in [0, maxVoxOffset].
	voxOffset float64
	// slope and inter are scl_slope and scl_inter.
	slope, inter float64
}

// parseNIfTIHeader checks and parses the niftiHeaderSize bytes of a header in
// the order the fields are checked: sizeof_hdr (byte order), magic, dims,
// datatype, vox_offset. name is used in errors only.
func parseNIfTIHeader(raw []byte, name string, maxVoxels int) (*niftiHeader, error) {
	h := &niftiHeader{}
	var err error
	if h.order, err = niftiByteOrder(raw, name); err != nil {
		return nil, err
	}
	if err := checkNIfTIMagic(raw, name); err != nil {
		return nil, err
	}
	if err := h.parseDims(raw, name, maxVoxels); err != nil {
		return nil, err
	}
	h.datatype = niftiDatatype(h.int16At(raw, offDatatype))
	if h.datatype.size() == 0 {
		return nil, formatErrorf(FormatNIfTI, name, nil, "unsupported datatype %d (want uint8 2, int8 256, int16 4, uint16 512, int32 8, float32 16 or float64 64)", h.datatype)
	}
	h.voxOffset = h.float32At(raw, offVoxOffset)
	if math.IsNaN(h.voxOffset) || h.voxOffset < 0 || h.voxOffset > maxVoxOffset {
		return nil, formatErrorf(FormatNIfTI, name, nil, "bad vox_offset %g", h.voxOffset)
	}
	h.slope, h.inter = h.float32At(raw, offSclSlope), h.float32At(raw, offSclInter)
	return h, nil
}

// niftiByteOrder returns the byte order in which sizeof_hdr reads 348.
func niftiByteOrder(raw []byte, name string) (binary.ByteOrder, error) {
	switch {
	case binary.LittleEndian.Uint32(raw[offSizeofHdr:]) == niftiHeaderSize:
		return binary.LittleEndian, nil
	case binary.BigEndian.Uint32(raw[offSizeofHdr:]) == niftiHeaderSize:
		return binary.BigEndian, nil
	}
	return nil, formatErrorf(FormatNIfTI, name, nil, "sizeof_hdr is %d, want 348 (not a NIfTI-1 file)",
		binary.LittleEndian.Uint32(raw[offSizeofHdr:]))
}

// checkNIfTIMagic accepts the single-file magic "n+1".
func checkNIfTIMagic(raw []byte, name string) error {
	magic := string(raw[offMagic : offMagic+len(niftiMagicSingle)])
	switch magic {
	case niftiMagicSingle:
		return nil
	case niftiMagicPair:
		return formatErrorf(FormatNIfTI, name, nil, "two-file (.hdr/.img) NIfTI is not supported")
	}
	return formatErrorf(FormatNIfTI, name, nil, "bad magic %q, want \"n+1\\x00\"", magic)
}

// parseDims reads dim[] and pixdim[], refusing a rank outside 1..7, a size below
// 1, or more than maxVoxels voxels.
func (h *niftiHeader) parseDims(raw []byte, name string, maxVoxels int) error {
	rank := h.int16At(raw, offDim)
	if rank < 1 || rank > maxNIfTIRank {
		return formatErrorf(FormatNIfTI, name, nil, "dim[0] = %d, want 1..7", rank)
	}
	h.dims, h.pixDim = make([]int, rank), make([]float64, rank)
	h.voxels = 1
	for a := range rank {
		d := h.int16At(raw, offDim+dimSize*(a+1))
		if d < 1 {
			return formatErrorf(FormatNIfTI, name, nil, "dim[%d] = %d, want ≥ 1", a+1, d)
		}
		h.dims[a] = d
		h.pixDim[a] = h.float32At(raw, offPixdim+pixdimSize*(a+1))
		if h.voxels > maxVoxels/d {
			return formatErrorf(FormatNIfTI, name, nil, "dims %v exceed %d voxels", h.dims[:a+1], maxVoxels)
		}
		h.voxels *= d
	}
	return nil
}

// int16At reads the int16 at off in the header's byte order.
func (h *niftiHeader) int16At(raw []byte, off int) int {
	return int(int16(h.order.Uint16(raw[off:])))
}

// float32At reads the float32 at off in the header's byte order.
func (h *niftiHeader) float32At(raw []byte, off int) float64 {
	return float64(math.Float32frombits(h.order.Uint32(raw[off:])))
}

// skip returns the number of bytes between the end of the header and the first
// voxel. Some writers leave vox_offset at 0 or 348; the data then starts right
// after the header (plus the 4-byte extension flag when vox_offset is 0).
func (h *niftiHeader) skip() int64 {
	skip := int64(h.voxOffset) - niftiHeaderSize
	if skip >= 0 {
		return skip
	}
	if int64(h.voxOffset) == 0 {
		return extensionBytes
	}
	return 0
}

// scale applies scl_slope and scl_inter to d in place, unless the slope is 0,
// either is not finite, or they are the identity (1, 0).
func (h *niftiHeader) scale(d []float32) {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if h.slope == 0 || !finite(h.slope) || !finite(h.inter) || (h.slope == 1 && h.inter == 0) {
		return
	}
	for i, v := range d {
		d[i] = float32(float64(v)*h.slope + h.inter)
	}
}
