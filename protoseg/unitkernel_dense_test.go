package protoseg

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestDenseArgsLayout holds the field offsets unitkernel_amd64.s reads.
func TestDenseArgsLayout(t *testing.T) {
	want := []uintptr{16, 48, 80, 112, 128, 136, 160, 176, 40, 56, 48, 56, 80, 88}
	if got := denseArgsOffsets(); got != nil && !slices.Equal(got, want) {
		t.Fatalf("offsets %v, want %v", got, want)
	}
}

// denseLevels are the levels this CPU runs, the Go reference first.
func denseLevels() []denseLevel {
	var out []denseLevel
	for l := denseGo; l <= cpuDenseLevel(); l++ {
		out = append(out, l)
	}
	return out
}

// TestDenseMaskLevels checks that every SIMD producer and emitter gives the Go
// reference's bits and counts, bit for bit, on random logits (both signs, ties
// at zero, tiny values near the flush-to-zero range; then a few units of the
// smallest subnormal, where the fused and separate rules round apart) for every pick (one- and
// two-register permutes, gathers, identity) and both rounding rules.
func TestDenseMaskLevels(t *testing.T) {
	if cpuDenseLevel() < denseAVX2 {
		t.Skip("no SIMD level on this CPU")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	fusedChecked := 0
	for _, sz := range [][4]int{{4, 4, 16, 16}, {8, 16, 64, 64}, {5, 24, 20, 48}, {16, 40, 32, 80}, {7, 32, 7, 32}, {3, 64, 12, 64}, {64, 64, 64, 64}, {6, 32, 20, 64}, {4, 20, 16, 64}, {5, 40, 9, 64}, {3, 4, 9, 16}} {
		for _, rule := range []combineRule{ruleFused, ruleSeparate} {
			rows, err := newAxisTaps(Bilinear, sz[0], sz[2])
			if err != nil {
				t.Fatal(err)
			}
			cols, err := newAxisTaps(Bilinear, sz[1], sz[3])
			if err != nil {
				t.Fatal(err)
			}
			for i := range rows.rule {
				rows.rule[i] = []combineRule{rule, ruleFused, ruleSeparate}[i%3]
			}
			for i := range cols.rule {
				if !cols.identity {
					cols.rule[i] = rule
				}
			}
			p := newDensePlan(rows, cols)
			if p == nil {
				t.Fatalf("%v: no plan", sz)
			}
			for _, tiny := range []bool{false, true} {
				src := make([]float32, sz[0]*p.s1p)
				for j := range sz[0] {
					for i := range sz[1] {
						src[j*p.s1p+i] = denseTestValue(rng)
						if tiny { // a few units of the smallest subnormal: the two rules round apart
							src[j*p.s1p+i] = float32(rng.IntN(17)-8) * math.SmallestNonzeroFloat32
						}
					}
				}
				fusedChecked += checkDenseLevels(t, p, src, sz, rng)
			}
		}
	}
	if cpuDenseLevel() == denseAVX512 && cpu.X86.HasAVX512BW && fusedChecked == 0 {
		t.Fatal("the fused producer was not compared")
	}
	t.Logf("fused producer compared on %d plans", fusedChecked)
}

func denseTestValue(rng *rand.Rand) float32 {
	v := float32(rng.NormFloat64())
	switch rng.IntN(6) {
	case 0:
		return 0
	case 1:
		return v * 0x1p-126
	case 2:
		return v * 0x1p-100
	}
	return v
}

// checkDenseLevels compares every level's producer and emitter with the Go
// reference for the plan p and source rows src; it returns how many levels
// ran a fused producer and emitter (checkFusedEmit).
func checkDenseLevels(t *testing.T, p *densePlan, src []float32, sz [4]int, rng *rand.Rand) (fused int) {
	t.Helper()
	pixels := p.h * p.w
	ref := make([]byte, pixels/8+8)
	vbuf := make([]float32, max(p.s1p, 32))
	denseMaskGo(p, src, vbuf, ref)
	roi, gt := make([]byte, pixels/8+8), make([]byte, pixels/8+8)
	for i := range pixels / 8 {
		roi[i], gt[i] = byte(rng.Uint32()|rng.Uint32()), byte(rng.Uint32())
	}
	wantSAM, wantHeat := make([]uint8, pixels/8), make([]uint8, pixels)
	ws, wi := denseEmitGo(ref, roi, gt, wantSAM, wantHeat, pixels)
	for q, v := range wantSAM { // the SAM is the unit's bits inside the ROI
		if v != ref[q]&roi[q] {
			t.Fatalf("%v: Go emitter's SAM byte %d = %#x, want %#x", sz, q, v, ref[q]&roi[q])
		}
	}
	for _, level := range denseLevels()[1:] {
		bits := make([]byte, pixels/8+8)
		denseMask(level, p, src, vbuf, bits)
		if !bytes.Equal(bits, ref) {
			t.Fatalf("%v level %d: bits differ from the Go reference", sz, level)
		}
		sam, heat := bytes.Repeat([]byte{0xaa}, pixels/8), make([]uint8, pixels) // every SAM byte is written
		s, i := denseEmit(level, bits, roi, gt, sam, heat, pixels)
		if s != ws || i != wi || !bytes.Equal(sam, wantSAM) || !bytes.Equal(heat, wantHeat) {
			t.Fatalf("%v level %d: emit %d, %d, want %d, %d (SAM or heat differ: %v)", sz, level, s, i, ws, wi,
				!bytes.Equal(sam, wantSAM) || !bytes.Equal(heat, wantHeat))
		}
		if checkFusedEmit(t, level, p, src, vbuf, roi, gt, sz, ws, wi, wantSAM, wantHeat) {
			fused++
		}
	}
	return fused
}

// checkFusedEmit compares the producer with the emitter fused in, where the
// level has one for the plan p, with the Go reference's counts, SAM bits and
// heat counts (added to counts already there), with and without SAM and heat;
// it reports whether the fused producer ran.
func checkFusedEmit(t *testing.T, level denseLevel, p *densePlan, src, vbuf []float32, roi, gt []byte, sz [4]int,
	ws, wi int64, wantSAM, wantHeat []uint8) (fused bool) {
	t.Helper()
	pixels := p.h * p.w
	for _, keep := range []bool{true, false} {
		var sam, heat []uint8
		if keep {
			sam, heat = bytes.Repeat([]byte{0xaa}, pixels/8), make([]uint8, pixels)
			for i := range heat {
				heat[i] = uint8(i % 3)
			}
		}
		s, i, ok := denseMaskEmit(level, p, src, vbuf, roi, gt, sam, heat)
		if !ok {
			if p.w == 64 && p.mode != 0 && p.perm < 2 && level == denseAVX512 && cpu.X86.HasAVX512BW {
				t.Fatalf("%v: no fused producer where one runs", sz)
			}
			return false // no fused producer for this plan here
		}
		if s != ws || i != wi {
			t.Fatalf("%v level %d fused (keep %v): %d, %d, want %d, %d", sz, level, keep, s, i, ws, wi)
		}
		for x := range heat {
			heat[x] -= uint8(x % 3)
		}
		if keep && (!bytes.Equal(sam, wantSAM) || !bytes.Equal(heat, wantHeat)) {
			t.Fatalf("%v level %d fused: SAM bits or heat counts differ", sz, level)
		}
	}
	return true
}

// TestScaleBytes checks the byte-to-float scaling against the Go loop.
func TestScaleBytes(t *testing.T) {
	for _, n := range []int{0, 5, 8, 13, 4096} {
		src := make([]uint8, n)
		for i := range src {
			src[i] = uint8(i * 37)
		}
		for _, s := range []float32{1, float32(1 / 7.0), float32(1 / 300.0)} {
			want, got := make([]float32, n), make([]float32, n)
			scaleBytesGo(want, src, s)
			scaleBytes(got, src, s)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("n=%d s=%v: [%d] = %v, want %v", n, s, i, got[i], want[i])
				}
			}
		}
	}
}

// TestDenseLogits checks the SIMD logits (a scatter per unit block, two cells
// per vector for 8 units, and the transposing kernels for rows of a multiple
// of 16 cells: 8 units, full and partial groups of 16) against the Go loop,
// bit for bit, with the out-of-range test on huge and non-finite values.
func TestDenseLogits(t *testing.T) {
	if cpuDenseLevel() < denseAVX512 {
		t.Skip("no AVX-512 logits on this CPU")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, sz := range [][5]int{{8, 8, 4, 16, 16}, {8, 8, 6, 6, 16}, {20, 20, 3, 5, 16}, {20, 7, 4, 4, 16}, {128, 128, 2, 4, 16}, {3, 3, 2, 40, 48},
		{8, 8, 3, 16, 16}, {8, 8, 2, 64, 64}, {16, 16, 2, 32, 32}, {20, 20, 2, 16, 16}, {40, 33, 3, 32, 32},
		{128, 128, 1, 16, 16}, {7, 5, 2, 48, 48}, {64, 64, 3, 16, 16}} {
		c, units, s0, s1, s1p := sz[0], sz[1], sz[2], sz[3], sz[4]
		for _, scale := range []float32{1, 0x1p64, float32(math.Inf(1))} {
			f := make([]float32, s0*s1*c)
			for i := range f {
				f[i] = float32(rng.NormFloat64())
			}
			f[rng.IntN(len(f))] *= scale
			d, s := make([]float32, units), make([]float32, units)
			for i := range d {
				d[i], s[i] = float32(rng.NormFloat64())*0x1p62, float32(rng.NormFloat64())
			}
			want, got := make([]float32, units*s0*s1p), make([]float32, units*s0*s1p)
			okWant := denseLogitsGo(f, c, s0*s1, s1, s1p, want, d, s)
			done, bad := denseLogitsSIMD(denseAVX512, f, c, s0*s1, s1, s1p, got, d, s)
			if !done || bad == okWant {
				t.Fatalf("%v scale %v: done %v, bad %v, Go ok %v", sz, scale, done, bad, okWant)
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%v scale %v: [%d] = %v, want %v", sz, scale, i, got[i], want[i])
				}
			}
		}
	}
}

// BenchmarkDenseMaskEmit times the dense producer and emitter on one unit of
// 64×64 pixels up-sampled from s×s source values (the fused producer where
// the CPU has it), per level.
func BenchmarkDenseMaskEmit(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range []int{4, 8, 16, 32, 64} {
		rows, err := newAxisTaps(Bilinear, s, 64)
		if err != nil {
			b.Fatal(err)
		}
		for i := range rows.rule {
			rows.rule[i] = ruleFused
		}
		cols, _ := newAxisTaps(Bilinear, s, 64)
		for i := range cols.rule {
			cols.rule[i] = ruleFused
		}
		p := newDensePlan(rows, cols)
		src := make([]float32, s*p.s1p)
		for i := range src {
			src[i] = float32(rng.NormFloat64())
		}
		vbuf, bits := make([]float32, max(p.s1p, 32)), make([]byte, 64*64/8+8)
		roi, gt := bytes.Repeat([]byte{0xff}, 64*64/8+8), make([]byte, 64*64/8+8)
		sam, heat := make([]byte, 64*64/8), make([]byte, 64*64)
		for _, level := range denseLevels() {
			b.Run(fmt.Sprintf("s=%d/%s", s, denseNames[level]), func(b *testing.B) {
				for range b.N {
					clear(heat)
					if _, _, ok := denseMaskEmit(level, p, src, vbuf, roi, gt, sam, heat); !ok {
						denseMask(level, p, src, vbuf, bits)
						denseEmit(level, bits, roi, gt, sam, heat, 64*64)
					}
				}
			})
		}
	}
}

// TestInKernelRange checks the range test of the layer's logits against the
// comparisons it replaces, at the bound, beyond it, and for ±Inf and NaN.
func TestInKernelRange(t *testing.T) {
	bound := float32(maxKernelLogit)
	for _, v := range []float32{0, float32(math.Copysign(0, -1)), 1, -3.5, bound, -bound, math.Nextafter32(bound, 0),
		math.Nextafter32(bound, float32(math.Inf(1))), -math.Nextafter32(bound, float32(math.Inf(1))),
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), math.SmallestNonzeroFloat32} {
		want := v <= maxKernelLogit && v >= -maxKernelLogit
		if got := inKernelRange([]float32{1, v, -2}); got != want {
			t.Fatalf("%g: in range %v, want %v", v, got, want)
		}
	}
	if !inKernelRange(nil) {
		t.Fatal("no values: not in range")
	}
}
