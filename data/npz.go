package data

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"codeberg.org/sbinet/npyio/npy"
)

// Array is one n-dimensional array read from a NumPy .npy file or a member of an
// .npz archive, in C (row-major) order. Exactly one of Float32 and Float64 is set:
// float16, float32, uint8 and bool arrays are read as Float32 (float16 exactly, by
// [HalfToFloat32]), float64 and the other integer types as Float64.
type Array struct {
	// Name is the array's name: the .npz member without ".npy", or the file name.
	Name string
	// Shape is the array's shape.
	Shape []int
	// DType is the NumPy type of the stored data: "float16", "float32",
	// "float64", "bool", "uint8", "int8", "int16", "uint16", "int32", "uint32",
	// "int64" or "uint64".
	DType   string
	Float32 []float32
	Float64 []float64
}

// Len returns the number of elements of a.
func (a *Array) Len() int {
	if a.Float64 != nil {
		return len(a.Float64)
	}
	return len(a.Float32)
}

// At returns element i (flat, row-major) of a as float64.
func (a *Array) At(i int) float64 {
	if a.Float64 != nil {
		return a.Float64[i]
	}
	return float64(a.Float32[i])
}

// CountNonFinite returns the number of NaN and ±Inf elements of a.
func (a *Array) CountNonFinite() int {
	n := 0
	for i := range a.Len() {
		if nonFinite(a.At(i)) {
			n++
		}
	}
	return n
}

// ErrNPY marks a file that is not a readable .npy/.npz file (truncated, corrupt,
// or of an unsupported dtype): every [*FormatError] of [FormatNPY] matches it
// under errors.Is, and names the file.
var ErrNPY = errors.New("data: not a readable NumPy array")

// maxNPYHeader bounds the header of an .npy array (NumPy itself writes a few
// hundred bytes), so a corrupt length field cannot ask for gigabytes.
const maxNPYHeader = 1 << 20

// npyTypes maps the NumPy type strings read to the dtype name and element size.
var npyTypes = map[string]struct {
	name string
	size int
}{
	"<f2": {"float16", 2}, ">f2": {"float16", 2}, "=f2": {"float16", 2},
	"<f4": {"float32", 4}, ">f4": {"float32", 4}, "=f4": {"float32", 4},
	"<f8": {"float64", 8}, ">f8": {"float64", 8}, "=f8": {"float64", 8},
	"|u1": {"uint8", 1}, "<u1": {"uint8", 1}, "u1": {"uint8", 1},
	"|b1": {"bool", 1}, "<b1": {"bool", 1}, "b1": {"bool", 1},
	"|i1": {"int8", 1}, "<i1": {"int8", 1}, "i1": {"int8", 1},
	"<i2": {"int16", 2}, ">i2": {"int16", 2}, "<u2": {"uint16", 2}, ">u2": {"uint16", 2},
	"<i4": {"int32", 4}, ">i4": {"int32", 4}, "<u4": {"uint32", 4}, ">u4": {"uint32", 4},
	"<i8": {"int64", 8}, ">i8": {"int64", 8}, "<u8": {"uint64", 8}, ">u8": {"uint64", 8},
}

// MaxNPYBytes bounds the uncompressed size an .npz member may declare (4 GiB). A
// member declaring more is refused before anything is inflated, so a deflate bomb
// (a few compressed bytes declaring terabytes) costs nothing; the zip reader also
// refuses a member that inflates to more than it declared.
const MaxNPYBytes = 4 << 30

// Layout of the fixed .npy prefix: magic, major and minor version, then the
// header length (uint16 in format 1, uint32 in formats 2 and 3), little-endian.
const (
	npyMagicLen   = 6  // "\x93NUMPY"
	npyVersionOff = 6  // major version byte; the minor follows
	npyLenOff     = 8  // start of the header length
	npyPrefixV1   = 10 // bytes up to the header, format 1
	npyPrefixV2   = 12 // bytes up to the header, formats 2 and 3
)

// Limits and buffers of the .npy decoder.
const (
	// maxNPYElements bounds the element count a shape may claim (2^40).
	maxNPYElements = 1 << 40
	// npyReadBuffer is the buffer the data is read through.
	npyReadBuffer = 1 << 16
)

// npyPrefix is the fixed part of an .npy file before the header dict.
type npyPrefix struct {
	// raw is the prefix as handed to the npyio decoder (format 3 relabelled 2).
	raw []byte
	// hdrLen is the header dict's length in bytes.
	hdrLen int64
}

// DecodeNPY reads one .npy array from r. size is the number of bytes r holds (or
// −1 when unknown); it bounds what the header may claim, so a corrupt shape cannot
// allocate more than the file holds. what names the source in errors, which are a
// [*FormatError] of [FormatNPY] (matching [ErrNPY]). It never panics: a failure
// inside the npyio decoder becomes an error.
func DecodeNPY(r io.Reader, size int64, what string) (arr *Array, err error) {
	p, err := readNPYPrefix(r, size, what)
	if err != nil {
		return nil, err
	}
	hdr, err := readNPYHeader(r, p.hdrLen, what)
	if err != nil {
		return nil, err
	}
	defer func() {
		if v := recover(); v != nil {
			arr, err = nil, npyErrorf(what, "corrupt header or data (%v)", v)
		}
	}()
	src := io.MultiReader(bytes.NewReader(p.raw), bytes.NewReader(hdr), bufio.NewReaderSize(r, npyReadBuffer))
	rd, err := npy.NewReader(src)
	if err != nil {
		return nil, npyErrorf(what, "%v", err)
	}
	descr, err := npyDType(rd.Header.Descr.Type, what)
	if err != nil {
		return nil, err
	}
	dataBytes := size - int64(len(p.raw)) - p.hdrLen
	n, err := npyElements(rd.Header.Descr.Shape, descr, size >= 0, dataBytes, what)
	if err != nil {
		return nil, err
	}
	arr = &Array{Shape: append([]int(nil), rd.Header.Descr.Shape...), DType: npyTypes[descr].name}
	if err := readNPYData(rd, src, descr, n, arr); err != nil {
		return nil, npyErrorf(what, "truncated or corrupt data (%v)", err)
	}
	if rd.Header.Descr.Fortran && len(arr.Shape) > 1 {
		fromFortranOrder(arr)
	}
	return arr, nil
}

// npyErrorf returns a FormatError of FormatNPY for the source what.
func npyErrorf(what, format string, args ...any) error {
	return formatErrorf(FormatNPY, what, nil, format, args...)
}

// readNPYPrefix reads the magic, the version and the header length, and checks
// that a header of that length fits the size-byte file (size < 0: unknown), so
// that the decoder never allocates an absurd header.
func readNPYPrefix(r io.Reader, size int64, what string) (npyPrefix, error) {
	raw := make([]byte, npyPrefixV1)
	if _, err := io.ReadFull(r, raw); err != nil {
		return npyPrefix{}, npyErrorf(what, "truncated before the header (%v)", err)
	}
	if !bytes.Equal(raw[:npyMagicLen], npy.Magic[:]) {
		return npyPrefix{}, npyErrorf(what, "bad magic %q (expected \\x93NUMPY)", raw[:npyMagicLen])
	}
	p, err := readNPYHeaderLen(r, raw, what)
	if err != nil {
		return npyPrefix{}, err
	}
	if p.hdrLen > maxNPYHeader || (size >= 0 && int64(len(p.raw))+p.hdrLen > size) {
		return npyPrefix{}, npyErrorf(what, "truncated: a header of %d bytes does not fit the %d-byte file", p.hdrLen, size)
	}
	if p.raw[npyVersionOff] == 3 { // version 3 only allows utf-8 field names; the decoder knows 1 and 2
		p.raw[npyVersionOff] = 2
	}
	return p, nil
}

// readNPYHeaderLen reads the header length that follows the version in raw
// (the first npyPrefixV1 bytes): a uint16 in format 1, a uint32 (two more bytes
// read from r) in formats 2 and 3.
func readNPYHeaderLen(r io.Reader, raw []byte, what string) (npyPrefix, error) {
	switch raw[npyVersionOff] {
	case 1:
		return npyPrefix{raw: raw, hdrLen: int64(binary.LittleEndian.Uint16(raw[npyLenOff:]))}, nil
	case 2, 3:
		more := make([]byte, npyPrefixV2-npyPrefixV1)
		if _, err := io.ReadFull(r, more); err != nil {
			return npyPrefix{}, npyErrorf(what, "truncated in the header length (%v)", err)
		}
		raw = append(raw, more...)
		return npyPrefix{raw: raw, hdrLen: int64(binary.LittleEndian.Uint32(raw[npyLenOff:]))}, nil
	}
	return npyPrefix{}, npyErrorf(what, "unsupported format version %d.%d", raw[npyVersionOff], raw[npyVersionOff+1])
}

// readNPYHeader reads the header dict of hdrLen bytes, which must hold a newline.
func readNPYHeader(r io.Reader, hdrLen int64, what string) ([]byte, error) {
	hdr := make([]byte, hdrLen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, npyErrorf(what, "truncated in the header (%v)", err)
	}
	if !bytes.Contains(hdr, []byte("\n")) {
		return nil, npyErrorf(what, "header does not end in a newline")
	}
	return hdr, nil
}

// npyDType returns the header's type string, unquoted, if it is one of npyTypes.
func npyDType(typ, what string) (string, error) {
	descr := strings.Trim(typ, `'" `)
	if _, ok := npyTypes[descr]; !ok {
		return "", npyErrorf(what, "unsupported dtype %s (want float16, float32, float64, bool or an integer type)", descr)
	}
	return descr, nil
}

// npyElements returns the element count of shape, refusing a negative or
// overflowing shape, a scalar, an empty array, and (when known) more data than
// the dataBytes after the header hold.
func npyElements(shape []int, descr string, known bool, dataBytes int64, what string) (int64, error) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 || (d > 0 && n > maxNPYElements/int64(d)) {
			return 0, npyErrorf(what, "impossible shape %v", shape)
		}
		n *= int64(d)
	}
	if len(shape) == 0 {
		return 0, npyErrorf(what, "a scalar, not an array")
	}
	if n == 0 {
		return 0, npyErrorf(what, "empty array shaped %v", shape)
	}
	typ := npyTypes[descr]
	if known && n*int64(typ.size) > dataBytes {
		return 0, npyErrorf(what, "truncated: shape %v of %s needs %d data bytes, the file has %d",
			shape, typ.name, n*int64(typ.size), dataBytes)
	}
	return n, nil
}

// readNPYData reads the n elements of arr (its DType set): float32 and float64
// by npyio, uint8 and bool by npyio then widened to float32, the rest by
// decodeRaw from src.
func readNPYData(rd *npy.Reader, src io.Reader, descr string, n int64, arr *Array) error {
	switch arr.DType {
	case "float32":
		arr.Float32 = make([]float32, n)
		return rd.Read(&arr.Float32)
	case "float64":
		arr.Float64 = make([]float64, n)
		return rd.Read(&arr.Float64)
	case "uint8":
		raw := make([]uint8, n)
		if err := rd.Read(&raw); err != nil {
			return err
		}
		arr.Float32 = make([]float32, n)
		for i, v := range raw {
			arr.Float32[i] = float32(v)
		}
		return nil
	case "bool":
		raw := make([]bool, n)
		if err := rd.Read(&raw); err != nil {
			return err
		}
		arr.Float32 = make([]float32, n)
		for i, v := range raw {
			if v {
				arr.Float32[i] = 1
			}
		}
		return nil
	}
	return decodeRaw(src, n, descr, arr) // float16 and the integer types
}

// fromFortranOrder turns arr, read in Fortran (column-major) order, into C
// order: Fortran order is C order of the reversed shape, so permute it back.
func fromFortranOrder(arr *Array) {
	shape := arr.Shape
	rev := make([]int, len(shape))
	perm := make([]int, len(shape))
	for i := range shape {
		rev[i] = shape[len(shape)-1-i]
		perm[i] = len(shape) - 1 - i
	}
	if arr.Float64 != nil {
		arr.Float64 = Permute(arr.Float64, rev, perm)
	} else {
		arr.Float32 = Permute(arr.Float32, rev, perm)
	}
}

// Permute returns the row-major array src of the given shape with its axes
// reordered: axis i of the result is axis perm[i] of src.
func Permute[T any](src []T, shape, perm []int) []T {
	dst := make([]T, len(src))
	PermuteInto(dst, src, shape, perm)
	return dst
}

// PermuteInto writes the row-major array src of the given shape into dst with its
// axes reordered (axis i of dst is axis perm[i] of src); dst must be as long as src.
func PermuteInto[T any](dst, src []T, shape, perm []int) {
	rank := len(shape)
	srcStride := make([]int, rank)
	s := 1
	for i := rank - 1; i >= 0; i-- {
		srcStride[i] = s
		s *= shape[i]
	}
	outShape := make([]int, rank)
	step := make([]int, rank) // source stride of each output axis
	for i, p := range perm {
		outShape[i], step[i] = shape[p], srcStride[p]
	}
	idx := make([]int, rank)
	off := 0
	for o := range dst {
		dst[o] = src[off]
		for a := rank - 1; a >= 0; a-- {
			idx[a]++
			off += step[a]
			if idx[a] < outShape[a] {
				break
			}
			off -= step[a] * outShape[a]
			idx[a] = 0
		}
	}
}

// ReadNPY reads the .npy file at path.
func ReadNPY(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	a, err := DecodeNPY(f, st.Size(), path)
	if err != nil {
		return nil, err
	}
	a.Name = strings.TrimSuffix(baseName(path), ".npy")
	return a, nil
}

func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}

// NPZ is an open .npz archive (what numpy.savez writes): one .npy member per array,
// read one at a time so that only one array is in memory.
type NPZ struct {
	path    string
	size    int64 // the archive's size in bytes
	closer  io.Closer
	names   []string
	members map[string]*zip.File
}

// OpenNPZ opens the .npz archive at path. Close it when done.
func OpenNPZ(path string) (*NPZ, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	z, err := NewNPZ(f, st.Size(), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	z.closer = f
	return z, nil
}

// NewNPZ reads the directory of an .npz archive of size bytes from r; path names
// it in errors.
func NewNPZ(r io.ReaderAt, size int64, path string) (*NPZ, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, npyErrorf(path, "not a readable .npz (zip) archive: %v", err)
	}
	z := &NPZ{path: path, size: size, members: map[string]*zip.File{}}
	for _, f := range zr.File {
		name := strings.TrimSuffix(f.Name, ".npy")
		if _, dup := z.members[name]; dup {
			return nil, npyErrorf(path, "array %q appears twice", name)
		}
		z.members[name] = f
		z.names = append(z.names, name)
	}
	if len(z.names) == 0 {
		return nil, npyErrorf(path, "the archive holds no arrays")
	}
	return z, nil
}

// Path returns the archive's path.
func (z *NPZ) Path() string { return z.path }

// Names returns the names of the arrays in the order the archive stores them
// (numpy.savez keeps the order of its keyword arguments).
func (z *NPZ) Names() []string { return append([]string(nil), z.names...) }

// Read reads the array called name.
func (z *NPZ) Read(name string) (*Array, error) {
	f, ok := z.members[name]
	if !ok {
		return nil, fmt.Errorf("%s: no array named %q (the archive holds %s)", z.path, name, strings.Join(z.names, ", "))
	}
	if f.UncompressedSize64 > MaxNPYBytes {
		return nil, npyErrorf(z.path, "array %q declares %d bytes uncompressed (%d compressed), over the limit of %d (data.MaxNPYBytes)",
			name, f.UncompressedSize64, f.CompressedSize64, int64(MaxNPYBytes))
	}
	if err := z.checkSizes(f); err != nil {
		return nil, npyErrorf(z.path, "array %q: %v", name, err)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, npyErrorf(z.path, "array %q: %v", name, err)
	}
	defer rc.Close()
	size := int64(-1)
	if f.UncompressedSize64 <= math.MaxInt64 {
		size = int64(f.UncompressedSize64)
	}
	a, err := DecodeNPY(rc, size, fmt.Sprintf("%s: array %q", z.path, name))
	if err != nil {
		return nil, err
	}
	a.Name = name
	return a, nil
}

// maxDeflateRatio bounds how much deflate can expand: at best one length-258
// match per two bits, 1032:1; a member declaring more than that of its
// compressed size (plus a little) lies, and is refused before its arrays are
// allocated.
const maxDeflateRatio = 1032

// checkSizes refuses a member whose declared uncompressed size its compressed
// bytes cannot hold: more than the archive (stored), or more than deflate can
// expand to, so that no declared size allocates more than ~1000× the file.
func (z *NPZ) checkSizes(f *zip.File) error {
	if f.CompressedSize64 > uint64(max(z.size, 0)) {
		return fmt.Errorf("declares %d compressed bytes, the archive has %d", f.CompressedSize64, z.size)
	}
	switch {
	case f.Method == zip.Store && f.UncompressedSize64 != f.CompressedSize64:
		return fmt.Errorf("stored, but declares %d bytes uncompressed and %d compressed", f.UncompressedSize64, f.CompressedSize64)
	case f.Method == zip.Deflate && f.UncompressedSize64 > maxDeflateRatio*f.CompressedSize64+1024:
		return fmt.Errorf("declares %d bytes uncompressed from %d compressed, more than deflate can expand to", f.UncompressedSize64, f.CompressedSize64)
	}
	return nil
}

// Close closes the archive's file (nothing for an archive made by [NewNPZ]).
func (z *NPZ) Close() error {
	if z.closer == nil {
		return nil
	}
	return z.closer.Close()
}

// EncodeNPY writes a float32 array of the given shape (row-major) as .npy
// (format 1.0, little-endian).
func EncodeNPY(w io.Writer, shape []int, values []float32) error {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n != len(values) {
		return fmt.Errorf("data: npy: shape %v holds %d values, got %d", shape, n, len(values))
	}
	buf := bufio.NewWriter(w)
	writeNPYHeader(buf, "<f4", shape)
	b := make([]byte, 4)
	for _, v := range values {
		binary.LittleEndian.PutUint32(b, math.Float32bits(v))
		buf.Write(b)
	}
	return buf.Flush()
}

// NamedArray is one float32 array to write into an .npz archive.
type NamedArray struct {
	Name   string
	Shape  []int
	Values []float32
}

// WriteNPZ writes the arrays, in order, as an uncompressed .npz archive at path
// (the format of numpy.savez).
func WriteNPZ(path string, arrays []NamedArray) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for _, a := range arrays {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: a.Name + ".npy", Method: zip.Store})
		if err == nil {
			err = EncodeNPY(w, a.Shape, a.Values)
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("%s: array %q: %w", path, a.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// WriteNPY writes a float32 array as an .npy file at path.
func WriteNPY(path string, shape []int, values []float32) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := EncodeNPY(f, shape, values); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
