package protoseg

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestBitMask checks PackBits, At, Count, Unpack and Equal against the byte
// maps they pack, for lengths around whole bytes and words.
func TestBitMask(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 7, 8, 9, 63, 64, 65, 130, 4096} {
		m := make([]uint8, n)
		want := 0
		for p := range m {
			if rng.IntN(3) == 0 {
				m[p], want = uint8(1+rng.IntN(3)), want+1 // any nonzero value is object
			}
		}
		b := PackBits(m)
		if b.Len() != n || len(b.Bytes()) != (n+7)/8 || b.Count() != want {
			t.Fatalf("n=%d: Len %d, %d bytes, Count %d, want %d", n, b.Len(), len(b.Bytes()), b.Count(), want)
		}
		for p := -1; p <= n; p++ {
			if got := b.At(p); got != (p >= 0 && p < n && m[p] != 0) {
				t.Fatalf("n=%d: At(%d) = %v", n, p, got)
			}
		}
		u := b.Unpack(slices.Repeat([]uint8{9}, n+3)) // a longer buffer is reused and cut
		for p, v := range u {
			if v != b2u(m[p] != 0) {
				t.Fatalf("n=%d: Unpack[%d] = %d, want %d", n, p, v, b2u(m[p] != 0))
			}
		}
		if len(u) != n || !slices.Equal(b.Unpack(nil), u) || !b.Equal(PackBits(u)) {
			t.Fatalf("n=%d: Unpack into nil and a buffer, or the round trip, differ", n)
		}
		if n > 0 {
			m[n-1] = b2u(m[n-1] == 0)
			if b.Equal(PackBits(m)) || b.Equal(NewBitMask(n+1)) {
				t.Fatalf("n=%d: masks of another pixel or length are Equal", n)
			}
		}
	}
	if NewBitMask(20).Count() != 0 {
		t.Fatal("a new mask is not empty")
	}
}

// TestSetBits checks setBits against setting bit by bit, for every range of a
// few bytes.
func TestSetBits(t *testing.T) {
	for p0 := range 26 {
		for p1 := p0; p1 <= 26; p1++ {
			got, want := []byte{0x10, 0, 0, 0}, []byte{0x10, 0, 0, 0}
			setBits(got, p0, p1)
			for p := p0; p < p1; p++ {
				want[p/8] |= 1 << (p % 8)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("[%d, %d): %08b, want %08b", p0, p1, got, want)
			}
		}
	}
}

// TestPackUint8 checks that the graph path's SAMs, packed from the graph's
// uint8 tensor, unpack to the tensor's bytes, map by map.
func TestPackUint8(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const parts, size = 6, 45
	x := tensors.FromShape(shapes.Make(dtypes.Uint8, parts, size))
	var raw []uint8
	tensors.MustMutableFlatData(x, func(v []uint8) {
		for i := range v {
			v[i] = uint8(rng.IntN(2))
		}
		raw = slices.Clone(v)
	})
	masks := packUint8(x, parts)
	for i, m := range masks {
		if !slices.Equal(m.Unpack(nil), raw[i*size:(i+1)*size]) {
			t.Fatalf("map %d differs from the tensor's bytes", i)
		}
	}
}
