package protoseg

import (
	"errors"
	"fmt"
	"math"
	"slices"

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

// lowOutputs is lowGraph's result for one feature: the per-unit terms diff
// and sum [N·C] on the host, and the layer logit [N, s...].
type lowOutputs struct {
	diff, sum []float32
	logit     *tensors.Tensor
}

// lowFor runs lowGraph for f under the mask side low of masks and checks f and
// the masks (the graph path's errors). A NaN or ±Inf value of f reaches every
// weighted sum of its image and channel (the sums take every pixel, 0·NaN and
// 0·Inf being NaN), so a non-finite c_t + c_b marks a feature that may hold
// one: only then are f's values counted (a total that overflowed has none).
func (a *Analyzer) lowFor(name string, f *tensors.Tensor, masks *kernelMasks, low *maskLow) (*lowOutputs, error) {
	lo, err := a.lowRun(f, featureValues(f), low)
	bad := 0
	if err != nil || !finite32(lo.sum) {
		bad = countNonFinite(f)
	}
	if err := masks.check(name, f, bad); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("protoseg: %s: %w", name, err)
	}
	return lo, nil
}

// finite32 reports whether no value of x is NaN or ±Inf (all exponent bits set).
func finite32(x []float32) bool {
	for _, v := range x {
		if math.Float32bits(v)&0x7f800000 == 0x7f800000 {
			return false
		}
	}
	return true
}

// featureValues returns the values of a float32 tensor: its own memory, read
// after the tensor's lock is released (the analysis only reads it, and its
// caller does not change it during the call).
func featureValues(f *tensors.Tensor) []float32 {
	var x []float32
	tensors.MustConstFlatData(f, func(v []float32) { x = v })
	return x
}

// kernelPrep is what the kernel path's runs on one feature share: its checked
// inputs, the mask side from the cache and the feature side's outputs,
// computed once for both Layer and Units in [Analyzer.LayerUnits].
type kernelPrep struct {
	f, mask, roi *tensors.Tensor
	axes         []*axisTaps
	masks        *kernelMasks
	low          *lowOutputs
}

// prepareKernel checks the inputs of an analysis call and runs the feature
// side for the kernel path; nil, with no error, when the kernel cannot
// reproduce the graph path for these inputs ([UnitKernel]).
func (a *Analyzer) prepareKernel(name string, f, mask, gt, roi *tensors.Tensor) (*kernelPrep, error) {
	r := roi
	if m := a.masks; roi == nil && m != nil && m.ones != nil && slices.Equal(m.ones.Shape().Dimensions, mask.Shape().Dimensions) {
		r = m.ones // validate's ROI of ones, made once per mask shape
	}
	full, err := validate(name, f, mask, gt, r)
	if err != nil || f.DType() != dtypes.Float32 {
		return nil, err
	}
	fd, md := f.Shape().Dimensions, mask.Shape().Dimensions
	lowDims := fd[1 : len(fd)-1]
	axes := a.kernelAxes(lowDims, md[1:])
	if axes == nil {
		return nil, nil
	}
	masks, low, err := a.kernelMasksFor(name, mask, gt, roi, full, lowDims)
	if masks == nil || err != nil {
		return nil, err
	}
	lo, err := a.lowFor(name, f, masks, low)
	if err != nil {
		return nil, err
	}
	return &kernelPrep{f: f, mask: mask, roi: roi, axes: axes, masks: masks, low: lo}, nil
}

// kernel returns the unit kernel for p's feature: one map per image for the
// layer, else one per unit, kept with keep.
func (p *kernelPrep) kernel(layer, keep bool, inline int) *unitKernel {
	f, axes := p.f, p.axes
	fd := f.Shape().Dimensions
	n, lowDims, c := fd[0], fd[1:len(fd)-1], fd[len(fd)-1]
	if layer {
		c = 1
	}
	k := &unitKernel{n: n, c: c, lowDims: lowDims, axes: axes, lowSize: f.Shape().Size() / (n * fd[len(fd)-1]),
		pixels: p.mask.Shape().Size() / n, skip: make([]bool, n), inter: make([]int64, n*c), size: make([]int64, n*c),
		region: p.masks.region, lowT: p.low.logit, scratch: &p.masks.layerScratch, inline: inline}
	if !layer { // per unit: the logits come from f, diff and sum
		k.featT, k.lowT, k.scratch = f, nil, &p.masks.scratch
		k.diff, k.sum = p.low.diff, p.low.sum
	}
	for i := range n {
		k.skip[i] = p.masks.tot.object[i] <= 0 || p.masks.tot.background[i] <= 0 // filled by the convention
	}
	if cols := axes[len(axes)-1]; len(axes) == 2 && 2*cols.cur >= cols.size {
		k.dense = true // segments of at most about 2 pixels: decide pixel by pixel
	}
	if len(axes) == 2 {
		k.plan = newDensePlan(axes[0], axes[1])
	}
	k.keep = keep
	return k
}

// unitsKernel is Units on the unit kernel (unitkernel.go) from p; nil when a
// logit exceeded the kernel's range (the caller then takes the graph path).
func (a *Analyzer) unitsKernel(p *kernelPrep, name string, keep bool) *UnitResult {
	k := p.kernel(false, keep, a.inline)
	heat, done := k.runOn()
	if !done {
		return nil
	}
	inter, size := make([]float64, len(k.inter)), make([]float64, len(k.size))
	for t := range inter {
		inter[t], size[t] = float64(k.inter[t]), float64(k.size[t])
	}
	return finishUnits(a.metric, name, p.mask, p.roi, k.c, inter, size, heat, k.sams, p.masks.tot)
}

// layerKernel is Layer's SAM and counts on the unit kernel from p: the layer
// logit at the feature's size is one map per image, up-sampled and
// thresholded exactly as a unit's; nil when a logit exceeded the kernel's
// range (the caller then takes the graph path).
func (a *Analyzer) layerKernel(p *kernelPrep, name string) *LayerResult {
	k := p.kernel(true, true, a.inline)
	k.noHeat = true
	k.samBytes = byteMaps(k.n, k.pixels)
	if _, done := k.runOn(); !done {
		return nil
	}
	inter, size := make([]float64, k.n), make([]float64, k.n)
	for i := range k.n {
		inter[i], size[i] = float64(k.inter[i]), float64(k.size[i])
	}
	return a.finishLayer(name, p.mask, p.roi, inter, size, k.samBytes, p.masks.tot)
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
