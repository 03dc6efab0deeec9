package data

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"codeberg.org/sbinet/npyio/npy"
)

// writeNPYHeader writes the .npy prefix and header (format 1.0, C order) for an
// array of NumPy type descr and the given shape, padded to 64 bytes as NumPy does.
func writeNPYHeader(w *bufio.Writer, descr string, shape []int) {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	hdr := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, tuple)
	pad := 64 - (10+len(hdr)+1)%64
	hdr += strings.Repeat(" ", pad%64) + "\n"
	w.Write(npy.Magic[:])
	w.Write([]byte{1, 0})
	binary.Write(w, binary.LittleEndian, uint16(len(hdr)))
	w.WriteString(hdr)
}

// npyEncoders are the dtypes [NPZWriter.Add] writes: NumPy type and how one value
// is appended, little-endian.
var npyEncoders = map[string]struct {
	descr string
	put   func([]byte, float64) []byte
}{
	"float16": {"<f2", func(b []byte, v float64) []byte {
		return binary.LittleEndian.AppendUint16(b, Float32ToHalf(float32(v)))
	}},
	"float32": {"<f4", func(b []byte, v float64) []byte {
		return binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v)))
	}},
	"float64": {"<f8", func(b []byte, v float64) []byte { return binary.LittleEndian.AppendUint64(b, math.Float64bits(v)) }},
	"uint8":   {"|u1", func(b []byte, v float64) []byte { return append(b, uint8(v)) }},
	"int32":   {"<i4", func(b []byte, v float64) []byte { return binary.LittleEndian.AppendUint32(b, uint32(int32(v))) }},
	"int64":   {"<i8", func(b []byte, v float64) []byte { return binary.LittleEndian.AppendUint64(b, uint64(int64(v))) }},
}

// NPZWriter writes an .npz archive one array at a time, each stored or
// compressed (deflate, as numpy.savez_compressed), in float16, float32, float64,
// uint8, int32 or int64: the files a PyTorch exporter writes, for tests and
// examples. Only the array being added is in memory.
type NPZWriter struct {
	path string
	f    *os.File
	zw   *zip.Writer
}

// CreateNPZ creates the .npz archive at path. Close it to finish the file.
func CreateNPZ(path string) (*NPZWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	return &NPZWriter{path: path, f: f, zw: zip.NewWriter(f)}, nil
}

// Add writes the array name of the given shape (row-major values, converted to
// dtype: rounded to nearest for float16, truncated for the integer types).
func (w *NPZWriter) Add(name, dtype string, shape []int, values []float64, compress bool) error {
	enc, ok := npyEncoders[dtype]
	if !ok {
		return fmt.Errorf("data: %s: array %q: cannot write dtype %s", w.path, name, dtype)
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n != len(values) {
		return fmt.Errorf("data: %s: array %q: shape %v holds %d values, got %d", w.path, name, shape, n, len(values))
	}
	method := zip.Store
	if compress {
		method = zip.Deflate
	}
	zf, err := w.zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: method})
	if err != nil {
		return fmt.Errorf("data: %s: array %q: %w", w.path, name, err)
	}
	if err := writeNPYValues(zf, enc.descr, shape, values, enc.put); err != nil {
		return fmt.Errorf("data: %s: array %q: %w", w.path, name, err)
	}
	return nil
}

// writeNPYValues writes one .npy array to w, 4096 values at a time.
func writeNPYValues(w io.Writer, descr string, shape []int, values []float64, put func([]byte, float64) []byte) error {
	buf := bufio.NewWriter(w)
	writeNPYHeader(buf, descr, shape)
	var b []byte
	for i, v := range values {
		b = put(b, v)
		if i%4096 == 4095 {
			buf.Write(b)
			b = b[:0]
		}
	}
	buf.Write(b)
	return buf.Flush()
}

// Close finishes the archive and closes its file.
func (w *NPZWriter) Close() error {
	if err := w.zw.Close(); err != nil {
		w.f.Close()
		return fmt.Errorf("data: %s: %w", w.path, err)
	}
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("data: %s: %w", w.path, err)
	}
	return nil
}

// TypedArray is one array for [WriteTypedNPZ]: values row-major, written as
// DType (see [NPZWriter.Add]).
type TypedArray struct {
	Name   string
	DType  string
	Shape  []int
	Values []float64
}

// WriteTypedNPZ writes the arrays, in order, as an .npz archive at path, every
// member deflated when compress is set (numpy.savez_compressed) or stored.
func WriteTypedNPZ(path string, compress bool, arrays ...TypedArray) error {
	w, err := CreateNPZ(path)
	if err != nil {
		return err
	}
	for _, a := range arrays {
		if err := w.Add(a.Name, a.DType, a.Shape, a.Values, compress); err != nil {
			w.Close()
			return err
		}
	}
	return w.Close()
}
