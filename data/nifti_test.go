package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// niftiSpec describes a NIfTI-1 file for the test writer.
type niftiSpec struct {
	dims         []int
	datatype     int16 // 2, 4, 8, 16, 64, 256, 512
	slope, inter float32
	bigEndian    bool
	voxOffset    float32 // 0 means 352
	pixdim       []float32
}

// encodeNIfTI encodes values (NIfTI order) as a single-file NIfTI-1 image.
func encodeNIfTI(spec niftiSpec, values []float64) []byte {
	var bo binary.ByteOrder = binary.LittleEndian
	if spec.bigEndian {
		bo = binary.BigEndian
	}
	voxOffset := spec.voxOffset
	if voxOffset == 0 {
		voxOffset = 352
	}
	hdr := make([]byte, int(voxOffset))
	bo.PutUint32(hdr[0:], 348)
	bo.PutUint16(hdr[40:], uint16(len(spec.dims)))
	for a, d := range spec.dims {
		bo.PutUint16(hdr[42+2*a:], uint16(d))
	}
	bitpix := map[int16]int16{2: 8, 4: 16, 8: 32, 16: 32, 64: 64, 256: 8, 512: 16}[spec.datatype]
	bo.PutUint16(hdr[70:], uint16(spec.datatype))
	bo.PutUint16(hdr[72:], uint16(bitpix))
	bo.PutUint32(hdr[76:], math.Float32bits(1))
	for a := range spec.dims {
		p := float32(1)
		if a < len(spec.pixdim) {
			p = spec.pixdim[a]
		}
		bo.PutUint32(hdr[80+4*a:], math.Float32bits(p))
	}
	bo.PutUint32(hdr[108:], math.Float32bits(voxOffset))
	bo.PutUint32(hdr[112:], math.Float32bits(spec.slope))
	bo.PutUint32(hdr[116:], math.Float32bits(spec.inter))
	copy(hdr[344:], "n+1\x00")
	var buf bytes.Buffer
	buf.Write(hdr)
	b := make([]byte, 8)
	for _, v := range values {
		switch spec.datatype {
		case 2:
			buf.WriteByte(uint8(v))
		case 256:
			buf.WriteByte(byte(int8(v)))
		case 4:
			bo.PutUint16(b, uint16(int16(v)))
			buf.Write(b[:2])
		case 512:
			bo.PutUint16(b, uint16(v))
			buf.Write(b[:2])
		case 8:
			bo.PutUint32(b, uint32(int32(v)))
			buf.Write(b[:4])
		case 16:
			bo.PutUint32(b, math.Float32bits(float32(v)))
			buf.Write(b[:4])
		case 64:
			bo.PutUint64(b, math.Float64bits(v))
			buf.Write(b[:8])
		}
	}
	return buf.Bytes()
}

// gzipBytes compresses b.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// writeNIfTI writes a NIfTI file at path, gzip-compressed when path ends in .gz.
func writeNIfTI(t testing.TB, path string, spec niftiSpec, values []float64) {
	t.Helper()
	b := encodeNIfTI(spec, values)
	if strings.HasSuffix(path, ".gz") {
		b = gzipBytes(b)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func ramp(n int, f func(i int) float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = f(i)
	}
	return v
}

func TestReadNIfTIDatatypes(t *testing.T) {
	dir := t.TempDir()
	dims := []int{4, 3, 2}
	n := 24
	cases := []struct {
		name string
		spec niftiSpec
		in   func(i int) float64
		want func(i int) float32
	}{
		{"uint8.nii", niftiSpec{datatype: 2}, func(i int) float64 { return float64(i * 10) }, func(i int) float32 { return float32(i * 10) }},
		{"int8.nii", niftiSpec{datatype: 256}, func(i int) float64 { return float64(i - 12) }, func(i int) float32 { return float32(i - 12) }},
		{"int16.nii.gz", niftiSpec{datatype: 4}, func(i int) float64 { return float64(-1000 + 100*i) }, func(i int) float32 { return float32(-1000 + 100*i) }},
		{"int16be.nii", niftiSpec{datatype: 4, bigEndian: true}, func(i int) float64 { return float64(-1000 + 100*i) }, func(i int) float32 { return float32(-1000 + 100*i) }},
		{"uint16.nii", niftiSpec{datatype: 512}, func(i int) float64 { return float64(60000 + i) }, func(i int) float32 { return float32(60000 + i) }},
		{"int32be.nii.gz", niftiSpec{datatype: 8, bigEndian: true}, func(i int) float64 { return float64(-70000 * i) }, func(i int) float32 { return float32(-70000 * i) }},
		{"float32.nii", niftiSpec{datatype: 16}, func(i int) float64 { return float64(i) / 4 }, func(i int) float32 { return float32(i) / 4 }},
		{"float64be.nii", niftiSpec{datatype: 64, bigEndian: true}, func(i int) float64 { return -float64(i) / 8 }, func(i int) float32 { return -float32(i) / 8 }},
		{"scaled.nii.gz", niftiSpec{datatype: 4, slope: 0.5, inter: -1024}, func(i int) float64 { return float64(2 * i) }, func(i int) float32 { return float32(i) - 1024 }},
		{"slope0.nii", niftiSpec{datatype: 4, slope: 0, inter: 7}, func(i int) float64 { return float64(i) }, func(i int) float32 { return float32(i) }},
		{"offset.nii", niftiSpec{datatype: 2, voxOffset: 400}, func(i int) float64 { return float64(i) }, func(i int) float32 { return float32(i) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name)
			c.spec.dims = dims
			c.spec.pixdim = []float32{0.5, 0.75, 3}
			writeNIfTI(t, path, c.spec, ramp(n, c.in))
			v, err := ReadNIfTI(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Dims) != 3 || v.Dims[0] != 4 || v.Dims[1] != 3 || v.Dims[2] != 2 {
				t.Fatalf("dims %v, want [4 3 2]", v.Dims)
			}
			if v.PixDim[0] != 0.5 || v.PixDim[1] != 0.75 || v.PixDim[2] != 3 {
				t.Errorf("pixdim %v, want [0.5 0.75 3]", v.PixDim)
			}
			for i := range n {
				if got, want := v.Data[i], c.want(i); got != want {
					t.Fatalf("voxel %d = %g, want %g", i, got, want)
				}
			}
		})
	}
}

func TestVolumeSlice4D(t *testing.T) {
	// dims i=3, j=2, k=4, t=2; value encodes (i, j, k, t).
	dims := []int{3, 2, 4, 2}
	vals := make([]float64, 3*2*4*2)
	for tt := range 2 {
		for k := range 4 {
			for j := range 2 {
				for i := range 3 {
					vals[((tt*4+k)*2+j)*3+i] = float64(1000*tt + 100*k + 10*j + i)
				}
			}
		}
	}
	path := filepath.Join(t.TempDir(), "v.nii.gz")
	writeNIfTI(t, path, niftiSpec{dims: dims, datatype: 4}, vals)
	v, err := ReadNIfTI(path)
	if err != nil {
		t.Fatal(err)
	}
	if v.NumSlices() != 4 || v.NumFrames() != 2 {
		t.Fatalf("NumSlices %d NumFrames %d, want 4 and 2", v.NumSlices(), v.NumFrames())
	}
	im, err := v.Slice(2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if im.Height != 2 || im.Width != 3 || im.Channels != 1 {
		t.Fatalf("slice shape %d×%d×%d, want 2×3×1", im.Height, im.Width, im.Channels)
	}
	for y := range 2 {
		for x := range 3 {
			if got, want := im.At(y, x, 0), float32(1000+200+10*y+x); got != want {
				t.Errorf("slice(2,1) at row %d col %d = %g, want %g", y, x, got, want)
			}
		}
	}
	for _, kt := range [][2]int{{4, 0}, {-1, 0}, {0, 2}} {
		if _, err := v.Slice(kt[0], kt[1]); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("Slice(%d, %d): err %v, want out of range", kt[0], kt[1], err)
		}
	}
}

func TestReadNIfTIErrors(t *testing.T) {
	dir := t.TempDir()
	good := encodeNIfTI(niftiSpec{dims: []int{4, 4, 2}, datatype: 4}, make([]float64, 32))
	badMagic := bytes.Clone(good)
	copy(badMagic[344:], "xyz\x00")
	badType := bytes.Clone(good)
	binary.LittleEndian.PutUint16(badType[70:], 128) // RGB24
	badSize := bytes.Clone(good)
	binary.LittleEndian.PutUint32(badSize[0:], 540) // NIfTI-2
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty.nii", nil, "truncated header"},
		{"short.nii", good[:200], "truncated header"},
		{"short.nii.gz", gzipBytes(good[:100]), "truncated header"},
		{"magic.nii", badMagic, "bad magic"},
		{"type.nii", badType, "unsupported datatype 128"},
		{"nifti2.nii", badSize, "sizeof_hdr is 540"},
		{"data.nii", good[:len(good)-3], "data shorter than dims [4 4 2] say"},
		{"data.nii.gz", gzipBytes(good[:len(good)-10]), "data shorter than dims"},
		{"gzip.nii.gz", append([]byte{0x1f, 0x8b}, good[:50]...), "gzip"},
	}
	for _, c := range cases {
		path := filepath.Join(dir, c.name)
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadNIfTI(path)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %q, want it to name the file and contain %q", c.name, err, c.want)
		}
	}
	if _, err := ReadNIfTI(filepath.Join(dir, "missing.nii")); err == nil || !strings.Contains(err.Error(), "missing.nii") {
		t.Errorf("missing file: error %v", err)
	}
}

func FuzzReadNIfTI(f *testing.F) {
	f.Add(encodeNIfTI(niftiSpec{dims: []int{2, 2, 2}, datatype: 2}, ramp(8, func(i int) float64 { return float64(i) })))
	f.Add(gzipBytes(encodeNIfTI(niftiSpec{dims: []int{2, 3, 1, 2}, datatype: 4, slope: 2, inter: 1, bigEndian: true}, make([]float64, 12))))
	f.Add(encodeNIfTI(niftiSpec{dims: []int{3, 1, 2}, datatype: 64}, make([]float64, 6)))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeNIfTI(bytes.NewReader(b), "fuzz.nii", 1<<16)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.nii") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		n := 1
		for _, d := range v.Dims {
			n *= d
		}
		if len(v.Data) != n {
			t.Fatalf("dims %v but %d values", v.Dims, len(v.Data))
		}
		for k := range v.NumSlices() {
			if _, err := v.Slice(k, 0); err != nil && len(v.Dims) >= 2 && len(v.Dims) <= 4 {
				t.Fatalf("Slice(%d, 0) of dims %v: %v", k, v.Dims, err)
			}
		}
	})
}

// TestReadNIfTIFormatError checks that a corrupt header gives a *FormatError
// naming the file and the format, and that a header field at its named offset is
// what the reader reads: the datatype code and sizeof_hdr.
func TestReadNIfTIFormatError(t *testing.T) {
	dir := t.TempDir()
	good := encodeNIfTI(niftiSpec{dims: []int{4, 4, 2}, datatype: 4}, make([]float64, 32))
	badType := bytes.Clone(good)
	binary.LittleEndian.PutUint16(badType[offDatatype:], 128)
	badSize := bytes.Clone(good)
	binary.LittleEndian.PutUint32(badSize[offSizeofHdr:], 540)
	for name, c := range map[string]struct {
		data []byte
		msg  string
	}{
		"type.nii":   {badType, "unsupported datatype 128 (want uint8 2, int8 256, int16 4, uint16 512, int32 8, float32 16 or float64 64)"},
		"nifti2.nii": {badSize, "sizeof_hdr is 540, want 348 (not a NIfTI-1 file)"},
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadNIfTI(path)
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("%s: error %v (%T), want a *FormatError", name, err, err)
		}
		if fe.Format != FormatNIfTI || fe.File != path || fe.Msg != c.msg {
			t.Errorf("%s: FormatError %+v, want format NIfTI, file %s, message %q", name, *fe, path, c.msg)
		}
		if want := "data: NIfTI " + path + ": " + c.msg; err.Error() != want {
			t.Errorf("%s: error %q, want %q", name, err, want)
		}
		if errors.Is(err, ErrNPY) {
			t.Errorf("%s: a NIfTI error matches ErrNPY", name)
		}
	}
	// A truncated header keeps its cause.
	path := filepath.Join(dir, "short.nii")
	if err := os.WriteFile(path, good[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadNIfTI(path)
	var fe *FormatError
	if !errors.As(err, &fe) || !errors.Is(err, io.ErrUnexpectedEOF) || fe.Msg != "truncated header (100 of 348 bytes)" {
		t.Errorf("short header: error %v, want a FormatError wrapping io.ErrUnexpectedEOF", err)
	}
}
