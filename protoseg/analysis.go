package protoseg

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Analyzer runs ProtoSeg on batches of feature maps and returns plain Go results.
// It compiles one graph per distinct input shape and reuses it for every later batch
// of that shape (all 18 layers of a U-Net need 18 compilations at most, not one per
// image). An Analyzer is safe for use by one goroutine at a time.
type Analyzer struct {
	backend  backends.Backend
	method   ResizeMethod
	layer    *Exec
	units    *Exec
	unitSAMs *Exec
	lowExec  *Exec // the kernel path's feature graph (lowGraph) and mask graph
	maskExec *Exec
	unitPath UnitPath
	// metric scores every SAM against the ground truth (default Dice; metric_analyzer.go).
	metric Metric
	// taps caches the probed up-sampling of one axis per (feature size, mask
	// size); a nil entry marks one the unit kernel does not reproduce.
	taps map[[2]int]*axisTaps
	// masks is the kernel path's mask side for the last (B, G, R) (kernelmasks.go).
	masks *kernelMasks
	// lowProbed: per feature shape, whether lowDirect gives lowGraph's bits here
	// (lowDirectOK).
	lowProbed map[string]bool
	// lastUnitPath, lastLayerPath: the paths the last Units and Layer calls took,
	// lastHost whether the last feature side ran on the host (for tests).
	lastUnitPath, lastLayerPath UnitPath
	lastHost                    bool
	// inline: the dense kernel runs calls of fewer pixel decisions on the
	// calling goroutine (denseInline; 0 in VerifyUnitKernel, to test the workers).
	inline int
}

// UnitPath selects how [Analyzer.Units] computes the unit SAMs and
// [Analyzer.Layer] the layer SAMs. Both paths give bit-identical results; the
// kernel is the faster.
type UnitPath int

const (
	// UnitKernel is the default: the prototypes and the unit (or layer) logits
	// at the feature's size come from a small graph, and a plain-Go kernel
	// up-samples, thresholds and counts every unit without building the N·C
	// full-resolution maps (unitkernel.go); the mask side of the prototypes is
	// computed once per mask (kernelmasks.go). Where it cannot reproduce the graph path bit for bit
	// it takes the graph path instead: features that are not float32 or larger
	// than the mask along an axis, a ground truth or ROI that is not float, a ROI
	// with values other than 0 and 1, a unit logit beyond ±2¹²⁵, or a backend
	// whose interpolation product rounds in none of the known ways.
	UnitKernel UnitPath = iota
	// UnitGraph is the reference: one graph that up-samples every unit logit to
	// the mask size, thresholds and reduces it (for Layer: the layer graph).
	UnitGraph
)

// String implements fmt.Stringer.
func (p UnitPath) String() string {
	switch p {
	case UnitKernel:
		return "kernel"
	case UnitGraph:
		return "graph"
	}
	return fmt.Sprintf("UnitPath(%d)", int(p))
}

// SetUnitPath selects how Units and Layer compute the SAMs (default [UnitKernel]).
func (a *Analyzer) SetUnitPath(p UnitPath) { a.unitPath = p }

// LayerResult is ProtoSeg at layer level (all channels of the feature together) for
// a batch of N images.
type LayerResult struct {
	// Name of the feature, e.g. "layer07" or "input".
	Name string
	// Spatial is the mask's spatial shape (e.g. [H, W]); every map below is flat in
	// row-major order over it.
	Spatial []int
	// SA is the SA score of each image: Dice(S_f, G) (paper Eq. 8), or the
	// analyzer's [Metric] of S_f against G ([Analyzer.SetMetric]).
	SA []float64
	// SAM is the binary segmentation ability map S_f of each image (paper Eq. 7).
	SAM [][]uint8
	// EmptyObject / EmptyBackground report images whose mask had no object (resp.
	// no background) inside the region of interest: the SAM then is all background
	// (resp. all object) by convention (docs/design.md §1).
	EmptyObject, EmptyBackground []bool
}

// UnitResult is ProtoSeg at unit level: every channel of the feature on its own.
type UnitResult struct {
	// Name of the feature.
	Name string
	// Spatial is the mask's spatial shape.
	Spatial []int
	// SA[n][k] is the SA score of unit k on image n (the analyzer's [Metric]).
	SA [][]float64
	// HeatMap[n] is the mean over units of the binary unit SAMs of image n (Fig. 9).
	HeatMap [][]float32
	// SAMs[n][k] is the binary SAM of unit k on image n, one bit a pixel
	// (inside the ROI); only filled when asked for. The masks of an image
	// share memory (one array per image or per group of its units).
	SAMs [][]BitMask
	// EmptyObject / EmptyBackground as in [LayerResult].
	EmptyObject, EmptyBackground []bool
}

// NewAnalyzer returns an Analyzer that runs on backend and resizes features smaller
// than the mask with method.
func NewAnalyzer(backend backends.Backend, method ResizeMethod) (*Analyzer, error) {
	a := &Analyzer{backend: backend, method: method, taps: map[[2]int]*axisTaps{}, inline: denseInline}
	var err error
	if a.layer, err = NewExec(backend, a.layerGraph); err != nil {
		return nil, fmt.Errorf("protoseg: building layer analysis: %w", err)
	}
	if a.units, err = NewExec(backend, a.unitGraph(false)); err != nil {
		return nil, fmt.Errorf("protoseg: building unit analysis: %w", err)
	}
	if a.unitSAMs, err = NewExec(backend, a.unitGraph(true)); err != nil {
		return nil, fmt.Errorf("protoseg: building unit analysis: %w", err)
	}
	if a.lowExec, err = NewExec(backend, lowGraph); err != nil {
		return nil, fmt.Errorf("protoseg: building the analysis kernel's graph: %w", err)
	}
	if a.maskExec, err = NewExec(backend, a.maskGraph); err != nil {
		return nil, fmt.Errorf("protoseg: building mask analysis: %w", err)
	}
	for _, e := range []*Exec{a.layer, a.units, a.unitSAMs, a.lowExec, a.maskExec} {
		e.SetMaxCache(256)
	}
	return a, nil
}

// Method returns the resize method of the analyzer.
func (a *Analyzer) Method() ResizeMethod { return a.method }

// checks returns, for a feature f and mask/gt/roi as the analysis graphs get them,
// a flag that is NaN when any value of them is NaN or ±Inf (Σ (x − x) over all of
// them: two cheap passes instead of a count; [run] counts on the host only when the
// flag trips), the smallest and largest mask, gt and roi values, and the region
// totals Σ B·R, Σ (1−B)·R and Σ R per image.
func checks(f, mask, gt, roi *Node) (notFinite, lo, hi, sumT, sumB, sumR *Node) {
	notFinite, lo, hi, sumT, sumB, sumR = maskChecks(mask, gt, roi)
	return Add(ReduceAllSum(Sub(f, f)), notFinite), lo, hi, sumT, sumB, sumR
}

// maskChecks is [checks] without the feature: the flag covers mask, gt and roi.
func maskChecks(mask, gt, roi *Node) (notFinite, lo, hi, sumT, sumB, sumR *Node) {
	notFinite = ReduceAllSum(Sub(mask, mask))
	for _, x := range []*Node{gt, roi} {
		notFinite = Add(notFinite, ReduceAllSum(Sub(x, x)))
	}
	lo = Min(Min(ReduceAllMin(mask), ReduceAllMin(gt)), ReduceAllMin(roi))
	hi = Max(Max(ReduceAllMax(mask), ReduceAllMax(gt)), ReduceAllMax(roi))
	object, background := regionWeights(mask, roi)
	axes := spatialAxes(mask)
	return notFinite, lo, hi, ReduceSum(object, axes...), ReduceSum(background, axes...), ReduceSum(roi, axes...)
}

// binarize turns a 0/1 (or probabilistic) map into a binary one: > 0.5.
func binarize(x *Node) *Node {
	return ConvertDType(GreaterThan(x, ConstAs(x, 0.5)), x.DType())
}

// positive is 1 where x > 0 and 0 elsewhere (ties are background), in x's dtype: a
// comparison and a bool→float conversion, which on the cpu backend cost less than
// max(sign(x), 0) (BenchmarkFullAnalysis in package study).
func positive(x *Node) *Node {
	return ConvertDType(GreaterThan(x, ScalarZero(x.Graph(), x.DType())), x.DType())
}

const numDiagnostics = 7

// prepare converts the inputs of an analysis graph to f's dtype and runs the
// checks. It returns the region weights, the binarised ground truth inside the ROI,
// and the diagnostics, the tail of every analysis graph's outputs that [run] turns
// into errors and the empty-region convention. Non-finite features make [run]
// return an error, so whatever the graph computed from them is never used.
func prepare(f, mask, gt, roi *Node) (object, background, gtR, roiF *Node, diag []*Node) {
	mask, gt, roi = ConvertDType(mask, f.DType()), ConvertDType(gt, f.DType()), ConvertDType(roi, f.DType())
	notFinite, lo, hi, sumT, sumB, sumR := checks(f, mask, gt, roi)
	gtR = Mul(binarize(gt), roi)
	diag = []*Node{notFinite, lo, hi, sumT, sumB, sumR, ReduceSum(gtR, spatialAxes(gtR)...)}
	object, background = regionWeights(mask, roi)
	return object, background, gtR, roi, diag
}

// layerGraph returns the SAM (inside the ROI, uint8) and its overlap and size
// per image, then the diagnostics. The empty-region convention is applied in Go.
func (a *Analyzer) layerGraph(f, mask, gt, roi *Node) []*Node {
	object, background, gtR, roi, diag := prepare(f, mask, gt, roi)
	ct, cb, _, _ := prototypes(f, object, background, a.method)
	logit := resizeRotating(linearLogit(f, ct, cb, false), a.method, mask.Shape().Dimensions[1:], false)
	sam := Mul(positive(logit), roi)
	axes := spatialAxes(sam)
	inter, size := ReduceSum(Mul(sam, gtR), axes...), ReduceSum(sam, axes...)
	return append([]*Node{inter, size, ConvertDType(sam, dtypes.Uint8)}, diag...)
}

// unitGraph returns, per image and unit, the overlap and size of the unit SAMs
// (inside the ROI), the heat-map, and, with keep, the unit SAMs [N, C, S...] as
// uint8; then the diagnostics. At full resolution it only thresholds and reduces:
// overlaps and sizes are matrix products, so no C-channel broadcast is made.
func (a *Analyzer) unitGraph(keep bool) func(f, mask, gt, roi *Node) []*Node {
	return func(f, mask, gt, roi *Node) []*Node {
		object, background, gtR, roi, diag := prepare(f, mask, gt, roi)
		logits, _, _ := unitLogitsUnitsFirst(f, object, background, a.method) // [N, C, S...]
		n, c := logits.Shape().Dimensions[0], logits.Shape().Dimensions[1]
		pixels := gtR.Shape().Size() / n
		sams := positive(logits)
		flat := Reshape(sams, n, c, pixels)
		gtFlat, roiFlat := Reshape(gtR, n, pixels), Reshape(roi, n, pixels)
		// Overlaps and sizes in one pass over the SAMs: [N, C, P] · [N, P, 2] → [N, C, 2].
		targets := Stack([]*Node{gtFlat, roiFlat}, -1)
		both := DotGeneral(flat, []int{2}, []int{0}, targets, []int{1}, []int{0})
		inter := Squeeze(SliceAxis(both, -1, AxisElem(0)), -1)                  // [N, C]
		size := Squeeze(SliceAxis(both, -1, AxisElem(1)), -1)                   // [N, C]
		heat := ConvertDType(Mul(ReduceMean(flat, 1), roiFlat), dtypes.Float32) // [N, P]
		outs := []*Node{inter, size, heat}
		if keep {
			outs = append(outs, ConvertDType(Mul(flat, InsertAxes(roiFlat, 1)), dtypes.Uint8))
		}
		return append(outs, diag...)
	}
}

// validate checks the shapes of an analysis call and returns the ROI to use (ones
// when roi is nil).
func validate(name string, f, mask, gt, roi *tensors.Tensor) (*tensors.Tensor, error) {
	if f == nil || mask == nil || gt == nil {
		return nil, fmt.Errorf("protoseg: %s: feature, mask and ground truth are required", name)
	}
	fs, ms, gs := f.Shape(), mask.Shape(), gt.Shape()
	if !fs.DType.IsFloat() {
		return nil, fmt.Errorf("protoseg: %s: feature must be float, got %s", name, fs)
	}
	if fs.Rank() < 3 || fs.Rank() != ms.Rank()+1 {
		return nil, fmt.Errorf("protoseg: %s: feature shaped %s must be [N, spatial..., C] with one axis more than the mask shaped %s",
			name, fs, ms)
	}
	if fs.Dimensions[0] != ms.Dimensions[0] {
		return nil, fmt.Errorf("protoseg: %s: feature batch %d != mask batch %d", name, fs.Dimensions[0], ms.Dimensions[0])
	}
	if !slices.Equal(ms.Dimensions, gs.Dimensions) {
		return nil, fmt.Errorf("protoseg: %s: mask shaped %s and ground truth shaped %s differ", name, ms, gs)
	}
	for i, d := range fs.Dimensions {
		if d == 0 {
			return nil, fmt.Errorf("protoseg: %s: feature shaped %s has an empty axis %d", name, fs, i)
		}
	}
	if roi == nil { // everywhere; the graphs convert it to the feature's dtype
		roi = tensors.FromShape(shapes.Make(dtypes.Float32, ms.Dimensions...))
		tensors.MustMutableFlatData(roi, func(x []float32) {
			for i := range x {
				x[i] = 1
			}
		})
	} else if !slices.Equal(roi.Shape().Dimensions, ms.Dimensions) {
		return nil, fmt.Errorf("protoseg: %s: region of interest shaped %s differs from the mask shaped %s",
			name, roi.Shape(), ms)
	}
	return roi, nil
}

// regionTotals are the per-image totals the analysis graphs report beside their
// results: Σ B·R, Σ (1−B)·R, Σ R and Σ G·R.
type regionTotals struct {
	object, background, roi, gt []float64
}

// run executes one of the analysis graphs and checks its diagnostics, which are the
// last numDiagnostics outputs.
func run(exec *Exec, name string, f, mask, gt, roi *tensors.Tensor) (outs []*tensors.Tensor, tot regionTotals, err error) {
	roi, err = validate(name, f, mask, gt, roi)
	if err != nil {
		return nil, tot, err
	}
	outs, err = exec.Exec(f, mask, gt, roi)
	if err != nil {
		return nil, tot, fmt.Errorf("protoseg: %s: %w", name, err)
	}
	k := len(outs) - numDiagnostics
	if flag := toFloat64(outs[k])[0]; math.IsNaN(flag) || math.IsInf(flag, 0) {
		if n := countNonFinite(f); n > 0 {
			return nil, tot, fmt.Errorf("protoseg: %s: feature shaped %s has %d NaN or Inf values", name, f.Shape(), n)
		}
		return nil, tot, fmt.Errorf("protoseg: %s: the mask, ground truth or region has NaN or Inf values", name)
	}
	if lo, hi := toFloat64(outs[k+1])[0], toFloat64(outs[k+2])[0]; lo < 0 || hi > 1 {
		return nil, tot, fmt.Errorf("protoseg: %s: mask, ground-truth or region values span [%g, %g], outside [0,1]", name, lo, hi)
	}
	tot = regionTotals{toFloat64(outs[k+3]), toFloat64(outs[k+4]), toFloat64(outs[k+5]), toFloat64(outs[k+6])}
	return outs[:k], tot, nil
}

// score applies the empty-region convention (docs/design.md §1) and returns the
// count metric m ([Metric]) of a SAM with overlap inter and size size against the
// ground truth of image i; fill reports what the SAM must be replaced by: 0
// (keep), −1 (all background), +1 (all object inside the ROI). A map metric
// gives NaN here; the caller scores the maps (scoreLayerMaps,
// scoreUnitMaps).
func (t regionTotals) score(m Metric, i int, inter, size float64) (sa float64, fill int) {
	switch {
	case t.object[i] <= 0:
		inter, size, fill = 0, 0, -1
	case t.background[i] <= 0:
		inter, size, fill = t.gt[i], t.roi[i], 1
	}
	return m.fromTotals(inter, size, t.gt[i], t.roi[i]), fill
}

// countNonFinite counts the NaN and ±Inf values of a float tensor (on the host;
// only called when the graph's cheap check found one).
func countNonFinite(t *tensors.Tensor) int {
	n := 0
	for _, v := range toFloat64(t) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			n++
		}
	}
	return n
}

func toFloat64(t *tensors.Tensor) []float64 {
	var out []float64
	t.MustConstFlatData(func(flat any) {
		switch x := flat.(type) {
		case []float64:
			out = append([]float64(nil), x...)
		case []float32:
			out = make([]float64, len(x))
			for i, v := range x {
				out[i] = float64(v)
			}
		}
	})
	return out
}

// Layer runs ProtoSeg at layer level: prototypes of feature f [N, s..., C] under mask
// B [N, S...] (values in [0,1]; the network's output for the paper's layer SA, the
// ground truth for input separableness), the SAM at the mask's size, and its SA score
// against the ground truth gt [N, S...] (binarised at 0.5). roi [N, S...] restricts
// prototypes and score to a region; nil means the whole image. Features smaller than
// the mask are resized with the analyzer's method (exactly, via docs/design.md §6).
//
// name labels errors and the result. NaN or Inf in f, or mask values outside [0,1],
// are errors.
func (a *Analyzer) Layer(name string, f, mask, gt, roi *tensors.Tensor) (*LayerResult, error) {
	res, err := a.layerOnPath(name, f, mask, gt, roi)
	if err != nil {
		return nil, err
	}
	if a.metric.NeedsMaps() {
		if err := a.scoreLayerMaps(res, f, gt, roi); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// layerOnPath is Layer by count, on the analyzer's [UnitPath].
func (a *Analyzer) layerOnPath(name string, f, mask, gt, roi *tensors.Tensor) (*LayerResult, error) {
	p, err := a.prepareOnPath(name, f, mask, gt, roi)
	if err != nil {
		return nil, err
	}
	return a.layerWith(p, name, f, mask, gt, roi)
}

// prepareOnPath is prepareKernel on the kernel path, nil on the graph path.
func (a *Analyzer) prepareOnPath(name string, f, mask, gt, roi *tensors.Tensor) (*kernelPrep, error) {
	if a.unitPath != UnitKernel {
		return nil, nil
	}
	return a.prepareKernel(name, f, mask, gt, roi)
}

// layerWith is Layer by count: on the unit kernel from p when p is non-nil
// and the kernel can, else on the graph path.
func (a *Analyzer) layerWith(p *kernelPrep, name string, f, mask, gt, roi *tensors.Tensor) (*LayerResult, error) {
	if p != nil {
		if res := a.layerKernel(p, name); res != nil {
			a.lastLayerPath = UnitKernel
			return res, nil
		}
	}
	a.lastLayerPath = UnitGraph
	outs, tot, err := run(a.layer, name, f, mask, gt, roi)
	if err != nil {
		return nil, err
	}
	inter, size := toFloat64(outs[0]), toFloat64(outs[1])
	return a.finishLayer(name, mask, roi, inter, size, splitUint8(outs[2], len(inter)), tot), nil
}

// finishLayer assembles a LayerResult from the per-image overlaps, sizes and
// SAMs, applying the empty-region convention.
func (a *Analyzer) finishLayer(name string, mask, roi *tensors.Tensor, inter, size []float64, sam [][]uint8, tot regionTotals) *LayerResult {
	n := len(inter)
	res := &LayerResult{Name: name, Spatial: slices.Clone(mask.Shape().Dimensions[1:]),
		SA: make([]float64, n), SAM: sam, EmptyObject: make([]bool, n), EmptyBackground: make([]bool, n)}
	for i := range n {
		var fill int
		res.SA[i], fill = tot.score(a.metric, i, inter[i], size[i])
		res.EmptyObject[i], res.EmptyBackground[i] = fill < 0, fill > 0
		if fill != 0 {
			fillMap(res.SAM[i], fill, roi, i)
		}
	}
	return res
}

// fillMap overwrites a SAM by the empty-region convention: all background
// (fill < 0) or all object inside the ROI of image i (fill > 0; nil ROI: everywhere).
func fillMap(m []uint8, fill int, roi *tensors.Tensor, i int) {
	var r []float64
	if fill > 0 && roi != nil {
		r = toFloat64(roi)[i*len(m) : (i+1)*len(m)]
	}
	for p := range m {
		m[p] = 0
		if fill > 0 && (r == nil || r[p] > 0.5) {
			m[p] = 1
		}
	}
}

// Units runs ProtoSeg on every unit (channel) of f on its own; arguments as in
// [Analyzer.Layer]. With keepSAMs the binary SAM of every unit is returned too (N·C
// maps). The analyzer's [UnitPath] selects how (by default the unit kernel); the
// result is the same bit for bit. A map metric ([Metric.NeedsMaps]) makes every
// unit SAM for scoring, kept or not.
func (a *Analyzer) Units(name string, f, mask, gt, roi *tensors.Tensor, keepSAMs bool) (*UnitResult, error) {
	if !a.metric.NeedsMaps() {
		return a.unitsOnPath(name, f, mask, gt, roi, keepSAMs)
	}
	res, err := a.unitsOnPath(name, f, mask, gt, roi, true)
	if err != nil {
		return nil, err
	}
	if err := a.scoreUnitMaps(res, f, gt, roi, keepSAMs); err != nil {
		return nil, err
	}
	return res, nil
}

// unitsOnPath is Units by count, on the analyzer's [UnitPath].
func (a *Analyzer) unitsOnPath(name string, f, mask, gt, roi *tensors.Tensor, keepSAMs bool) (*UnitResult, error) {
	p, err := a.prepareOnPath(name, f, mask, gt, roi)
	if err != nil {
		return nil, err
	}
	return a.unitsWith(p, name, f, mask, gt, roi, keepSAMs)
}

// unitsWith is Units by count: on the unit kernel from p when p is non-nil
// and the kernel can, else on the graph path.
func (a *Analyzer) unitsWith(p *kernelPrep, name string, f, mask, gt, roi *tensors.Tensor, keepSAMs bool) (*UnitResult, error) {
	if p != nil {
		if res := a.unitsKernel(p, name, keepSAMs); res != nil {
			a.lastUnitPath = UnitKernel
			return res, nil
		}
	}
	a.lastUnitPath = UnitGraph
	return a.unitsGraph(name, f, mask, gt, roi, keepSAMs)
}

// LayerUnits is [Analyzer.Layer] and [Analyzer.Units] of one feature under one
// mask and ground truth: the same results as the two calls, bit for bit, for
// about the cost of Units alone. On the kernel path the two share their checks and
// the feature side (prototypes, per-unit terms and layer logit), which the two
// calls would each compute, and the layer's kernel runs beside the units'.
func (a *Analyzer) LayerUnits(name string, f, mask, gt, roi *tensors.Tensor, keepSAMs bool) (*LayerResult, *UnitResult, error) {
	maps := a.metric.NeedsMaps()
	p, err := a.prepareOnPath(name, f, mask, gt, roi)
	if err != nil {
		return nil, nil, err
	}
	var lr *LayerResult
	var wg sync.WaitGroup
	if p != nil { // the layer's kernel beside the units' (their buffers are apart)
		wg.Go(func() { lr = a.layerKernel(p, name) })
	}
	ur, err := a.unitsWith(p, name, f, mask, gt, roi, keepSAMs || maps)
	wg.Wait()
	if err != nil {
		return nil, nil, err
	}
	if lr != nil {
		a.lastLayerPath = UnitKernel
	} else if lr, err = a.layerWith(nil, name, f, mask, gt, roi); err != nil { // the graph path
		return nil, nil, err
	}
	if maps {
		if err := a.scoreLayerMaps(lr, f, gt, roi); err != nil {
			return nil, nil, err
		}
		if err := a.scoreUnitMaps(ur, f, gt, roi, keepSAMs); err != nil {
			return nil, nil, err
		}
	}
	return lr, ur, nil
}

// unitsGraph is Units on the graph path (unitGraph), all units in one graph call.
func (a *Analyzer) unitsGraph(name string, f, mask, gt, roi *tensors.Tensor, keepSAMs bool) (*UnitResult, error) {
	exec := a.units
	if keepSAMs {
		exec = a.unitSAMs
	}
	outs, tot, err := run(exec, name, f, mask, gt, roi)
	if err != nil {
		return nil, err
	}
	n, c := f.Shape().Dimensions[0], f.Shape().Dimensions[f.Rank()-1]
	var sams []BitMask
	if keepSAMs {
		sams = packUint8(outs[3], n*c)
	}
	heat := tensors.MustCopyFlatData[float32](outs[2])
	return finishUnits(a.metric, name, mask, roi, c, toFloat64(outs[0]), toFloat64(outs[1]), heat, sams, tot), nil
}

// finishUnits assembles a UnitResult from the per image and unit overlaps and
// sizes [N·C], the heat-maps [N·P] and the SAMs (N·C maps, or nil), applying the
// empty-region convention.
func finishUnits(m Metric, name string, mask, roi *tensors.Tensor, c int, inter, size []float64, heat []float32, sams []BitMask, tot regionTotals) *UnitResult {
	n := mask.Shape().Dimensions[0]
	res := &UnitResult{Name: name, Spatial: slices.Clone(mask.Shape().Dimensions[1:]),
		SA: make([][]float64, n), HeatMap: make([][]float32, n), EmptyObject: make([]bool, n), EmptyBackground: make([]bool, n)}
	if sams != nil {
		res.SAMs = make([][]BitMask, n)
	}
	pixels := len(heat) / n
	for i := range n {
		res.SA[i] = make([]float64, c)
		var fill int
		for k := range c {
			res.SA[i][k], fill = tot.score(m, i, inter[i*c+k], size[i*c+k])
		}
		res.EmptyObject[i], res.EmptyBackground[i] = fill < 0, fill > 0
		res.HeatMap[i] = heat[i*pixels : (i+1)*pixels : (i+1)*pixels]
		if sams != nil {
			res.SAMs[i] = sams[i*c : (i+1)*c]
		}
		if fill != 0 {
			m := make([]uint8, pixels)
			fillMap(m, fill, roi, i)
			for p, v := range m {
				res.HeatMap[i][p] = float32(v)
			}
			if sams != nil {
				b := PackBits(m)
				for _, s := range res.SAMs[i] {
					copy(s.bits, b.bits)
				}
			}
		}
	}
	return res
}

// splitUint8 copies a uint8 tensor and splits it into parts equal maps.
func splitUint8(t *tensors.Tensor, parts int) [][]uint8 {
	var out [][]uint8
	tensors.MustConstFlatData(t, func(x []uint8) {
		all := slices.Clone(x)
		size := len(all) / parts
		out = make([][]uint8, parts)
		for i := range parts {
			out[i] = all[i*size : (i+1)*size : (i+1)*size]
		}
	})
	return out
}

// packUint8 packs a uint8 tensor of 0/1 values into parts equal BitMasks,
// one array for all.
func packUint8(t *tensors.Tensor, parts int) []BitMask {
	var out []BitMask
	tensors.MustConstFlatData(t, func(x []uint8) {
		size := len(x) / parts
		stride := bitBytes(size)
		all := make([]byte, parts*stride)
		out = make([]BitMask, parts)
		for i := range parts {
			b := all[i*stride : (i+1)*stride : (i+1)*stride]
			packInto(b, x[i*size:(i+1)*size])
			out[i] = BitMask{bits: b, n: size}
		}
	})
	return out
}

// BinaryMaps splits a float tensor [N, spatial...] of 0/1 (or probabilistic)
// values into N binary maps, object where the value is > 0.5 — e.g. a network's
// output mask B, ready for [DiceScore].
func BinaryMaps(t *tensors.Tensor) [][]uint8 {
	vals := toFloat64(t)
	n := t.Shape().Dimensions[0]
	size := len(vals) / max(n, 1)
	out := make([][]uint8, n)
	for i := range out {
		m := make([]uint8, size)
		for p, v := range vals[i*size : (i+1)*size] {
			if v > 0.5 {
				m[p] = 1
			}
		}
		out[i] = m
	}
	return out
}

// DiceScore returns the Dice score 2|S∩G| / (|S|+|G|) of two binary maps (nonzero is
// object). Two empty maps score 1, an empty and a non-empty map 0. It returns an
// error when the lengths differ.
func DiceScore(s, g []uint8) (float64, error) {
	if len(s) != len(g) {
		return 0, fmt.Errorf("protoseg: Dice of maps with %d and %d values", len(s), len(g))
	}
	var inter, sum int
	for i := range s {
		a, b := s[i] != 0, g[i] != 0
		if a {
			sum++
		}
		if b {
			sum++
		}
		if a && b {
			inter++
		}
	}
	if sum == 0 {
		return 1, nil
	}
	return 2 * float64(inter) / float64(sum), nil
}
