package protoseg

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// The feature side of the kernel path (lowGraph) on the host: the prototypes,
// the per-unit terms and the layer logit of one float32 feature, computed with
// the float32 operations of the cpu backend's execution of lowGraph, in its
// order, so bit-identical to it:
//
//   - the weighted sums Σ_x w(x)·f(x, c) are its "cols" matrix–vector product
//     (cpubackend/simplego/fast_gemv.go): per channel, each product rounded,
//     summed sequentially over the pixels from +0;
//   - the prototypes divide by the guarded totals (safeDenominator), then
//     linearTerms and the bias Σ_c diff·sum (its ReduceSum of a row: four
//     interleaved partial sums, fast_ops.go's reduceRowValue);
//   - the layer logit f·(2 diff) is its "rows" product: eight lane sums over
//     the channels, combined as ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)), then
//     the last C%8 products in order, minus the bias.
//
// Another backend may order its sums otherwise, so an analyzer takes this
// path for a feature shape only after a probe on random values of that shape
// gave the graph's very bits (lowDirectOK); else it runs the graph.

// lowGemvSIMD selects the AVX2 kernels of the products; VerifyUnitKernel and
// tests switch it (atomic, as denseUse: other analyzers may run meanwhile).
var lowGemvSIMD atomic.Bool

func init() { lowGemvSIMD.Store(lowGemvHasSIMD()) }

// lowDirect is lowGraph on the host: f [n, s, c] (s the feature's pixels),
// the low-resolution weights objLow, bgLow [n, s] and their totals sumT, sumB
// [n]. It returns diff and sum [n, c] and the layer logit [n, s].
func lowDirect(f, objLow, bgLow, sumT, sumB []float32, n, s, c int) (diff, sum, logit []float32) {
	diff, sum, logit = make([]float32, n*c), make([]float32, n*c), make([]float32, n*s)
	lowDirectInto(diff, sum, logit, f, objLow, bgLow, sumT, sumB, n, s, c)
	return diff, sum, logit
}

// lowDirectInto is lowDirect into diff, sum [n·c] and logit [n·s], on the
// calling goroutine: the images in pairs (lowCols2Pair). Splitting them over
// two goroutines gave no gain in BenchmarkFullAnalysis (64×64 Base 8; the
// pass is bound by memory, not by one core): with a copy of the feature
// beside it, per batch 1.42 ms split against 1.26 ms not (medians of four);
// alone (LayerUnits), features of 128 K values and more split, 0.868
// against 0.839 forward passes (medians of six, paired). Below about 128 K
// values a split cost more than the half it took.
func lowDirectInto(diff, sum, logit, f, objLow, bgLow, sumT, sumB []float32, n, s, c int) {
	w := make([]float32, 6*c) // per image of a pair: ct, cb, 2·diff
	wA, wB := w[:3*c], w[3*c:]
	terms := func(i int, w []float32) {
		lowTerms(f[i*s*c:(i+1)*s*c], sumT[i], sumB[i], diff[i*c:(i+1)*c], sum[i*c:(i+1)*c], logit[i*s:(i+1)*s], w)
	}
	for i := 0; i < n; i += 2 {
		if i+1 == n {
			lowCols2(wA[:c], wA[c:2*c], objLow[i*s:(i+1)*s], bgLow[i*s:(i+1)*s], f[i*s*c:(i+1)*s*c], s, c)
			terms(i, wA)
			break
		}
		lowCols2Pair(wA[:c], wA[c:2*c], wB[:c], wB[c:2*c], objLow[i*s:(i+2)*s], bgLow[i*s:(i+2)*s], f[i*s*c:(i+2)*s*c], s, c)
		terms(i, wA)
		terms(i+1, wB)
	}
}

// lowTerms is lowDirect for one image after its weighted sums: f [s, c]
// and the sums ct, cb in w (3c floats, the third c scratch), into diff and
// sum [c] and logit [s].
func lowTerms(f []float32, sumT, sumB float32, diff, sum, logit, w []float32) {
	c := len(diff)
	ct, cb, d2 := w[:c], w[c:2*c], w[2*c:3*c]
	dt, db := guardTotal(sumT), guardTotal(sumB)
	tol := float32(tieTolerance(dtypes.Float32))
	for j := range c {
		t, b := ct[j]/dt, cb[j]/db
		d := t - b
		if abs32(d) <= float32((abs32(t)+abs32(b))*tol) {
			d = 0
		}
		diff[j], sum[j], d2[j] = d, t+b, float32(d*2)
		ct[j] = float32(d * sum[j]) // the products of the bias, in place
	}
	lowRows(logit, d2, f, c, rowSum(ct))
}

// rowSum is the cpu backend's float32 ReduceSum of a row (its reduceRowValue):
// four interleaved partial sums, the tail into the first, combined as
// (s0+s1)+(s2+s3) and added to an initial +0.
func rowSum(row []float32) float32 {
	var r, s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(row); i += 4 {
		s0 += row[i]
		s1 += row[i+1]
		s2 += row[i+2]
		s3 += row[i+3]
	}
	for ; i < len(row); i++ {
		s0 += row[i]
	}
	return r + ((s0 + s1) + (s2 + s3))
}

// guardTotal is safeDenominator: x where x > 0, else 1.
func guardTotal(x float32) float32 {
	if x > 0 {
		return x
	}
	return 1
}

// abs32 is |x| (the sign bit cleared).
func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// lowCols2 sets out0[j] = Σ_p v0[p]·a[p·lda + j] and out1[j] likewise with
// v1, j < len(out0), each sequentially over p (k = len(v0) rows of a, lda
// floats apart): gemvCols's order. Blocks of 8 columns take both vectors in
// one pass.
func lowCols2(out0, out1, v0, v1, a []float32, k, lda int) {
	n, done := len(out0), 0
	if lowGemvSIMD.Load() && k > 0 {
		for ; done+32 <= n; done += 32 {
			lowCols32(out0[done:], v0, a[done:], k, lda)
			lowCols32(out1[done:], v1, a[done:], k, lda)
		}
		for ; done+8 <= n; done += 8 {
			lowCols8x2(out0[done:], out1[done:], v0, v1, a[done:], k, lda)
		}
	}
	if done < n {
		lowColsGo(out0[done:], v0, a[done:], k, lda)
		lowColsGo(out1[done:], v1, a[done:], k, lda)
	}
}

// lowCols2Pair is lowCols2 for two images: A with the k rows of a and the
// weights v0[:k], v1[:k] into outA0, outA1, B with the k rows and weights
// that follow into outB0, outB1. Its blocks of 8 columns take both images in
// one pass (four independent sums); every sum is the same sequence of
// operations as in lowCols2.
func lowCols2Pair(outA0, outA1, outB0, outB1, v0, v1, a []float32, k, lda int) {
	n, done := len(outA0), len(outA0)/32*32
	vB0, vB1, aB := v0[k:], v1[k:], a[k*lda:]
	lowCols2(outA0[:done], outA1[:done], v0, v1, a, k, lda)
	lowCols2(outB0[:done], outB1[:done], vB0, vB1, aB, k, lda)
	if lowGemvSIMD.Load() && k > 0 {
		for ; done+8 <= n; done += 8 {
			lowCols8x4(outA0[done:], outA1[done:], outB0[done:], outB1[done:], v0, v1, a[done:], k, lda)
		}
	}
	lowCols2(outA0[done:], outA1[done:], v0, v1, a[done:], k, lda)
	lowCols2(outB0[done:], outB1[done:], vB0, vB1, aB[done:], k, lda)
}

// lowColsGo is lowCols2 for one vector, in Go.
func lowColsGo(out, v, a []float32, k, lda int) {
	clear(out)
	for p := range k {
		s, row := v[p], a[p*lda:p*lda+len(out)]
		for j, x := range row {
			out[j] += float32(s * x)
		}
	}
}

// lowRows sets out[i] = the eight-lane dot product of row i of a ([len(out),
// k]) with v (gemvRows's order, in the comment above), minus bias.
func lowRows(out, v, a []float32, k int, bias float32) {
	k8 := k / 8 * 8
	var early float32 // the bias, subtracted by the eight-lane part when no products follow (x − 0 is x)
	if k8 == k {
		early = bias
	}
	if lowGemvSIMD.Load() && k8 > 0 && len(out) > 0 {
		lowRows8(out, v, a, len(out), k, k8, early)
	} else {
		lowRowsGo(out, v, a, k, k8, early)
	}
	if k8 == k {
		return
	}
	for i := range out {
		s, row := out[i], a[i*k:(i+1)*k]
		for p := k8; p < k; p++ {
			s += float32(row[p] * v[p])
		}
		out[i] = s - bias
	}
}

// lowRowsGo is the eight-lane part of lowRows in Go (k8 = k − k%8), minus
// bias.
func lowRowsGo(out, v, a []float32, k, k8 int, bias float32) {
	for i := range out {
		var l [8]float32
		row := a[i*k : i*k+k8]
		for p := 0; p < k8; p += 8 {
			for q := range 8 {
				l[q] += float32(row[p+q] * v[p+q])
			}
		}
		out[i] = float32(((l[0]+l[4])+(l[2]+l[6]))+((l[1]+l[5])+(l[3]+l[7]))) - bias
	}
}

// lowRun runs the feature side for f (values x) under the mask side low: on
// the host when the probe of f's shape passed (lowDirectOK), else lowGraph.
func (a *Analyzer) lowRun(f *tensors.Tensor, x []float32, low *maskLow) (*lowOutputs, error) {
	ok, err := a.lowDirectOK(f.Shape().Dimensions)
	a.lastHost = ok && err == nil
	if !a.lastHost {
		outs, err := a.lowExec.Exec(f, low.objLow, low.bgLow, low.sumT, low.sumB)
		if err != nil {
			return nil, err
		}
		return &lowOutputs{diff: tensors.MustCopyFlatData[float32](outs[0]), sum: tensors.MustCopyFlatData[float32](outs[1]), logit: outs[2]}, nil
	}
	lv := low.values()
	dims := f.Shape().Dimensions
	n, c := dims[0], dims[len(dims)-1]
	lo := &lowOutputs{diff: make([]float32, n*c), sum: make([]float32, n*c),
		logit: tensors.FromShape(shapes.Make(dtypes.Float32, dims[:len(dims)-1]...))}
	// The logit is written into the new tensor's memory, which nothing else
	// holds yet (as featureValues reads a feature's).
	lowDirectInto(lo.diff, lo.sum, mutableValues(lo.logit), x, lv[0], lv[1], lv[2], lv[3], n, len(x)/(n*c), c)
	return lo, nil
}

// mutableValues returns the memory of a new float32 tensor, for writing.
func mutableValues(t *tensors.Tensor) []float32 {
	var x []float32
	tensors.MustMutableFlatData(t, func(v []float32) { x = v })
	return x
}

// values returns objLow, bgLow, sumT and sumB as float32 slices, copied once.
func (m *maskLow) values() [4][]float32 {
	if m.vals[0] == nil {
		for i, t := range []*tensors.Tensor{m.objLow, m.bgLow, m.sumT, m.sumB} {
			m.vals[i] = tensors.MustCopyFlatData[float32](t)
		}
	}
	return m.vals
}

// lowDirectOK reports whether lowDirect gives lowGraph's bits on the
// analyzer's backend for features of shape dims: probed once per shape, on
// random values (a backend that sums in another order differs there).
func (a *Analyzer) lowDirectOK(dims []int) (bool, error) {
	key := fmt.Sprint(dims)
	if ok, seen := a.lowProbed[key]; seen {
		return ok, nil
	}
	ok, err := probeLowDirect(a.lowExec, dims)
	if err != nil {
		return false, err
	}
	if a.lowProbed == nil {
		a.lowProbed = map[string]bool{}
	}
	a.lowProbed[key] = ok
	return ok, nil
}

// probeRounds is how many random draws a probe compares: one draw of a small
// shape can agree by chance with a backend that sums in another order.
const probeRounds = 4

// probeLowDirect runs lowGraph (exec) and lowDirect on probeRounds draws of
// random float32 inputs for a feature of shape dims and reports whether all
// outputs agree bit for bit on every draw.
func probeLowDirect(exec *graph.Exec, dims []int) (bool, error) {
	size := 1
	for _, d := range dims {
		size *= d
	}
	rng := rand.New(rand.NewPCG(uint64(size), uint64(dims[len(dims)-1])))
	for range probeRounds {
		if ok, err := probeOnce(exec, dims, size, rng); !ok || err != nil {
			return false, err
		}
	}
	return true, nil
}

// probeOnce is one draw of probeLowDirect: values of mixed signs, full
// mantissas and magnitudes 2⁻⁴…2⁴ (totals up to 50 times that, some ≤ 0).
func probeOnce(exec *graph.Exec, dims []int, size int, rng *rand.Rand) (bool, error) {
	n, c := dims[0], dims[len(dims)-1]
	s := size / (n * c)
	random := func(k int, scale float64) []float32 {
		x := make([]float32, k)
		for i := range x {
			x[i] = float32(scale * (rng.Float64() - 0.3) * float64(int(1)<<rng.IntN(9)) / 16)
		}
		return x
	}
	f, objLow, bgLow := random(size, 1), random(n*s, 1), random(n*s, 1)
	sumT, sumB := random(n, 50), random(n, 50)
	low := dims[:len(dims)-1]
	outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(f, dims...), tensors.FromFlatDataAndDimensions(objLow, low...),
		tensors.FromFlatDataAndDimensions(bgLow, low...), tensors.FromFlatDataAndDimensions(sumT, n), tensors.FromFlatDataAndDimensions(sumB, n))
	if err != nil {
		return false, fmt.Errorf("protoseg: probing the feature graph of shape %v: %w", dims, err)
	}
	diff, sum, logit := lowDirect(f, objLow, bgLow, sumT, sumB, n, s, c)
	for i, want := range [][]float32{diff, sum, logit} {
		if !sameBits(tensors.MustCopyFlatData[float32](outs[i]), want) {
			return false, nil
		}
	}
	return true, nil
}

// sameBits reports whether two float32 slices hold the same bits.
func sameBits(x, y []float32) bool {
	return slices.EqualFunc(x, y, func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) })
}
