package protoseg

import (
	"errors"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// unitLowGraph returns the unit logits at the feature's size, [N, C, s...] (each
// unit's map contiguous), then the diagnostics: the graph path's unitGraph up to
// its resize, with the same ops (prepare, prototypes, linearLogit), so the unit
// kernel starts from the very values the graph path up-samples.
func (a *Analyzer) unitLowGraph(f, mask, gt, roi *Node) []*Node {
	object, background, _, _, diag := prepare(f, mask, gt, roi)
	ct, cb, _, _ := prototypes(f, object, background, a.method)
	logit := linearLogit(f, ct, cb, true) // [N, s..., C]
	perm := []int{0, f.Rank() - 1}
	for ax := 1; ax < f.Rank()-1; ax++ {
		perm = append(perm, ax)
	}
	return append([]*Node{TransposeAllAxes(logit, perm...)}, diag...)
}

// unitsKernel is Units on the unit kernel (unitkernel.go). done is false, with no
// error, when the kernel cannot reproduce the graph path for these inputs (see
// [UnitKernel]); the caller then takes the graph path.
func (a *Analyzer) unitsKernel(name string, f, mask, gt, roi *tensors.Tensor, keep bool) (res *UnitResult, done bool, err error) {
	if _, err := validate(name, f, mask, gt, roi); err != nil {
		return nil, true, err
	}
	if f.DType() != dtypes.Float32 {
		return nil, false, nil
	}
	fd, md := f.Shape().Dimensions, mask.Shape().Dimensions
	n, c, lowDims := fd[0], fd[len(fd)-1], fd[1:len(fd)-1]
	axes := a.kernelAxes(lowDims, md[1:])
	if axes == nil {
		return nil, false, nil
	}
	k := &unitKernel{n: n, c: c, lowDims: lowDims, axes: axes, lowSize: f.Shape().Size() / (n * c),
		pixels: mask.Shape().Size() / n, skip: make([]bool, n), inter: make([]int64, n*c), size: make([]int64, n*c)}
	if !k.regionMaps(gt, roi) {
		return nil, false, nil
	}
	outs, tot, err := run(a.unitLow, name, f, mask, gt, roi)
	if err != nil {
		return nil, true, err
	}
	for i := range n {
		k.skip[i] = tot.object[i] <= 0 || tot.background[i] <= 0 // filled by the convention
	}
	if keep {
		k.sams = make([]uint8, n*c*k.pixels)
	}
	var heat []float32
	tensors.MustConstFlatData(outs[0], func(low []float32) {
		k.low = low
		heat, done = k.run()
		k.low = nil
	})
	if !done {
		return nil, false, nil
	}
	inter, size := make([]float64, n*c), make([]float64, n*c)
	for t := range inter {
		inter[t], size[t] = float64(k.inter[t]), float64(k.size[t])
	}
	var sams [][]uint8
	if keep {
		sams = make([][]uint8, n*c)
		for t := range sams {
			sams[t] = k.sams[t*k.pixels : (t+1)*k.pixels : (t+1)*k.pixels]
		}
	}
	return finishUnits(a.metric, name, mask, roi, c, inter, size, heat, sams, tot), true, nil
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

// regionMaps fills the per-image prefix sums of G·R and R, and the binary ROI,
// from the ground truth (binarised at 0.5 after conversion to float32, as the
// graph does) and the ROI (nil: everywhere). It reports false when the ROI has a
// value other than 0 and 1, or a tensor is not float (the graph path's weighted
// sums then depend on its summation order).
func (k *unitKernel) regionMaps(gt, roi *tensors.Tensor) bool {
	g, err := flatFloat32(gt)
	if err != nil {
		return false
	}
	var r []float32
	if roi != nil {
		if r, err = flatFloat32(roi); err != nil {
			return false
		}
		for _, v := range r {
			if v != 0 && v != 1 {
				return false
			}
		}
		k.roiCum, k.roi = make([][]int32, k.n), make([][]uint8, k.n)
	}
	k.gtCum = make([][]int32, k.n)
	for n := range k.n {
		gc := make([]int32, k.pixels+1)
		var rc []int32
		if r != nil {
			rc, k.roi[n] = make([]int32, k.pixels+1), make([]uint8, k.pixels)
			k.roiCum[n] = rc
		}
		for p := range k.pixels {
			in := r == nil || r[n*k.pixels+p] == 1
			gc[p+1] = gc[p]
			if in && g[n*k.pixels+p] > 0.5 {
				gc[p+1]++
			}
			if rc != nil {
				rc[p+1] = rc[p]
				if in {
					rc[p+1]++
					k.roi[n][p] = 1
				}
			}
		}
		k.gtCum[n] = gc
	}
	return true
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
