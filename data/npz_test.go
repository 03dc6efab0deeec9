package data

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// npyBytes builds an .npy file by hand: header dict text and raw data bytes.
func npyBytes(dict string, payload []byte) []byte {
	hdr := dict
	pad := 64 - (10+len(hdr)+1)%64
	hdr += strings.Repeat(" ", pad%64) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	b.WriteByte(byte(len(hdr)))
	b.WriteByte(byte(len(hdr) >> 8))
	b.WriteString(hdr)
	b.Write(payload)
	return b.Bytes()
}

func TestNPYRoundTrip(t *testing.T) {
	var b bytes.Buffer
	vals := []float32{0, 1.5, -2, 3, 4, 5}
	if err := EncodeNPY(&b, []int{2, 3}, vals); err != nil {
		t.Fatal(err)
	}
	a, err := DecodeNPY(bytes.NewReader(b.Bytes()), int64(b.Len()), "x.npy")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Shape, []int{2, 3}) || !slices.Equal(a.Float32, vals) || a.DType != "float32" {
		t.Fatalf("got %v %s %v", a.Shape, a.DType, a.Float32)
	}
}

func TestNPYFortranAndFloat64(t *testing.T) {
	// [[0,1,2],[3,4,5]] in Fortran order is stored column by column: 0 3 1 4 2 5.
	payload := make([]byte, 0, 48)
	for _, v := range []float64{0, 3, 1, 4, 2, 5} {
		payload = fmt.Appendf(payload, "%s", f64le(v))
	}
	raw := npyBytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", payload)
	a, err := DecodeNPY(bytes.NewReader(raw), int64(len(raw)), "f.npy")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Float64, []float64{0, 1, 2, 3, 4, 5}) || a.DType != "float64" {
		t.Fatalf("Fortran order read as %v (%s)", a.Float64, a.DType)
	}
}

func f64le(v float64) []byte {
	return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v))
}

func TestNPYErrors(t *testing.T) {
	good := npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", make([]byte, 16))
	cases := []struct {
		name string
		raw  []byte
		want string
	}{
		{"truncated data", good[:len(good)-3], "truncated"},
		{"truncated header", good[:20], "truncated"},
		{"bad magic", append([]byte("NOTNPY"), good[6:]...), "bad magic"},
		{"bytes", npyBytes("{'descr': '|S8', 'fortran_order': False, 'shape': (2,), }", make([]byte, 16)), "unsupported dtype |S8"},
		{"complex", npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", make([]byte, 16)), "unsupported dtype"},
		{"no dict", npyBytes("garbage", nil), "x.npy"},
		{"huge shape", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000, 100000000), }", nil), "impossible shape"},
		{"scalar", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", make([]byte, 4)), "scalar"},
		{"version", append([]byte("\x93NUMPY\x09\x00"), good[8:]...), "version"},
	}
	for _, c := range cases {
		_, err := DecodeNPY(bytes.NewReader(c.raw), int64(len(c.raw)), "x.npy")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "x.npy") || !errors.Is(err, ErrNPY) {
			t.Errorf("%s: got error %v, want one naming x.npy and saying %q", c.name, err, c.want)
		}
	}
}

func TestNPZOrderAndErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.npz")
	arrays := []NamedArray{
		{"zeta", []int{1, 2}, []float32{1, 2}},
		{"alpha", []int{1, 1, 3}, []float32{3, 4, 5}},
		{"mid.conv", []int{2}, []float32{6, 7}},
	}
	if err := WriteNPZ(path, arrays); err != nil {
		t.Fatal(err)
	}
	z, err := OpenNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if got := z.Names(); !slices.Equal(got, []string{"zeta", "alpha", "mid.conv"}) {
		t.Fatalf("names %v are not in file order", got)
	}
	for _, want := range arrays {
		a, err := z.Read(want.Name)
		if err != nil {
			t.Fatal(err)
		}
		if a.Name != want.Name || !slices.Equal(a.Shape, want.Shape) || !slices.Equal(a.Float32, want.Values) {
			t.Errorf("%s read as %+v", want.Name, a)
		}
	}
	if _, err := z.Read("beta"); err == nil || !strings.Contains(err.Error(), `"beta"`) || !strings.Contains(err.Error(), path) {
		t.Errorf("missing array: %v", err)
	}
	// A truncated archive names the file.
	raw, _ := os.ReadFile(path)
	bad := filepath.Join(dir, "cut.npz")
	os.WriteFile(bad, raw[:len(raw)/2], 0o644)
	if _, err := OpenNPZ(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("truncated archive: %v", err)
	}
}

func TestPermute(t *testing.T) {
	// [N=1, C=2, H=2, W=3] -> [N, H, W, C]
	src := []int{0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15}
	got := Permute(src, []int{1, 2, 2, 3}, []int{0, 2, 3, 1})
	want := []int{0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15}
	if !slices.Equal(got, want) {
		t.Fatalf("permute: %v want %v", got, want)
	}
}

// FuzzDecodeNPZ feeds arbitrary bytes to the .npz and .npy readers: they must
// return an error or arrays whose length matches their shape, and never panic.
func FuzzDecodeNPZ(f *testing.F) {
	var b bytes.Buffer
	EncodeNPY(&b, []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	f.Add(b.Bytes())
	f.Add(npyBytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 1), }", make([]byte, 16)))
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "layer1.npy", Method: zip.Store})
	w.Write(b.Bytes())
	w, _ = zw.Create("layer2.npy") // deflated, as numpy.savez_compressed writes
	w.Write(b.Bytes())
	zw.Close()
	f.Add(z.Bytes())
	f.Fuzz(func(t *testing.T, raw []byte) {
		check := func(a *Array) {
			n := 1
			for _, d := range a.Shape {
				n *= d
			}
			if a.Len() != n {
				t.Fatalf("shape %v but %d values", a.Shape, a.Len())
			}
		}
		if a, err := DecodeNPY(bytes.NewReader(raw), int64(len(raw)), "fuzz.npy"); err == nil {
			check(a)
		}
		zr, err := NewNPZ(bytes.NewReader(raw), int64(len(raw)), "fuzz.npz")
		if err != nil {
			return
		}
		for _, name := range zr.Names() {
			if a, err := zr.Read(name); err == nil {
				check(a)
			}
		}
	})
}

// TestNPYFormatError checks that .npy and .npz errors are a *FormatError of
// FormatNPY naming the source, that they still match ErrNPY, and their text.
func TestNPYFormatError(t *testing.T) {
	good := npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", make([]byte, 16))
	v2 := append([]byte("\x93NUMPY\x02\x00"), 0xff, 0xff, 0, 0) // a 65535-byte header in a short file
	for _, c := range []struct {
		name string
		raw  []byte
		msg  string
	}{
		{"data", good[:len(good)-3], "truncated: shape [2 2] of float32 needs 16 data bytes, the file has 13"},
		{"version", append([]byte("\x93NUMPY\x09\x00"), good[8:]...), "unsupported format version 9.0"},
		{"v2 length", v2, "truncated: a header of 65535 bytes does not fit the 12-byte file"},
		{"empty", npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }", nil), "empty array shaped [0 3]"},
	} {
		_, err := DecodeNPY(bytes.NewReader(c.raw), int64(len(c.raw)), "x.npy")
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Format != FormatNPY || fe.File != "x.npy" || fe.Msg != c.msg {
			t.Errorf("%s: error %v (%T), want a FormatError of NPY for x.npy saying %q", c.name, err, err, c.msg)
			continue
		}
		if want := "x.npy: data: not a readable NumPy array: " + c.msg; err.Error() != want || !errors.Is(err, ErrNPY) {
			t.Errorf("%s: error %q, want %q matching ErrNPY", c.name, err, want)
		}
	}
	_, err := NewNPZ(bytes.NewReader(good), int64(len(good)), "f.npz")
	var fe *FormatError
	if !errors.As(err, &fe) || fe.File != "f.npz" || !errors.Is(err, ErrNPY) || !strings.HasPrefix(fe.Msg, "not a readable .npz (zip) archive: ") {
		t.Errorf("a .npy read as .npz: error %v, want a FormatError naming f.npz", err)
	}
}
