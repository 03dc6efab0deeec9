package protoseg

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// The mask side of the kernel path. Everything the analysis computes from the
// mask B, the ground truth G and the ROI R alone — their checks, the region
// totals Σ B·R, Σ (1−B)·R, Σ R, Σ G·R, the weights pulled down to a feature's
// size Uᵀ(B·R), Uᵀ((1−B)·R) (docs/design.md §6) and the host-side prefix sums of
// G·R and R — is the same for every layer of a network analysed against one
// mask. The analyzer keeps it for the last (B, G, R) it saw, keyed by their
// exact contents (a copy, compared bit for bit on every call: a caller that
// changes a tensor in place gets fresh results), and computes it with the very
// graph ops of the reference path (maskGraph), so the values are the same.

// tensorKey is an exact copy of a float tensor's shape and values (their bytes,
// so that equal keys mean equal bits: −0 ≠ +0, and a NaN equals itself).
type tensorKey struct {
	dtype  dtypes.DType
	dims   []int
	data   []byte
	absent bool // the nil tensor
}

// newTensorKey copies t (nil: the absent tensor); ok is false when t is not
// float32 or float64.
func newTensorKey(t *tensors.Tensor) (k tensorKey, ok bool) {
	if t == nil {
		return tensorKey{absent: true}, true
	}
	k = tensorKey{dtype: t.DType(), dims: slices.Clone(t.Shape().Dimensions)}
	t.MustConstFlatData(func(flat any) {
		var b []byte
		b, ok = floatBytes(flat)
		k.data = slices.Clone(b)
	})
	return k, ok
}

// matches reports whether t has k's dtype, shape and values, bit for bit.
func (k tensorKey) matches(t *tensors.Tensor) bool {
	if t == nil || k.absent {
		return t == nil && k.absent
	}
	if t.DType() != k.dtype || !slices.Equal(t.Shape().Dimensions, k.dims) {
		return false
	}
	same := false
	t.MustConstFlatData(func(flat any) {
		b, ok := floatBytes(flat)
		same = ok && bytes.Equal(b, k.data)
	})
	return same
}

// floatBytes views the values of a []float32 or []float64 as bytes (no copy).
func floatBytes(flat any) ([]byte, bool) {
	switch x := flat.(type) {
	case []float32:
		if len(x) == 0 {
			return []byte{}, true
		}
		return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), 4*len(x)), true
	case []float64:
		if len(x) == 0 {
			return []byte{}, true
		}
		return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), 8*len(x)), true
	}
	return nil, false
}

// kernelMasks is the mask side of the kernel path for one (B, G, R).
type kernelMasks struct {
	mask, gt, roi tensorKey
	gtIsMask      bool // the ground truth's key equals the mask's
	// usable is false when the kernel cannot reproduce the graph path for these
	// masks (a ROI with values other than 0 and 1).
	usable bool
	// notFinite, lo, hi: the checks of [maskChecks]; tot: the region totals.
	notFinite bool
	lo, hi    float64
	tot       regionTotals
	region    *regionMaps
	low       map[string]*maskLow // per feature spatial size, fmt.Sprint(sizes)
	ones      *tensors.Tensor     // the ROI of ones validate made for a nil roi (nil: none yet)
	// scratch: the dense path's worker buffers, kept for the next layer (the
	// units' workers; layerScratch the layer's, which may run beside them).
	scratch, layerScratch []*denseScratch
}

// maskLow is the mask side of the prototypes for one feature size: the graph
// values of [lowWeights], ready to feed the kernel's feature graphs.
type maskLow struct {
	objLow, bgLow, sumT, sumB *tensors.Tensor
	vals                      [4][]float32 // their values, for lowDirect (values)
}

// maskGraph returns [lowWeights] for the feature spatial size of carrier
// ([s...], values unused), then the diagnostics of [prepare] with the flag over
// mask, gt and roi only. Inputs are converted to float32, the kernel's dtype.
func (a *Analyzer) maskGraph(mask, gt, roi, carrier *Node) []*Node {
	mask, gt, roi = ConvertDType(mask, dtypes.Float32), ConvertDType(gt, dtypes.Float32), ConvertDType(roi, dtypes.Float32)
	notFinite, lo, hi, sumT, sumB, sumR := maskChecks(mask, gt, roi)
	gtR := Mul(binarize(gt), roi)
	object, background := regionWeights(mask, roi)
	objLow, bgLow, sumTW, sumBW := lowWeights(object, background, carrier.Shape().Dimensions, a.method)
	return []*Node{objLow, bgLow, sumTW, sumBW, notFinite, lo, hi, sumT, sumB, sumR, ReduceSum(gtR, spatialAxes(gtR)...)}
}

// kernelMasksFor returns the mask side for (mask, gt, roi) and the feature
// spatial sizes low, from the cache when the contents match; nil when the
// kernel cannot take these masks (not float, or a ROI not 0/1).
// full is the ROI as [validate] returns it (ones for a nil roi).
func (a *Analyzer) kernelMasksFor(name string, mask, gt, roi, full *tensors.Tensor, low []int) (*kernelMasks, *maskLow, error) {
	m := a.masks
	// gt passed as the mask (input separableness) is compared once, as the mask.
	sameGT := func() bool { return gt == mask && m.gtIsMask || m.gt.matches(gt) }
	if m == nil || !m.mask.matches(mask) || !sameGT() || !m.roi.matches(roi) {
		m = &kernelMasks{low: map[string]*maskLow{}}
		var okM, okG, okR bool
		m.mask, okM = newTensorKey(mask)
		m.gt, okG = newTensorKey(gt)
		m.roi, okR = newTensorKey(roi)
		if !okM || !okG || !okR {
			return nil, nil, nil
		}
		m.gtIsMask = m.gt.dtype == m.mask.dtype && slices.Equal(m.gt.dims, m.mask.dims) && bytes.Equal(m.gt.data, m.mask.data)
		m.region, m.usable = newRegionMaps(gt, roi)
		a.masks = m
	}
	if roi == nil {
		m.ones = full
	}
	if !m.usable {
		return nil, nil, nil
	}
	key := fmt.Sprint(low)
	if ml := m.low[key]; ml != nil {
		return m, ml, nil
	}
	outs, err := a.maskExec.Exec(mask, gt, full, tensors.FromShape(shapes.Make(dtypes.Float32, low...)))
	if err != nil {
		return nil, nil, fmt.Errorf("protoseg: %s: %w", name, err)
	}
	ml := &maskLow{objLow: outs[0], bgLow: outs[1], sumT: outs[2], sumB: outs[3]}
	m.notFinite = math.IsNaN(toFloat64(outs[4])[0]) || math.IsInf(toFloat64(outs[4])[0], 0)
	m.lo, m.hi = toFloat64(outs[5])[0], toFloat64(outs[6])[0]
	m.tot = regionTotals{toFloat64(outs[7]), toFloat64(outs[8]), toFloat64(outs[9]), toFloat64(outs[10])}
	m.low[key] = ml
	return m, ml, nil
}

// check returns the graph path's error, if any, for the feature f (float32)
// with bad NaN or Inf values, in the graph path's order: NaN or Inf in f, then
// in the masks, then mask values outside [0,1].
func (m *kernelMasks) check(name string, f *tensors.Tensor, bad int) error {
	if bad > 0 {
		return fmt.Errorf("protoseg: %s: feature shaped %s has %d NaN or Inf values", name, f.Shape(), bad)
	}
	if m.notFinite {
		return fmt.Errorf("protoseg: %s: the mask, ground truth or region has NaN or Inf values", name)
	}
	if m.lo < 0 || m.hi > 1 {
		return fmt.Errorf("protoseg: %s: mask, ground-truth or region values span [%g, %g], outside [0,1]", name, m.lo, m.hi)
	}
	return nil
}
