package protoseg

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// This file holds the arithmetic of the unit kernel's up-sampling (unitkernel.go):
// the interpolation taps of one axis and the rounding rule that makes the kernel
// compute, bit for bit, what the graph path's interpolation matrix product
// computes on the analyzer's backend.
//
// The graph path up-samples with a dense matrix product, u_i = Σ_j W_ij·x_j, but a
// row of W has at most two non-zero entries (bilinear: w0 = 1−λ at j0 and w1 = λ
// at j1 = j0+1; nearest: one entry). Adding exact zeros changes nothing, so a
// backend's float32 result is fixed by how it rounds the two products and their
// sum, which is one of the combineRule values. Which one is a property of the
// backend's matrix kernel, not of the data: probeRules measures it once per axis
// length pair on a small product with the graph path's own resize.

// combineRule is how an interpolation product rounds u = w0·a + w1·b, the taps in
// ascending source index.
type combineRule uint8

const (
	// ruleFused: fma(w1, b, round(w0·a)), a fused multiply-add chain from zero in
	// tap order — the cpu backend's AVX2 and AVX-512 matrix kernels.
	ruleFused combineRule = iota
	// ruleSeparate: round(round(w0·a) + round(w1·b)) — products and sum rounded
	// one by one (upstream simplego, any plain float32 loop).
	ruleSeparate
	// ruleWide: round(w0·a + w1·b), summed in float64 and rounded once to float32.
	ruleWide
	numRules
)

// combine returns u = w0·a + w1·b rounded as the rule says (w1 = 0 for a
// one-tap row: every rule then gives round(w0·a)).
func (r combineRule) combine(w0, a, w1, b float32) float32 {
	switch r {
	case ruleFused:
		return fma32(w1, b, float32(w0*a))
	case ruleSeparate:
		return float32(w0*a) + float32(w1*b) // explicit conversions: never fused
	}
	return float32(float64(w0)*float64(a) + float64(w1)*float64(b))
}

// positive reports combine(w0, a, w1, b) > 0. For the fused rule it decides on
// the float64 sum of the exact product w1·b and round(w0·a), whose sign is the
// sign of the exact sum, and rounds to float32 only where that sum is so small
// that rounding could flush it to zero.
func (r combineRule) positive(w0, a, w1, b float32) bool {
	if r != ruleFused {
		return r.combine(w0, a, w1, b) > 0
	}
	r0 := float32(w0 * a)
	s := float64(w1)*float64(b) + float64(r0)
	if math.Abs(s) >= 0x1p-120 {
		return s > 0
	}
	return fma32(w1, b, r0) > 0
}

// fma32 returns a·b + c rounded once to float32 (IEEE 754 fusedMultiplyAdd, ties
// to even), as a hardware single-precision FMA computes it. The product a·b is
// exact in float64 (24+24 bits); the float64 sum s is rounded once, and rounding s
// again to float32 gives the right answer except when s lies exactly halfway
// between two float32 values while the float64 sum was inexact (double rounding):
// then the sign of the float64 sum's error decides.
func fma32(a, b, c float32) float32 {
	p := float64(a) * float64(b)
	s := p + float64(c)
	const halfway, low = 1 << 28, 1<<29 - 1 // the 29 mantissa bits float32 drops
	if math.Float64bits(s)&low != halfway && math.Abs(s) >= 0x1p-126 || s == 0 {
		return float32(s) // not a float32 midpoint (in float32's normal range)
	}
	return fma32Slow(p, float64(c), s)
}

// fma32Slow finishes fma32 for a possible midpoint or a subnormal result: e is
// the exact error of s = p + c (TwoSum), and s + e is the exact sum.
func fma32Slow(p, c, s float64) float32 {
	bp := s - c
	e := (p - bp) + (c - (s - bp))
	r := float32(s)
	if e == 0 || float64(r) == s {
		return r
	}
	// r is one neighbour of s; the other lies on the other side of s.
	other := math.Nextafter32(r, float32(math.Copysign(math.Inf(1), s-float64(r))))
	if mid := (float64(r) + float64(other)) / 2; s != mid {
		return r
	}
	if (e > 0) == (other > r) {
		return other
	}
	return r
}

// axisTaps is the up-sampling of one spatial axis from cur to size values, as the
// graph path's InterpolationMatrix (converted to float32) defines it: output i is
// w0[i]·x[j0[i]] + w1[i]·x[j1[i]], j0 ≤ j1 (w1 = 0 and j1 = j0 for a one-tap row),
// rounded by rule[i].
type axisTaps struct {
	cur, size int
	identity  bool // cur == size: the graph path's identity matrix, exact
	j0, j1    []int32
	w0, w1    []float32
	w0d, w1d  []float64 // the same weights as float64
	rule      []combineRule
	// segs groups consecutive outputs with the same taps (for the last axis).
	segs []tapSegment
	// twoTap reports a row with two non-zero weights (the rule matters).
	twoTap bool
	// allFused reports that every output rounds by ruleFused (set by probeRules).
	allFused bool
}

// tapSegment is the outputs [x0, x1) that read source values j0 and j1; l0 is
// the weight w1 at x0 and scale = (x1−1−x0)/(w1(x1−1) − w1(x0)) (0 when w1 does
// not change), so that x0 + (λ − l0)·scale is where w1 reaches λ (a guess:
// crossing corrects it).
type tapSegment struct {
	x0, x1, j0, j1 int32
	l0, scale      float64
}

// errUnsupportedTaps marks an axis the kernel does not reproduce exactly; the
// caller then takes the graph path.
var errUnsupportedTaps = errors.New("protoseg: unit kernel: interpolation not reproducible on this backend")

// newAxisTaps reads the taps of the resize from cur to size out of
// InterpolationMatrix. Every row must have one or two non-zero weights, the
// larger ≥ 1/4 (so two values of one sign keep it, see unitKernel.segRow).
func newAxisTaps(method ResizeMethod, cur, size int) (*axisTaps, error) {
	t := &axisTaps{cur: cur, size: size, identity: cur == size,
		j0: make([]int32, size), j1: make([]int32, size), w0: make([]float32, size),
		w1: make([]float32, size), rule: make([]combineRule, size)}
	if t.identity {
		for i := range size {
			t.j0[i], t.j1[i], t.w0[i], t.rule[i] = int32(i), int32(i), 1, ruleSeparate
		}
	} else {
		for i, row := range InterpolationMatrix(method, cur, size) {
			if err := t.setRow(i, row); err != nil {
				return nil, err
			}
		}
	}
	t.w0d, t.w1d = make([]float64, size), make([]float64, size)
	for i := range size {
		t.w0d[i], t.w1d[i] = float64(t.w0[i]), float64(t.w1[i])
	}
	for i := 0; i < size; {
		s := tapSegment{x0: int32(i), j0: t.j0[i], j1: t.j1[i]}
		for i < size && t.j0[i] == s.j0 && t.j1[i] == s.j1 {
			i++
		}
		s.x1 = int32(i)
		s.l0 = t.w1d[s.x0]
		if l1 := t.w1d[s.x1-1]; l1 > s.l0 {
			s.scale = float64(s.x1-1-s.x0) / (l1 - s.l0)
		}
		t.segs = append(t.segs, s)
	}
	return t, nil
}

// setRow stores the non-zero float32 weights of one interpolation matrix row.
func (t *axisTaps) setRow(i int, row []float64) error {
	n := 0
	for j, w := range row {
		w32 := float32(w) // the graph's constant: ConstAs converts float64 → float32
		if w32 == 0 {
			continue
		}
		switch n {
		case 0:
			t.j0[i], t.j1[i], t.w0[i] = int32(j), int32(j), w32
		case 1:
			t.j1[i], t.w1[i], t.twoTap = int32(j), w32, true
		default:
			return fmt.Errorf("%w: row %d of the %d→%d resize has more than two taps", errUnsupportedTaps, i, t.cur, t.size)
		}
		n++
	}
	if n == 0 || max(t.w0[i], t.w1[i]) < 0.25 || t.w0[i] < 0 || t.w1[i] < 0 {
		return fmt.Errorf("%w: row %d of the %d→%d resize has weights %g, %g", errUnsupportedTaps, i, t.cur, t.size, t.w0[i], t.w1[i])
	}
	t.rule[i] = ruleSeparate // any rule: one-tap rows round once whatever the rule
	return nil
}

// probeVectors is how many random vectors probeRules resizes: a rule that
// disagrees with the backend on a row does so on a good fraction of random
// inputs, so 256 leave no realistic chance of an undetected mismatch.
const probeVectors = 256

// probeRules finds, for every two-tap output of t, the rule that reproduces the
// backend: it resizes probeVectors random vectors [probeVectors, cur] → [.., size]
// with the graph path's resizeRotating and keeps, per output, the first rule that
// matches every vector (the same one for all outputs when possible). It returns
// errUnsupportedTaps when no rule matches some output.
func probeRules(backend backends.Backend, method ResizeMethod, t *axisTaps) error {
	if !t.twoTap {
		return nil
	}
	rng := rand.New(rand.NewPCG(uint64(t.cur), uint64(t.size)))
	x := make([]float32, probeVectors*t.cur)
	for i := range x { // full 24-bit mantissas, both signs, a few binades
		x[i] = float32((1 + rng.Float64()) * math.Ldexp(1, rng.IntN(9)-4) * float64(1-2*rng.IntN(2)))
	}
	got, err := resizeOnBackend(backend, method, x, t.cur, t.size)
	if err != nil {
		return err
	}
	ok := make([][numRules]bool, t.size)
	common := [numRules]bool{true, true, true}
	for i := range t.size {
		for r := range numRules {
			ok[i][r] = t.w1[i] == 0 || ruleMatches(combineRule(r), t, i, x, got)
			common[r] = common[r] && ok[i][r]
		}
	}
	for i := range t.size {
		rule, found := pickRule(common)
		if !found {
			if rule, found = pickRule(ok[i]); !found {
				return fmt.Errorf("%w: output %d of the %d→%d resize matches no rounding rule", errUnsupportedTaps, i, t.cur, t.size)
			}
		}
		t.rule[i] = rule
	}
	t.allFused = true
	for _, r := range t.rule {
		t.allFused = t.allFused && r == ruleFused
	}
	return nil
}

// ruleMatches reports whether rule r reproduces output i of every probe vector.
func ruleMatches(r combineRule, t *axisTaps, i int, x, got []float32) bool {
	for v := range probeVectors {
		in := x[v*t.cur : (v+1)*t.cur]
		if r.combine(t.w0[i], in[t.j0[i]], t.w1[i], in[t.j1[i]]) != got[v*t.size+i] {
			return false
		}
	}
	return true
}

func pickRule(ok [numRules]bool) (combineRule, bool) {
	for r := range numRules {
		if ok[r] {
			return combineRule(r), true
		}
	}
	return 0, false
}

// resizeOnBackend resizes the rows of x [rows, cur] to [rows, size] with the graph
// path's resizeRotating on backend (the very matrix product the unit graph runs).
func resizeOnBackend(backend backends.Backend, method ResizeMethod, x []float32, cur, size int) ([]float32, error) {
	exec, err := NewExec(backend, func(v *Node) *Node {
		return resizeRotating(v, method, []int{size}, false)
	})
	if err != nil {
		return nil, fmt.Errorf("protoseg: unit kernel probe %d→%d: %w", cur, size, err)
	}
	defer exec.Finalize()
	outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, len(x)/cur, cur))
	if err != nil {
		return nil, fmt.Errorf("protoseg: unit kernel probe %d→%d: %w", cur, size, err)
	}
	return tensors.MustCopyFlatData[float32](outs[0]), nil
}
