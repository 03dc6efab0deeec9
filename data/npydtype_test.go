package data

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestHalfToFloat32ClosedForm checks all 65536 half values against the IEEE 754
// definition evaluated in float64: (−1)^s·2^(e−15)·(1+f/1024) for 0 < e < 31,
// (−1)^s·2^−14·f/1024 for e = 0, ±Inf for e = 31, f = 0, NaN for e = 31, f ≠ 0.
func TestHalfToFloat32ClosedForm(t *testing.T) {
	for h := range 1 << 16 {
		s, e, f := h>>15, (h>>10)&31, h&1023
		sign := 1.0
		if s == 1 {
			sign = -1
		}
		var want float64
		switch {
		case e == 31 && f != 0:
			want = math.NaN()
		case e == 31:
			want = math.Inf(int(sign))
		case e == 0:
			want = sign * math.Ldexp(float64(f)/1024, -14)
		default:
			want = sign * math.Ldexp(1+float64(f)/1024, e-15)
		}
		got := float64(HalfToFloat32(uint16(h)))
		if math.IsNaN(want) != math.IsNaN(got) || (!math.IsNaN(want) && (got != want || math.Signbit(got) != (s == 1))) {
			t.Fatalf("half %#04x: %g, want %g", h, got, want)
		}
	}
	for _, c := range []struct {
		h    uint16
		want float64
	}{
		{0x3c00, 1}, {0xc000, -2}, {0x7bff, 65504}, {0x0001, 5.960464477539063e-08},
		{0x0400, 6.103515625e-05}, {0x03ff, 6.097555160522461e-05}, {0x3555, 0.333251953125},
	} {
		if got := HalfToFloat32(c.h); float64(got) != c.want {
			t.Errorf("half %#04x: %g, want %g", c.h, got, c.want)
		}
	}
}

// TestFloat32ToHalf checks that every finite half round-trips and that rounding is
// to nearest, ties to even, with overflow to Inf and underflow to 0.
func TestFloat32ToHalf(t *testing.T) {
	for h := range 1 << 16 {
		if (h>>10)&31 == 31 && h&1023 != 0 {
			if got := Float32ToHalf(HalfToFloat32(uint16(h))); got&0x7c00 != 0x7c00 || got&0x3ff == 0 {
				t.Fatalf("NaN %#04x became %#04x", h, got)
			}
			continue
		}
		if got := Float32ToHalf(HalfToFloat32(uint16(h))); got != uint16(h) {
			t.Fatalf("half %#04x round-trips to %#04x", h, got)
		}
	}
	for _, c := range []struct {
		v    float64
		want uint16
	}{
		{1 + math.Ldexp(1, -11), 0x3c00},   // tie: to even (down)
		{1 + 3*math.Ldexp(1, -11), 0x3c02}, // tie: to even (up)
		{1 + math.Ldexp(1, -11) + math.Ldexp(1, -20), 0x3c01},
		{65519, 0x7bff}, {65520, 0x7c00}, {-1e6, 0xfc00},
		{math.Ldexp(1, -25), 0x0000}, {1.5 * math.Ldexp(1, -25), 0x0001}, {-math.Ldexp(1, -26), 0x8000},
		{math.Ldexp(1023.5, -24), 0x0400}, // subnormal rounding up into the normals
	} {
		if got := Float32ToHalf(float32(c.v)); got != c.want {
			t.Errorf("%g: %#04x, want %#04x", c.v, got, c.want)
		}
	}
}

// TestNPZDTypes writes float16, float32, float64 and int64 arrays, stored and
// compressed, and reads them back; a big-endian float16 and int16 .npy too.
func TestNPZDTypes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.npz")
	vals := []float64{0, 1.5, -2, 0.1, 65504, -6.103515625e-05}
	w, err := CreateNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	types := []string{"float16", "float32", "float64", "int64", "uint8", "int32"}
	for i, dt := range types {
		if err := w.Add(dt, dt, []int{2, 3}, vals, i%2 == 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	z, err := OpenNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, dt := range types {
		a, err := z.Read(dt)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			want := v
			switch dt {
			case "float16":
				want = float64(HalfToFloat32(Float32ToHalf(float32(v))))
			case "float32":
				want = float64(float32(v))
			case "int64", "int32":
				want = math.Trunc(v)
			case "uint8":
				want = float64(uint8(v))
			}
			if a.At(i) != want || a.DType != dt || !slices.Equal(a.Shape, []int{2, 3}) {
				t.Errorf("%s[%d] = %g (%s %v), want %g", dt, i, a.At(i), a.DType, a.Shape, want)
			}
		}
	}
	be := npyBytes("{'descr': '>f2', 'fortran_order': False, 'shape': (2,), }", []byte{0x3c, 0x00, 0xfc, 0x00})
	if a, err := DecodeNPY(bytes.NewReader(be), int64(len(be)), "be.npy"); err != nil || a.Float32[0] != 1 || !math.IsInf(float64(a.Float32[1]), -1) {
		t.Errorf("big-endian float16: %v %v", a, err)
	}
	i16 := npyBytes("{'descr': '>i2', 'fortran_order': True, 'shape': (1, 2), }", []byte{0xff, 0xfe, 0x01, 0x00})
	if a, err := DecodeNPY(bytes.NewReader(i16), int64(len(i16)), "i16.npy"); err != nil || !slices.Equal(a.Float64, []float64{-2, 256}) {
		t.Errorf("big-endian int16: %v %v", a, err)
	}
}

// TestNPZDeflateBomb: a member of a few compressed bytes that declares 2^40 bytes
// is refused by its declared size before it is inflated.
func TestNPZDeflateBomb(t *testing.T) {
	var npyHead bytes.Buffer
	hdr := npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (262144, 1048576), }", nil)
	fw, _ := flate.NewWriter(&npyHead, flate.BestCompression)
	fw.Write(hdr)
	fw.Write(make([]byte, 1<<16))
	fw.Close()
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "bomb.npy", Method: zip.Deflate,
		CompressedSize64: uint64(npyHead.Len()), UncompressedSize64: 1 << 40, CRC32: 1})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(npyHead.Bytes())
	zw.Close()
	npz, err := NewNPZ(bytes.NewReader(z.Bytes()), int64(z.Len()), "bomb.npz")
	if err != nil {
		t.Fatal(err)
	}
	_, err = npz.Read("bomb")
	for _, s := range []string{"bomb.npz", `"bomb"`, "1099511627776 bytes", "MaxNPYBytes"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("deflate bomb: error %v does not say %s", err, s)
		}
	}
	// Declaring less than the member inflates to is refused by the zip reader.
	z.Reset()
	zw = zip.NewWriter(&z)
	w, _ = zw.CreateRaw(&zip.FileHeader{Name: "liar.npy", Method: zip.Deflate,
		CompressedSize64: uint64(npyHead.Len()), UncompressedSize64: 200})
	w.Write(npyHead.Bytes())
	zw.Close()
	if npz, err = NewNPZ(bytes.NewReader(z.Bytes()), int64(z.Len()), "liar.npz"); err == nil {
		_, err = npz.Read("liar")
	}
	if err == nil || !strings.Contains(err.Error(), "liar.npz") {
		t.Errorf("understated size: %v", err)
	}
}

// TestNPZDeclaredSizes: members whose declared size their bytes cannot hold are
// refused before allocation: deflate beyond 1032:1, stored sizes that differ.
func TestNPZDeclaredSizes(t *testing.T) {
	for _, c := range []struct {
		method       uint16
		uncompressed uint64
		want         string
	}{{zip.Deflate, 100 << 20, "more than deflate can expand to"}, {zip.Store, 1 << 20, "stored, but declares"}} {
		var z bytes.Buffer
		zw := zip.NewWriter(&z)
		w, _ := zw.CreateRaw(&zip.FileHeader{Name: "lie.npy", Method: c.method, CompressedSize64: 100, UncompressedSize64: c.uncompressed})
		w.Write(make([]byte, 100))
		zw.Close()
		npz, err := NewNPZ(bytes.NewReader(z.Bytes()), int64(z.Len()), "lie.npz")
		if err == nil {
			_, err = npz.Read("lie")
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `lie.npz: data: not a readable NumPy array: array "lie"`) {
			t.Errorf("method %d: %v", c.method, err)
		}
	}
}
