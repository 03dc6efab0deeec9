package protoseg

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestUnitKernelMatchesGraph checks that the unit kernel and the graph path agree
// bit for bit (SA, heat-maps, SAMs, flags) on the test backend (upstream
// simplego, whose matrix products round products and sums separately). The cpu
// backend (fused multiply-adds) is checked in package cpubackend.
func TestUnitKernelMatchesGraph(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		check, err := VerifyUnitKernel(testBackend(t), seed)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if check.OnKernel == 0 || check.Rules["separate"] == 0 {
			t.Fatalf("seed %d: %+v: want cases on the kernel and separate rounding on simplego", seed, check)
		}
		t.Logf("seed %d: %+v", seed, check)
	}
}

// TestUnitKernelDefault checks that Units takes the kernel by default and the
// graph path when asked.
func TestUnitKernelDefault(t *testing.T) {
	a := newTestAnalyzer(t, Bilinear)
	c := unitCases()[0]
	f, mask, gt, roi := c.inputs(rand.New(rand.NewPCG(1, 2)))
	if _, err := a.Units("x", f, mask, gt, roi, false); err != nil || a.lastUnitPath != UnitKernel {
		t.Fatalf("default path %v (err %v), want the kernel", a.lastUnitPath, err)
	}
	a.SetUnitPath(UnitGraph)
	if _, err := a.Units("x", f, mask, gt, roi, false); err != nil || a.lastUnitPath != UnitGraph {
		t.Fatalf("path %v (err %v), want the graph", a.lastUnitPath, err)
	}
}

// TestUnitKernelErrors checks that the kernel path reports the graph path's
// errors (NaN feature, mask out of range, shape mismatch).
//
// TestNonFiniteFeature covers the NaN and ±Inf cases in detail.
func TestUnitKernelErrors(t *testing.T) {
	a := newTestAnalyzer(t, Bilinear)
	c := unitCases()[0]
	f, mask, gt, _ := c.inputs(rand.New(rand.NewPCG(1, 2)))
	f.MutableFlatData(func(flat any) { flat.([]float32)[3] = float32(math.NaN()) })
	for _, path := range []UnitPath{UnitKernel, UnitGraph} {
		a.SetUnitPath(path)
		if _, err := a.Units("x", f, mask, gt, nil, false); err == nil {
			t.Errorf("%v path: NaN feature gave no error", path)
		}
		if _, err := a.Units("x", f, mask, mask, mask, false); err == nil {
			t.Errorf("%v path: want an error", path)
		}
	}
}

// TestFMA32 compares fma32 with the exactly rounded a·b + c (math/big) on random
// operands, float32 midpoints (where double rounding would err) and subnormal
// results.
func TestFMA32(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	exact := func(a, b, c float32) float32 {
		x := new(big.Float).SetPrec(200).SetFloat64(float64(a))
		x.Mul(x, new(big.Float).SetPrec(200).SetFloat64(float64(b)))
		x.Add(x, new(big.Float).SetPrec(200).SetFloat64(float64(c)))
		v, _ := x.Float32()
		return v
	}
	rnd := func(binades int) float32 {
		return float32((1 + rng.Float64()) * math.Ldexp(1, rng.IntN(2*binades+1)-binades) * float64(1-2*rng.IntN(2)))
	}
	check := func(a, b, c float32) {
		if got, want := fma32(a, b, c), exact(a, b, c); math.Float32bits(got) != math.Float32bits(want) && !(got == 0 && want == 0) {
			t.Fatalf("fma32(%g, %g, %g) = %g, want %g", a, b, c, got, want)
		}
	}
	for range 200000 {
		check(rnd(30), rnd(30), rnd(60))
	}
	for range 20000 { // c = −round(a·b) + a tiny residue: cancellation and midpoints
		a, b := rnd(10), rnd(10)
		c := -float32(float64(a) * float64(b))
		check(a, b, c)
		check(a, b, c*(1+0x1p-23))
		check(a, b, math.Nextafter32(c, 0))
	}
	for range 20000 { // subnormal results
		check(rnd(3)*0x1p-70, rnd(3)*0x1p-70, rnd(3)*0x1p-135)
	}
	// A float32 midpoint reached only by double rounding: 1 + 2^-24 + 2^-60.
	check(1+0x1p-23, 1+0x1p-37, -0x1p-23+0x1p-24)
}

// TestPositiveMatchesCombine checks combineRule.positive against the sign of
// combineRule.combine on near-cancelling taps (w0·a ≈ −w1·b within a few ulps,
// where the rounding rule decides the sign), also with subnormal values, for the
// weights of real up-samplings.
func TestPositiveMatchesCombine(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	differ := 0
	for _, sz := range [][2]int{{4, 8}, {5, 13}, {3, 64}, {7, 9}} {
		taps, err := newAxisTaps(Bilinear, sz[0], sz[1])
		if err != nil {
			t.Fatal(err)
		}
		for i := range taps.size {
			w0, w1 := taps.w0[i], taps.w1[i]
			if w1 == 0 {
				continue
			}
			for range 2000 {
				scale := []float64{1, 0x1p-120, 0x1p-140}[rng.IntN(3)]
				a := float32((1 + rng.Float64()) * scale * float64(1-2*rng.IntN(2)))
				b := float32(-float64(w0) * float64(a) / float64(w1))
				for range rng.IntN(4) {
					b = math.Nextafter32(b, float32(rng.NormFloat64()))
				}
				if ruleFused.combine(w0, a, w1, b) > 0 != (ruleSeparate.combine(w0, a, w1, b) > 0) {
					differ++
				}
				for r := range numRules {
					if got, want := r.positive(w0, a, w1, b), r.combine(w0, a, w1, b) > 0; got != want {
						t.Fatalf("rule %d: positive(%g, %g, %g, %g) = %v, want %v", r, w0, a, w1, b, got, want)
					}
				}
			}
		}
	}
	if differ == 0 {
		t.Fatal("no input where the fused and separate rules disagree in sign: the test is too weak")
	}
	t.Logf("%d inputs where fused and separate rounding disagree in sign", differ)
}

// BenchmarkUnitKernel times the kernel alone (no graph) on the unit logits of a
// U-Net of Base 8 at 64×64, batch 10 (noise logits, as an untrained network's
// features nearly are), with the SAMs kept, as BenchmarkFullAnalysis in package
// study/measure asks: one sub-benchmark per feature side (the 18 layers have
// sides 64, 32, 16, 8, 4 four or two times each), on the path the kernel picks
// (path=auto) and on each 2D path forced (dense: pixel by pixel; runs: band ×
// segment blocks and runs; simd: unitkernel_dense.go at the CPU's best level).
func BenchmarkUnitKernel(b *testing.B) {
	const n, size = 10, 64
	rng := rand.New(rand.NewPCG(1, 2))
	gt := make([]float32, n*size*size)
	for i := range gt {
		gt[i] = float32(rng.IntN(2))
	}
	region, ok := newRegionMaps(tensors.FromFlatDataAndDimensions(gt, n, size, size), nil)
	if !ok {
		b.Fatal("regionMaps")
	}
	for _, side := range []int{64, 32, 16, 8, 4} {
		c := 8 * size / side
		taps, err := newAxisTaps(Bilinear, side, size)
		if err != nil {
			b.Fatal(err)
		}
		for i := range taps.rule {
			taps.rule[i] = ruleFused
		}
		taps.allFused = !taps.identity
		k := &unitKernel{n: n, c: c, lowDims: []int{side, side}, axes: []*axisTaps{taps, taps}, lowSize: side * side,
			pixels: size * size, skip: make([]bool, n), inter: make([]int64, n*c), size: make([]int64, n*c),
			low: make([]float32, n*c*side*side), region: region}
		for i := range k.low {
			k.low[i] = float32(rng.NormFloat64())
		}
		auto := 2*side >= size
		k.keep = true
		for _, path := range []string{"auto", "dense", "runs", "simd"} {
			b.Run(fmt.Sprintf("side=%d/path=%s", side, path), func(b *testing.B) {
				k.dense = map[string]bool{"auto": auto, "dense": true, "runs": false}[path]
				k.plan = nil
				if path == "simd" {
					k.plan = newDensePlan(taps, taps)
				}
				for range b.N {
					if _, ok := k.run(); !ok {
						b.Fatal("overflow")
					}
				}
			})
		}
	}
}

// TestKernelMasksFollowContent checks that the kernel path's caches (the mask
// side, kernelmasks.go, and the feature graph's outputs shared by Layer and
// Units) are keyed by content: a feature, mask and ground truth changed in place
// between calls give the graph path's results for the new values.
func TestKernelMasksFollowContent(t *testing.T) {
	a := newTestAnalyzer(t, Bilinear)
	c := unitCases()[0]
	f, mask, gt, roi := c.inputs(rand.New(rand.NewPCG(3, 4)))
	for round := range 4 {
		a.SetUnitPath(UnitGraph)
		want, err := a.Units("x", f, mask, gt, roi, true)
		if err != nil {
			t.Fatal(err)
		}
		wantL, err := a.Layer("x", f, mask, gt, roi)
		if err != nil {
			t.Fatal(err)
		}
		a.SetUnitPath(UnitKernel)
		got, err := a.Units("x", f, mask, gt, roi, true)
		if err != nil || a.lastUnitPath != UnitKernel {
			t.Fatalf("round %d: kernel path %v, err %v", round, a.lastUnitPath, err)
		}
		if err := sameUnits(got, want); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		gotL, err := a.Layer("x", f, mask, gt, roi)
		if err != nil || a.lastLayerPath != UnitKernel {
			t.Fatalf("round %d: layer kernel path %v, err %v", round, a.lastLayerPath, err)
		}
		if err := sameLayer(gotL, wantL); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if round == 1 { // the feature changes in place too: Layer and Units must not share stale prototypes
			f.MutableFlatData(func(flat any) {
				x := flat.([]float32)
				for i := range x {
					x[i] = -x[i]
				}
			})
			continue
		}
		for _, m := range []*tensors.Tensor{mask, gt} { // shift the box one pixel
			m.MutableFlatData(func(flat any) {
				x := flat.([]float32)
				copy(x, append(x[1:], x[0]))
			})
		}
	}
}

// TestCrossingMatchesBruteForce checks axisTaps.crossing, the single sign change
// of a mixed segment, against the rule evaluated at every pixel, for every rule,
// on sources of opposite sign placed so that the value nearly cancels at a
// pixel (within a few ulps, where only the rule decides), also tiny ones.
func TestCrossingMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	checked := 0
	for _, sz := range [][2]int{{4, 64}, {8, 64}, {5, 13}, {3, 64}, {16, 64}, {7, 9}} {
		taps, err := newAxisTaps(Bilinear, sz[0], sz[1])
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range taps.segs {
			if s.j0 == s.j1 {
				continue
			}
			for range 300 {
				x := int(s.x0) + rng.IntN(int(s.x1-s.x0))
				scale := []float64{1, 0x1p-110, 0x1p-135}[rng.IntN(3)]
				a := float32((1 + rng.Float64()) * scale * float64(1-2*rng.IntN(2)))
				b := float32(-float64(taps.w0[x]) * float64(a) / float64(taps.w1[x]))
				for range rng.IntN(4) {
					b = math.Nextafter32(b, float32(rng.NormFloat64()))
				}
				if (a > 0) == (b > 0) {
					continue
				}
				for r := range numRules {
					for i := range taps.rule {
						taps.rule[i] = r
					}
					want := int(s.x1)
					for p := int(s.x0); p < int(s.x1); p++ {
						if r.positive(taps.w0[p], a, taps.w1[p], b) != (a > 0) {
							want = p
							break
						}
					}
					if got := taps.crossing(s, a, b); got != want {
						t.Fatalf("%v rule %d segment %+v: crossing(%g, %g) = %d, want %d", sz, r, s, a, b, got, want)
					}
					checked++
				}
			}
		}
	}
	t.Logf("%d crossings checked", checked)
}

// TestUnitsAfterLayer checks Units after a Layer call of another feature of
// the same shape under the same masks (nothing of the feature side may be
// carried over): a different tensor, and the same tensor changed in place,
// give the graph path's results, SAMs kept or not.
func TestUnitsAfterLayer(t *testing.T) {
	a := newTestAnalyzer(t, Bilinear)
	c := unitCases()[0]
	rng := rand.New(rand.NewPCG(9, 10))
	f, mask, gt, roi := c.inputs(rng)
	other, _, _, _ := c.inputs(rng)
	for _, keep := range []bool{true, false} {
		for _, inPlace := range []bool{false, true} {
			a.SetUnitPath(UnitKernel)
			if _, err := a.Layer("x", other, mask, gt, roi); err != nil {
				t.Fatal(err)
			}
			g := f
			if inPlace { // other itself now holds f's values
				f.MustConstFlatData(func(src any) {
					other.MutableFlatData(func(dst any) { copy(dst.([]float32), src.([]float32)) })
				})
				g = other
			}
			got, err := a.Units("x", g, mask, gt, roi, keep)
			if err != nil || a.lastUnitPath != UnitKernel {
				t.Fatalf("keep %v, in place %v: kernel path %v, err %v", keep, inPlace, a.lastUnitPath, err)
			}
			a.SetUnitPath(UnitGraph)
			want, err := a.Units("x", f, mask, gt, roi, keep)
			if err != nil {
				t.Fatal(err)
			}
			if err := sameUnits(got, want); err != nil {
				t.Fatalf("keep %v, in place %v: %v", keep, inPlace, err)
			}
			other, _, _, _ = c.inputs(rng)
		}
	}
}

// TestNonFiniteFeature checks that Layer, Units and LayerUnits report a NaN or
// ±Inf feature value with its count on both paths wherever it sits: in the
// object, in the background, in an image whose object is empty (filled by the
// convention), and that huge finite values whose weighted sums overflow are
// no error and give the graph path's results.
func TestNonFiniteFeature(t *testing.T) {
	a := newTestAnalyzer(t, Bilinear)
	c := unitCases()[0] // 3 images, 5 units, 4×4 up to 16×16
	rng := rand.New(rand.NewPCG(5, 6))
	f, mask, gt, _ := c.inputs(rng)
	empty := cloneTensor(t, mask)
	empty.MutableFlatData(func(flat any) { clear(flat.([]float32)[:256]) }) // image 0: no object
	inf := float32(math.Inf(1))
	for _, tc := range []struct {
		name  string
		mask  *tensors.Tensor
		at    int
		value float32
	}{{"nan", mask, 3, float32(math.NaN())}, {"+inf", mask, 80 + 2, inf}, {"-inf", mask, 2*80 + 79, -inf}, {"nan-empty-object", empty, 7, float32(math.NaN())}} {
		g := cloneTensor(t, f)
		g.MutableFlatData(func(flat any) { flat.([]float32)[tc.at] = tc.value })
		for _, path := range []UnitPath{UnitKernel, UnitGraph} {
			a.SetUnitPath(path)
			_, errL := a.Layer("lay", g, tc.mask, gt, nil)
			_, errU := a.Units("uni", g, tc.mask, gt, nil, true)
			_, _, errB := a.LayerUnits("both", g, tc.mask, gt, nil, false)
			for _, err := range []error{errL, errU, errB} {
				if err == nil || !strings.Contains(err.Error(), "1 NaN or Inf") {
					t.Errorf("%s, %v path: error %v, want one counting 1 NaN or Inf value", tc.name, path, err)
				}
			}
		}
	}
	huge := cloneTensor(t, f)
	huge.MutableFlatData(func(flat any) {
		for i := range flat.([]float32) {
			flat.([]float32)[i] = math.MaxFloat32 * float32(1-2*(i%2))
		}
	})
	a.SetUnitPath(UnitGraph)
	wantL, err := a.Layer("huge", huge, mask, gt, nil)
	if err != nil {
		t.Fatalf("huge finite values, graph path: %v", err)
	}
	wantU, err := a.Units("huge", huge, mask, gt, nil, true)
	if err != nil {
		t.Fatalf("huge finite values, graph path: %v", err)
	}
	a.SetUnitPath(UnitKernel)
	gotL, gotU, err := a.LayerUnits("huge", huge, mask, gt, nil, true)
	if err != nil {
		t.Fatalf("huge finite values, kernel path: %v", err)
	}
	if err := sameLayer(gotL, wantL); err != nil {
		t.Fatal(err)
	}
	if err := sameUnits(gotU, wantU); err != nil {
		t.Fatal(err)
	}
}

// cloneTensor returns a copy of x.
func cloneTensor(t *testing.T, x *tensors.Tensor) *tensors.Tensor {
	t.Helper()
	c, err := x.Clone()
	if err != nil {
		t.Fatal(err)
	}
	return c
}
