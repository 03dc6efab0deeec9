package protoseg

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"unsafe"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// lowGraph is the graph of the kernel path's feature side: from f and the mask
// side of [lowWeights] (kernelmasks.go), the prototypes (weightedMeans), then
// the per-unit terms diff and sum of [linearTerms], [N, C] each (the kernel forms
// unit k's logit diff_k·(2 f_k − sum_k) itself, rounding each step to float32 as
// the graph's element-wise ops do), and the layer's logit at the feature's size,
// [N, s...] ([linearLogitOf] of those terms: a matrix product over the channels, whose summation
// order only the graph knows). The ops are the graph path's, so the kernel
// starts from the very values the graph path up-samples. On the cpu backend
// the same values are computed on the host instead (lowdirect.go: its order,
// checked per feature shape by a probe against this graph).
func lowGraph(f, objLow, bgLow, sumT, sumB *Node) []*Node {
	ct, cb := weightedMeans(f, objLow, bgLow, sumT, sumB)
	diff, sum := linearTerms(ct, cb, f.DType())
	return []*Node{diff, sum, linearLogitOf(f, diff, sum, false)}
}

// lowOutputs is lowGraph's result for one feature, kept for the next call: Layer
// and Units of one feature under one mask share it (the feature is compared bit
// for bit, as the masks are).
type lowOutputs struct {
	low  *maskLow
	f    tensorKey
	outs []*tensors.Tensor // diff, sum [N, C]; the layer logit [N, s...]
}

// lowFor returns lowGraph's outputs for f under the mask side low of masks,
// from the last call when f and the masks are the same (they passed the checks
// then); otherwise it checks them (the graph path's errors) and runs lowGraph.
// With speculate, a last call of f's shape under these masks is taken before
// its values are compared: verify, non-nil then, waits for the comparison
// (which runs beside the caller) and reports whether they were the same.
//
// The copy kept for that comparison costs memory traffic (a batch of
// BenchmarkFullAnalysis writes 23.6 MB of copy and Units reads it back beside
// the feature), but both alternatives measured slower (forward passes, medians,
// paired and alternating with this code, 2 cores, load ≈ 1): making the copy
// and the NaN/Inf count inside the feature side's loop, a pair of images at a
// time while they are in the second-level cache (serial then), 1.004 and 0.986
// against 0.957 and 0.968; dropping the reuse, so Units runs the feature side
// again with a count-only pass beside it, 1.051 and 1.054 against 0.962 and
// 0.968 (layer-ms −0.2, units-ms +0.9 to +1.2). Non-temporal stores for the
// copy gave 0.983 against 0.963 (Units then reads it from memory).
func (a *Analyzer) lowFor(name string, f *tensors.Tensor, masks *kernelMasks, low *maskLow, speculate bool) (outs []*tensors.Tensor, verify func() bool, err error) {
	if c := a.lastLow; c != nil && c.low == low {
		if speculate && c.f.sameShape(f) {
			return c.outs, c.f.matchesLater(f), nil
		}
		if c.f.matches(f) {
			return c.outs, nil, nil
		}
	}
	var reuse []byte // the previous key's copy, dropped now: its memory is reused
	if a.lastLow != nil {
		reuse, a.lastLow = a.lastLow.f.data, nil
	}
	// The copy and the NaN/Inf count (one pass) run beside the graph, outside
	// the tensor's lock (which the graph's call takes); the graph's outputs are
	// dropped when the checks fail.
	var key tensorKey
	var bad int
	var wg sync.WaitGroup
	x := featureValues(f)
	wg.Go(func() { key, bad = newFeatureKey(f, x, reuse) })
	outs, err = a.lowRun(f, x, low)
	wg.Wait()
	if err := masks.check(name, f, bad); err != nil {
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, fmt.Errorf("protoseg: %s: %w", name, err)
	}
	a.lastLow = &lowOutputs{low: low, f: key, outs: outs}
	return outs, nil, nil
}

// sameShape reports whether the float32 tensor t has k's dtype and shape.
func (k tensorKey) sameShape(t *tensors.Tensor) bool {
	return !k.absent && t.DType() == dtypes.Float32 && k.dtype == dtypes.Float32 && slices.Equal(t.Shape().Dimensions, k.dims)
}

// matchesLater starts comparing the values of the float32 tensor t, of k's
// shape, with k's, beside the caller and outside t's lock, and returns a
// function that waits for the comparison and reports whether they are equal.
func (k tensorKey) matchesLater(t *tensors.Tensor) func() bool {
	x := featureValues(t)
	same := make(chan bool, 1)
	go func() {
		b, _ := floatBytes(x)
		same <- bytes.Equal(b, k.data)
	}()
	return func() bool { return <-same }
}

// featureValues returns the values of a float32 tensor: its own memory, read
// after the tensor's lock is released (the analysis only reads it, and its
// caller does not change it during the call).
func featureValues(f *tensors.Tensor) []float32 {
	var x []float32
	tensors.MustConstFlatData(f, func(v []float32) { x = v })
	return x
}

// newFeatureKey is newTensorKey for the float32 feature f with values x,
// counting its NaN and ±Inf values while it copies them, into reuse when it is
// large enough (the previous key's bytes: no fresh memory to zero and fault in
// per layer).
func newFeatureKey(f *tensors.Tensor, x []float32, reuse []byte) (k tensorKey, bad int) {
	k = tensorKey{dtype: f.DType(), dims: slices.Clone(f.Shape().Dimensions)}
	n := len(x)
	if cap(reuse) < 4*n || n == 0 {
		c := make([]float32, n)
		bad = copyCountNonFinite(c, x)
		k.data, _ = floatBytes(c)
		return k, bad
	}
	k.data = reuse[:4*n] // keeps reuse's capacity for the next, larger layers
	bad = copyCountNonFinite(unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(reuse))), n), x)
	return k, bad
}

// copyCountNonFiniteGo copies src to dst and returns how many of its values are
// NaN or ±Inf (all exponent bits set).
func copyCountNonFiniteGo(dst, src []float32) int {
	bad := 0
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = v
		if math.Float32bits(v)&0x7f800000 == 0x7f800000 {
			bad++
		}
	}
	return bad
}

// kernelRun is one analysis call on the kernel path: the unit kernel over the
// logits of lowGraph, with the mask side from the cache.
type kernelRun struct {
	k   *unitKernel
	tot regionTotals
	// verify, when non-nil, reports whether the feature graph's outputs taken
	// for the run (lowFor's speculation) belong to its feature.
	verify func() bool
}

// newKernelRun prepares the kernel for f (one map per image for the layer, else
// one per unit, kept with keep) from the feature graph's outputs; nil, with no error, when the
// kernel cannot reproduce the graph path for these inputs ([UnitKernel]).
func (a *Analyzer) newKernelRun(name string, f, mask, gt, roi *tensors.Tensor, layer, keep bool) (*kernelRun, error) {
	r := roi
	if m := a.masks; roi == nil && m != nil && m.ones != nil && slices.Equal(m.ones.Shape().Dimensions, mask.Shape().Dimensions) {
		r = m.ones // validate's ROI of ones, made once per mask shape
	}
	full, err := validate(name, f, mask, gt, r)
	if err != nil || f.DType() != dtypes.Float32 {
		return nil, err
	}
	fd, md := f.Shape().Dimensions, mask.Shape().Dimensions
	n, lowDims, c := fd[0], fd[1:len(fd)-1], fd[len(fd)-1]
	if layer {
		c = 1
	}
	axes := a.kernelAxes(lowDims, md[1:])
	if axes == nil {
		return nil, nil
	}
	masks, low, err := a.kernelMasksFor(name, mask, gt, roi, full, lowDims)
	if masks == nil || err != nil {
		return nil, err
	}
	outs, verify, err := a.lowFor(name, f, masks, low, !layer)
	if err != nil {
		return nil, err
	}
	k := &unitKernel{n: n, c: c, lowDims: lowDims, axes: axes, lowSize: f.Shape().Size() / (n * fd[len(fd)-1]),
		pixels: mask.Shape().Size() / n, skip: make([]bool, n), inter: make([]int64, n*c), size: make([]int64, n*c),
		region: masks.region, lowT: outs[2], scratch: &masks.scratch, inline: a.inline}
	if !layer { // per unit: the logits come from f, diff and sum
		k.featT, k.lowT = f, nil
		k.diff, k.sum = tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
	}
	for i := range n {
		k.skip[i] = masks.tot.object[i] <= 0 || masks.tot.background[i] <= 0 // filled by the convention
	}
	if cols := axes[len(axes)-1]; len(axes) == 2 && 2*cols.cur >= cols.size {
		k.dense = true // segments of at most about 2 pixels: decide pixel by pixel
	}
	if len(axes) == 2 {
		k.plan = newDensePlan(axes[0], axes[1])
	}
	k.keep = keep
	return &kernelRun{k: k, tot: masks.tot, verify: verify}, nil
}

// unitsKernel is Units on the unit kernel (unitkernel.go). done is false, with no
// error, when the kernel cannot reproduce the graph path for these inputs (see
// [UnitKernel]); the caller then takes the graph path.
func (a *Analyzer) unitsKernel(name string, f, mask, gt, roi *tensors.Tensor, keep bool) (res *UnitResult, done bool, err error) {
	c := f.Shape().Dimensions[f.Rank()-1]
	r, err := a.newKernelRun(name, f, mask, gt, roi, false, keep)
	if r == nil || err != nil {
		return nil, err != nil, err
	}
	heat, done := r.k.runOn()
	if r.verify != nil && !r.verify() { // f is not the feature the last call's outputs came from
		a.lastLow = nil
		return a.unitsKernel(name, f, mask, gt, roi, keep)
	}
	if !done {
		return nil, false, nil
	}
	n := r.k.n
	inter, size := make([]float64, n*c), make([]float64, n*c)
	for t := range inter {
		inter[t], size[t] = float64(r.k.inter[t]), float64(r.k.size[t])
	}
	return finishUnits(a.metric, name, mask, roi, c, inter, size, heat, r.k.sams, r.tot), true, nil
}

// layerKernel is Layer's SAM and counts on the unit kernel: the layer logit at
// the feature's size is one map per image, up-sampled and thresholded exactly
// as a unit's. done is false, with no error, when the kernel cannot reproduce
// the graph path (see [UnitKernel]).
func (a *Analyzer) layerKernel(name string, f, mask, gt, roi *tensors.Tensor) (res *LayerResult, done bool, err error) {
	r, err := a.newKernelRun(name, f, mask, gt, roi, true, true)
	if r == nil || err != nil {
		return nil, err != nil, err
	}
	r.k.noHeat = true
	r.k.samBytes = byteMaps(r.k.n, r.k.pixels)
	if _, done = r.k.runOn(); !done {
		return nil, false, nil
	}
	n := r.k.n
	inter, size := make([]float64, n), make([]float64, n)
	for i := range n {
		inter[i], size[i] = float64(r.k.inter[i]), float64(r.k.size[i])
	}
	return a.finishLayer(name, mask, roi, inter, size, r.k.samBytes, r.tot), true, nil
}

// byteMaps returns n zeroed maps of p bytes, one array for all.
func byteMaps(n, p int) [][]uint8 {
	all := make([]uint8, n*p)
	out := make([][]uint8, n)
	for i := range out {
		out[i] = all[i*p : (i+1)*p : (i+1)*p]
	}
	return out
}

// kernelAxes returns the up-sampling of every spatial axis from the feature's
// sizes low to the mask's sizes out, probed on the analyzer's backend once per
// size pair, or nil when the kernel does not reproduce one of them (an axis that
// shrinks, or an unknown rounding).
func (a *Analyzer) kernelAxes(low, out []int) []*axisTaps {
	axes := make([]*axisTaps, len(out))
	for i := range out {
		if low[i] > out[i] {
			return nil
		}
		key := [2]int{low[i], out[i]}
		t, seen := a.taps[key]
		if !seen {
			var err error
			t, err = newAxisTaps(a.method, low[i], out[i])
			if err == nil {
				err = probeRules(a.backend, a.method, t)
			}
			if err != nil {
				t = nil // not reproducible here (errUnsupportedTaps) or the probe failed: graph path
			}
			a.taps[key] = t
		}
		if t == nil {
			return nil
		}
		axes[i] = t
	}
	return axes
}

// errNotFloat marks a tensor the host-side maps cannot read.
var errNotFloat = errors.New("not a float tensor")

// regionMaps are the host-side maps of the unit kernel for a batch of
// ground truths and ROIs.
type regionMaps struct {
	gt     [][]uint8 // per image: the binary G·R
	gtCum  [][]int32 // per image: Σ_{q<p} G·R, p = 0…P
	roiCum [][]int32 // per image: Σ_{q<p} R; nil: R = 1 everywhere
	roi    [][]uint8 // per image: the binary ROI; nil: everywhere
	// gtBits and roiBits hold G·R and R as bits (pixel p: bit p%8 of byte
	// p/8, ones for a nil ROI, 8 bytes of padding), for the dense path.
	gtBits, roiBits [][]byte
}

// newRegionMaps computes the per-image prefix sums of G·R and R, and the binary
// ROI, from the ground truth gt [N, S...] (binarised at 0.5 after conversion to
// float32, as the graph does) and the ROI (nil: everywhere). It reports false
// when the ROI has a value other than 0 and 1, or a tensor is not float (the
// graph path's weighted sums then depend on its summation order).
func newRegionMaps(gt, roi *tensors.Tensor) (*regionMaps, bool) {
	g, err := flatFloat32(gt)
	if err != nil {
		return nil, false
	}
	n := gt.Shape().Dimensions[0]
	pixels := len(g) / n
	m := &regionMaps{gtCum: make([][]int32, n), gt: make([][]uint8, n)}
	var r []float32
	if roi != nil {
		if r, err = flatFloat32(roi); err != nil {
			return nil, false
		}
		for _, v := range r {
			if v != 0 && v != 1 {
				return nil, false
			}
		}
		m.roiCum, m.roi = make([][]int32, n), make([][]uint8, n)
	}
	for i := range n {
		gc, g8 := make([]int32, pixels+1), make([]uint8, pixels)
		var rc []int32
		if r != nil {
			rc, m.roi[i] = make([]int32, pixels+1), make([]uint8, pixels)
			m.roiCum[i] = rc
		}
		for p := range pixels {
			in := r == nil || r[i*pixels+p] == 1
			gc[p+1] = gc[p]
			if in && g[i*pixels+p] > 0.5 {
				gc[p+1]++
				g8[p] = 1
			}
			if rc != nil {
				rc[p+1] = rc[p]
				if in {
					rc[p+1]++
					m.roi[i][p] = 1
				}
			}
		}
		m.gtCum[i], m.gt[i] = gc, g8
	}
	m.bits(pixels)
	return m, true
}

// bits fills gtBits and roiBits from gt and roi.
func (m *regionMaps) bits(pixels int) {
	n := len(m.gt)
	m.gtBits, m.roiBits = make([][]byte, n), make([][]byte, n)
	for i := range n {
		g, r := make([]byte, pixels/8+9), make([]byte, pixels/8+9)
		for p := range pixels {
			g[p/8] |= m.gt[i][p] << (p % 8)
			if m.roi == nil || m.roi[i][p] != 0 {
				r[p/8] |= 1 << (p % 8)
			}
		}
		m.gtBits[i], m.roiBits[i] = g, r
	}
}

// flatFloat32 returns the values of a float32 or float64 tensor as float32 (the
// graph's ConvertDType rounding).
func flatFloat32(t *tensors.Tensor) ([]float32, error) {
	var out []float32
	var err error
	t.MustConstFlatData(func(flat any) {
		switch x := flat.(type) {
		case []float32:
			out = slices.Clone(x)
		case []float64:
			out = make([]float32, len(x))
			for i, v := range x {
				out[i] = float32(v)
			}
		default:
			err = errNotFloat
		}
	})
	return out, err
}
