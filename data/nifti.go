package data

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
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

// maxNIfTIVoxels bounds the number of voxels a header may claim before anything is
// allocated (a 512×512×1000 CT has 2.6e8).
const maxNIfTIVoxels = 1 << 29

// ReadNIfTI reads a NIfTI-1 file, uncompressed (.nii) or gzip-compressed (.nii.gz;
// gzip is recognised by its magic bytes, not by the name). Supported datatypes are
// uint8, int8, int16, uint16, int32, float32 and float64, in either byte order
// (recognised by sizeof_hdr = 348). scl_slope/scl_inter are applied unless the slope
// is 0 (or not finite). vox_offset is honoured. Only the single-file "n+1" form is
// read (a header-only "ni1" .hdr/.img pair is rejected). A corrupt, truncated or
// unsupported file gives a [*FormatError] naming it.
func ReadNIfTI(path string) (*Volume, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: reading NIfTI: %w", err)
	}
	defer f.Close()
	return decodeNIfTI(f, path, maxNIfTIVoxels)
}

// decodeNIfTI reads a NIfTI-1 stream; name is used in errors only. It reads the
// header, then the voxels.
func decodeNIfTI(r io.Reader, name string, maxVoxels int) (*Volume, error) {
	br, gz, err := niftiStream(r, name)
	if err != nil {
		return nil, err
	}
	if gz != nil {
		defer gz.Close()
	}
	var raw [niftiHeaderSize]byte
	if n, err := io.ReadFull(br, raw[:]); err != nil {
		return nil, formatErrorf(FormatNIfTI, name, err, "truncated header (%d of %d bytes)", n, niftiHeaderSize)
	}
	h, err := parseNIfTIHeader(raw[:], name, maxVoxels)
	if err != nil {
		return nil, err
	}
	data, err := readNIfTIVoxels(br, h, name)
	if err != nil {
		return nil, err
	}
	return &Volume{Dims: h.dims, Data: data, PixDim: h.pixDim}, nil
}

// niftiStream buffers r and, when it starts with the gzip magic, decompresses it;
// gz is the gzip reader to close, or nil.
func niftiStream(r io.Reader, name string) (br *bufio.Reader, gz *gzip.Reader, err error) {
	br = bufio.NewReader(r)
	if magic, err := br.Peek(len(gzipMagic)); err != nil || string(magic) != gzipMagic {
		return br, nil, nil
	}
	gz, err = gzip.NewReader(br)
	if err != nil {
		return nil, nil, formatErrorf(FormatNIfTI, name, err, "bad gzip stream")
	}
	return bufio.NewReader(gz), gz, nil
}

// readNIfTIVoxels skips to vox_offset and decodes the header's voxels, scaled.
func readNIfTIVoxels(br *bufio.Reader, h *niftiHeader, name string) ([]float32, error) {
	if _, err := io.CopyN(io.Discard, br, h.skip()); err != nil {
		return nil, formatErrorf(FormatNIfTI, name, err, "truncated before vox_offset %g", h.voxOffset)
	}
	n, size := h.voxels, h.datatype.size()
	// Read incrementally so that a short file claiming huge dims fails before
	// allocating what the header claims.
	raw, err := io.ReadAll(io.LimitReader(br, int64(n)*int64(size)))
	if err != nil {
		return nil, formatErrorf(FormatNIfTI, name, err, "reading voxel data")
	}
	if len(raw) < n*size {
		return nil, formatErrorf(FormatNIfTI, name, nil, "data shorter than dims %v say: %d of %d bytes", h.dims, len(raw), n*size)
	}
	d := h.datatype.decode(raw, h.order, n)
	h.scale(d)
	return d, nil
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
