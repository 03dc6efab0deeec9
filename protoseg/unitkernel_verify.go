package protoseg

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// UnitKernelCheck summarises a [VerifyUnitKernel] run.
type UnitKernelCheck struct {
	// Cases is the number of inputs compared; OnKernel how many of them the unit
	// kernel computed (the others took the graph path by design, see [UnitKernel]).
	Cases, OnKernel int
	// Layers is the number of inputs on which [Analyzer.Layer] was compared the
	// same way (the kernel path, used by the same cases, against the layer graph).
	Layers int
	// Rules counts the probed two-tap interpolation rows per rounding rule of the
	// backend: "fused", "separate" or "wide" (unitkernel_rules.go).
	Rules map[string]int
	// Dense counts, per SIMD level of the kernel ("dense-go", "dense-avx2",
	// "dense-avx512"), the cases it computed on its dense path
	// (unitkernel_dense.go); every level this CPU runs is compared.
	Dense map[string]int
	// Host counts, per kernel level of the feature side on the host ("host-go",
	// "host-avx2"; lowdirect.go), the cases whose feature side ran there
	// rather than on the feature graph (only where the probe of the shape gave
	// the graph's bits on this backend). The levels alternate with the dense
	// levels, so each of them meets every case.
	Host map[string]int
	// HostRefused counts the feature shapes, over all cases and levels, whose
	// probe did not give the feature graph's bits (they ran on the graph): 0
	// on the cpu backend, whose order the host side follows.
	HostRefused int
}

// VerifyUnitKernel runs [Analyzer.Units] and [Analyzer.Layer] on both paths
// ([UnitKernel] and [UnitGraph]) on backend for random and adversarial inputs — 2D and 3D, odd
// sizes, features smaller than and as large as the mask, bilinear and nearest,
// exact ties at the prototype midpoint, constant and nearly constant units, tiny
// (subnormal) logits, empty object or background regions, binary and fractional
// ROIs, and inputs that must fall back to the graph path — and returns an error
// naming the first case and value on which the two results differ in any bit (SA,
// heat-map, SAMs, empty-region flags). It is how the kernel's exactness is tested
// on each backend (protoseg's and cpubackend's tests).
func VerifyUnitKernel(backend backends.Backend, seed uint64) (UnitKernelCheck, error) {
	check := UnitKernelCheck{Rules: map[string]int{}, Dense: map[string]int{}, Host: map[string]int{}}
	analyzers := map[ResizeMethod]*Analyzer{}
	for _, m := range []ResizeMethod{Bilinear, Nearest} {
		a, err := NewAnalyzer(backend, m)
		if err != nil {
			return check, err
		}
		a.inline = 0 // every call on the dense workers (the other tests run small calls inline)
		analyzers[m] = a
	}
	rng := rand.New(rand.NewPCG(seed, 23))
	defer denseUse.Store(denseUse.Load())
	defer lowGemvSIMD.Store(lowGemvSIMD.Load())
	for i, c := range unitCases() {
		a := analyzers[c.method]
		f, mask, gt, roi := c.inputs(rng)
		for level := denseOff; level <= max(denseGo, cpuDenseLevel()); level++ {
			denseUse.Store(int32(level))
			host := useHostLevel(a, level%2 == 1 && lowGemvHasSIMD())
			units, err := verifyUnits(a, c, f, mask, gt, roi)
			if err != nil {
				return check, fmt.Errorf("case %d %s (%s): %w", i, c.name, denseNames[level], err)
			}
			if err := verifyLayer(a, c, f, mask, gt, roi, units); err != nil {
				return check, fmt.Errorf("case %d %s (%s): %w", i, c.name, denseNames[level], err)
			}
			if a.hostRan() {
				check.Host[host]++
			}
			for _, ok := range a.lowProbed {
				if !ok {
					check.HostRefused++
				}
			}
			if c.kernel && level > denseOff && a.densePlanned(c.low, c.size) {
				check.Dense[denseNames[level]]++
			}
		}
		check.Cases += 2
		check.Layers++
		if c.kernel {
			check.OnKernel += 2
		}
	}
	for _, a := range analyzers {
		for _, t := range a.taps {
			for i := 0; t != nil && i < t.size; i++ {
				if t.w1[i] != 0 {
					check.Rules[[]string{"fused", "separate", "wide"}[t.rule[i]]]++
				}
			}
		}
	}
	return check, nil
}

// useHostLevel selects the kernels of the feature side on the host (AVX2 with
// simd) and makes a probe run again; it returns the level's name in
// UnitKernelCheck.Host.
func useHostLevel(a *Analyzer, simd bool) string {
	lowGemvSIMD.Store(simd)
	a.lowProbed, a.lastHost = nil, false
	if simd {
		return "host-avx2"
	}
	return "host-go"
}

// hostRan reports whether the last feature side ran on the host: a probe of
// its shape passed.
func (a *Analyzer) hostRan() bool { return a.lastHost }

// densePlanned reports whether the kernel takes its dense path for a feature of
// spatial size low against masks of size out.
func (a *Analyzer) densePlanned(low, out []int) bool {
	axes := a.kernelAxes(low, out)
	return len(axes) == 2 && newDensePlan(axes[0], axes[1]) != nil
}

// denseNames names the dense levels in UnitKernelCheck.Dense.
var denseNames = [numDenseLevels]string{"portable", "dense-go", "dense-avx2", "dense-avx512"}

// verifyUnits compares Units on the graph and kernel paths for one case, with
// and without the SAMs kept; it returns the graph path's result with the SAMs.
func verifyUnits(a *Analyzer, c unitCase, f, mask, gt, roi *tensors.Tensor) (*UnitResult, error) {
	var kept *UnitResult
	for _, keep := range []bool{true, false} {
		a.SetUnitPath(UnitGraph)
		want, err := a.Units(c.name, f, mask, gt, roi, keep)
		if err != nil {
			return nil, fmt.Errorf("graph path: %w", err)
		}
		a.SetUnitPath(UnitKernel)
		got, err := a.Units(c.name, f, mask, gt, roi, keep)
		if err != nil {
			return nil, fmt.Errorf("kernel path: %w", err)
		}
		if onKernel := a.lastUnitPath == UnitKernel; onKernel != c.kernel {
			return nil, fmt.Errorf("unit kernel used: %v, want %v", onKernel, c.kernel)
		}
		if err := sameUnits(got, want); err != nil {
			return nil, fmt.Errorf("keepSAMs %v: kernel and graph paths differ: %w", keep, err)
		}
		if keep {
			kept = want
		}
	}
	return kept, nil
}

// verifyLayer compares Layer on the graph and kernel paths for one case, and
// LayerUnits on the kernel path with Layer and units (the SAMs kept) on the
// graph path.
func verifyLayer(a *Analyzer, c unitCase, f, mask, gt, roi *tensors.Tensor, units *UnitResult) error {
	a.SetUnitPath(UnitGraph)
	want, err := a.Layer(c.name, f, mask, gt, roi)
	if err != nil {
		return fmt.Errorf("layer graph path: %w", err)
	}
	a.SetUnitPath(UnitKernel)
	got, err := a.Layer(c.name, f, mask, gt, roi)
	if err != nil {
		return fmt.Errorf("layer kernel path: %w", err)
	}
	if onKernel := a.lastLayerPath == UnitKernel; onKernel != c.kernel {
		return fmt.Errorf("layer kernel used: %v, want %v", onKernel, c.kernel)
	}
	if err := sameLayer(got, want); err != nil {
		return err
	}
	gotL, gotU, err := a.LayerUnits(c.name, f, mask, gt, roi, true)
	if err != nil {
		return fmt.Errorf("layer and units, kernel path: %w", err)
	}
	if err := sameLayer(gotL, want); err != nil {
		return fmt.Errorf("layer and units: %w", err)
	}
	if err := sameUnits(gotU, units); err != nil {
		return fmt.Errorf("layer and units: %w", err)
	}
	return nil
}

// sameLayer compares two layer results bit for bit.
func sameLayer(got, want *LayerResult) error {
	if !slices.Equal(got.EmptyObject, want.EmptyObject) || !slices.Equal(got.EmptyBackground, want.EmptyBackground) {
		return fmt.Errorf("layer empty-region flags %v/%v, want %v/%v", got.EmptyObject, got.EmptyBackground, want.EmptyObject, want.EmptyBackground)
	}
	if len(got.SA) != len(want.SA) || len(got.SAM) != len(want.SAM) {
		return fmt.Errorf("layer result sizes differ")
	}
	for n, v := range want.SA {
		if math.Float64bits(got.SA[n]) != math.Float64bits(v) {
			return fmt.Errorf("layer SA[%d] = %v, want %v", n, got.SA[n], v)
		}
		if !slices.Equal(got.SAM[n], want.SAM[n]) {
			return fmt.Errorf("layer SAM[%d] differs", n)
		}
	}
	return nil
}

// sameUnits compares two unit results bit for bit.
func sameUnits(got, want *UnitResult) error {
	if !slices.Equal(got.EmptyObject, want.EmptyObject) || !slices.Equal(got.EmptyBackground, want.EmptyBackground) {
		return fmt.Errorf("empty-region flags %v/%v, want %v/%v", got.EmptyObject, got.EmptyBackground, want.EmptyObject, want.EmptyBackground)
	}
	if len(got.SA) != len(want.SA) || len(got.HeatMap) != len(want.HeatMap) || len(got.SAMs) != len(want.SAMs) {
		return fmt.Errorf("result sizes differ")
	}
	for n := range want.SA {
		for k, v := range want.SA[n] {
			if math.Float64bits(got.SA[n][k]) != math.Float64bits(v) {
				return fmt.Errorf("SA[%d][%d] = %v, want %v", n, k, got.SA[n][k], v)
			}
		}
		for p, v := range want.HeatMap[n] {
			if math.Float32bits(got.HeatMap[n][p]) != math.Float32bits(v) {
				return fmt.Errorf("HeatMap[%d][%d] = %v, want %v", n, p, got.HeatMap[n][p], v)
			}
		}
		if want.SAMs == nil {
			continue
		}
		for k, m := range want.SAMs[n] {
			if !got.SAMs[n][k].Equal(m) || !slices.Equal(got.SAMs[n][k].Unpack(nil), m.Unpack(nil)) {
				return fmt.Errorf("SAMs[%d][%d] differ", n, k)
			}
		}
	}
	return nil
}

// unitCase is one input family of VerifyUnitKernel.
type unitCase struct {
	name      string
	method    ResizeMethod
	n, c      int
	low, size []int  // spatial sizes of the feature and of the mask
	values    string // feature: random, smooth, ties, constant, tiny, huge, float64
	masks     string // blobs, soft, empty (image 0 empty, image 1 full)
	roi       string // "" (nil), binary, fractional
	kernel    bool   // the kernel (not the graph path) must compute it
}

func unitCases() []unitCase {
	return []unitCase{
		{"2d-up", Bilinear, 3, 5, []int{4, 4}, []int{16, 16}, "random", "blobs", "", true},
		{"2d-odd", Bilinear, 2, 7, []int{5, 3}, []int{13, 11}, "random", "soft", "binary", true},
		{"2d-same", Bilinear, 2, 4, []int{9, 7}, []int{9, 7}, "random", "blobs", "", true},
		{"2d-one-axis", Bilinear, 2, 3, []int{6, 10}, []int{6, 23}, "random", "blobs", "binary", true},
		{"2d-big", Bilinear, 2, 6, []int{8, 4}, []int{64, 64}, "random", "blobs", "", true},
		{"2d-smooth", Bilinear, 2, 6, []int{8, 8}, []int{64, 64}, "smooth", "blobs", "", true},
		{"2d-smooth-roi", Bilinear, 2, 5, []int{4, 4}, []int{64, 64}, "smooth", "blobs", "binary", true},
		{"2d-smooth-odd", Bilinear, 2, 4, []int{5, 7}, []int{33, 50}, "smooth", "soft", "", true},
		// Long segments (more than 4 pixels: run-based path) with ties, tiny values, nearest, a ROI.
		{"2d-ties-long", Bilinear, 2, 3, []int{4, 4}, []int{32, 32}, "ties", "halves", "", true},
		{"2d-tiny-long", Bilinear, 2, 4, []int{4, 5}, []int{40, 41}, "tiny", "blobs", "binary", true},
		{"2d-nearest-long", Nearest, 2, 3, []int{3, 5}, []int{10, 40}, "random", "blobs", "binary", true},
		{"2d-ties", Bilinear, 2, 3, []int{8, 8}, []int{16, 16}, "ties", "halves", "", true},
		{"2d-ties-same", Bilinear, 2, 3, []int{8, 8}, []int{8, 8}, "ties", "halves", "", true},
		{"2d-constant", Bilinear, 2, 6, []int{4, 6}, []int{12, 18}, "constant", "blobs", "", true},
		{"2d-tiny", Bilinear, 2, 4, []int{5, 5}, []int{17, 17}, "tiny", "blobs", "", true},
		{"2d-empty", Bilinear, 3, 4, []int{4, 4}, []int{12, 12}, "random", "empty", "binary", true},
		{"2d-nearest", Nearest, 2, 5, []int{3, 5}, []int{10, 16}, "random", "blobs", "binary", true},
		// The dense path (unitkernel_dense.go): last axis a multiple of 16; one- and
		// two-register permutes, gathers, identity columns, ties, tiny values, nearest,
		// more than 255 units (the heat count's flush).
		{"dense-perm2", Bilinear, 5, 5, []int{6, 24}, []int{20, 48}, "random", "blobs", "binary", true},
		{"dense-perm2-64", Bilinear, 2, 5, []int{6, 24}, []int{20, 64}, "random", "blobs", "binary", true},
		{"dense-gather", Bilinear, 2, 4, []int{10, 40}, []int{30, 80}, "random", "soft", "", true},
		{"dense-rows-only", Bilinear, 2, 4, []int{16, 32}, []int{32, 32}, "random", "blobs", "binary", true},
		{"dense-tiny", Bilinear, 2, 4, []int{4, 8}, []int{16, 32}, "tiny", "blobs", "binary", true},
		{"dense-ties", Bilinear, 2, 3, []int{4, 8}, []int{16, 32}, "ties", "halves", "", true},
		{"dense-nearest", Nearest, 2, 3, []int{3, 5}, []int{10, 32}, "random", "blobs", "binary", true},
		{"dense-many-units", Bilinear, 2, 300, []int{2, 3}, []int{4, 16}, "random", "blobs", "binary", true},
		{"dense-8-units", Bilinear, 5, 8, []int{8, 16}, []int{16, 32}, "random", "blobs", "binary", true},
		{"dense-8-identity", Bilinear, 5, 8, []int{16, 32}, []int{16, 32}, "ties", "halves", "", true},
		{"dense-8-huge", Bilinear, 5, 8, []int{4, 4}, []int{8, 16}, "huge", "blobs", "", false},
		{"dense-huge", Bilinear, 2, 20, []int{4, 4}, []int{8, 16}, "huge", "blobs", "", false},
		{"3d-up", Bilinear, 2, 3, []int{3, 4, 5}, []int{7, 9, 11}, "random", "blobs", "", true},
		{"3d-same-mixed", Bilinear, 1, 4, []int{4, 6, 6}, []int{4, 12, 6}, "random", "soft", "binary", true},
		{"3d-ties", Bilinear, 2, 2, []int{2, 4, 4}, []int{4, 8, 8}, "ties", "halves", "", true},
		{"3d-nearest", Nearest, 2, 3, []int{2, 3, 4}, []int{5, 7, 9}, "random", "blobs", "", true},
		{"1x1-feature", Bilinear, 2, 3, []int{1, 1}, []int{8, 8}, "random", "blobs", "", true},
		{"fractional-roi", Bilinear, 2, 3, []int{4, 4}, []int{8, 8}, "random", "blobs", "fractional", false},
		{"huge", Bilinear, 2, 3, []int{4, 4}, []int{8, 8}, "huge", "blobs", "", false},
		{"float64", Bilinear, 2, 3, []int{4, 4}, []int{8, 8}, "float64", "blobs", "", false},
		{"feature-larger", Bilinear, 2, 3, []int{8, 8}, []int{4, 8}, "random", "blobs", "", false},
	}
}

// inputs draws the feature [N, low..., C], mask, ground truth and ROI [N, size...].
func (c unitCase) inputs(rng *rand.Rand) (f, mask, gt, roi *tensors.Tensor) {
	pixels, cells := prod(c.size), prod(c.low)
	b, g := c.maskValues(rng, pixels), make([]float32, c.n*pixels)
	for i, v := range b {
		g[i] = float32(math.Round(float64(v)))
		if rng.Float64() < 0.1 {
			g[i] = 1 - g[i]
		}
	}
	dims := append([]int{c.n}, c.size...)
	mask, gt = tensors.FromFlatDataAndDimensions(b, dims...), tensors.FromFlatDataAndDimensions(g, dims...)
	switch c.roi {
	case "binary", "fractional":
		r := make([]float32, c.n*pixels)
		for i := range r {
			if c.roi == "fractional" {
				r[i] = rng.Float32()
			} else if rng.Float64() < 0.8 {
				r[i] = 1
			}
		}
		roi = tensors.FromFlatDataAndDimensions(r, dims...)
	}
	v := c.featureValues(rng, cells)
	fDims := append(append([]int{c.n}, c.low...), c.c)
	if c.values == "float64" {
		v64 := make([]float64, len(v))
		for i, x := range v {
			v64[i] = float64(x)
		}
		return tensors.FromFlatDataAndDimensions(v64, fDims...), mask, gt, roi
	}
	return tensors.FromFlatDataAndDimensions(v, fDims...), mask, gt, roi
}

// maskValues draws N masks: blobs (a random box per image), soft (the box with
// fractional values), empty (image 0 empty, image 1 full, the rest boxes) or
// halves (the first half of the last axis object: mirror-symmetric, for ties).
func (c unitCase) maskValues(rng *rand.Rand, pixels int) []float32 {
	b := make([]float32, c.n*pixels)
	last := c.size[len(c.size)-1]
	for n := range c.n {
		lo, hi := rng.IntN(last/2+1), last/2+1+rng.IntN(last/2)
		for p := range pixels {
			x := p % last
			in := x >= lo && x < hi && (p/last)%3 != 0
			switch {
			case c.masks == "halves":
				in = x < last/2
			case c.masks == "empty" && n < 2:
				in = n == 1
			}
			if in {
				b[n*pixels+p] = 1
				if c.masks == "soft" {
					b[n*pixels+p] = 0.5 + rng.Float32()/2
				}
			}
		}
	}
	return b
}

// featureValues draws the feature [N, cells, C] for the case's kind.
func (c unitCase) featureValues(rng *rand.Rand, cells int) []float32 {
	v := make([]float32, c.n*cells*c.c)
	last := c.low[len(c.low)-1]
	for i := range v {
		k, cell := i%c.c, (i/c.c)%cells
		x := cell % last
		switch c.values {
		case "ties": // ±1 mirrored around the middle of the last axis, zeros at mirrored cells: c_t = −c_b, l = 0 at the zeros
			m := min(x, last-1-x)
			s := float32(1)
			if x >= last/2 {
				s = -1
			}
			if (m+cell/last+k)%3 == 0 {
				s = 0
			}
			v[i] = s
		case "constant": // constant, nearly constant (a tie) and barely separable units
			v[i] = 3
			if k%3 == 1 && rng.Float64() < 0.5 {
				v[i] = 3 * (1 + 1e-6)
			} else if k%3 == 2 && rng.Float64() < 0.5 {
				v[i] = 3 * (1 + 1e-4)
			}
		case "smooth": // a slow wave per unit: large blocks of one sign, few crossings
			y := float64(cell / last)
			v[i] = float32(math.Sin(0.7*float64(x)+0.3*float64(k)) + math.Cos(0.5*y-0.2*float64(k)) + 0.3*rng.NormFloat64())
		default:
			v[i] = float32(rng.NormFloat64()) + float32(k%3)*0.2
		}
	}
	scale := map[string]float32{"tiny": 0x1p-66, "huge": 0x1p66}[c.values]
	for i := range v {
		if scale != 0 {
			v[i] *= scale
		}
	}
	return v
}

func prod(d []int) int {
	p := 1
	for _, x := range d {
		p *= x
	}
	return p
}
