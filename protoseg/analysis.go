package protoseg

import (
	"fmt"
	"slices"

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
	method ResizeMethod
	layer  *Exec
	units  *Exec
}

// LayerResult is ProtoSeg at layer level (all channels of the feature together) for
// a batch of N images.
type LayerResult struct {
	// Name of the feature, e.g. "layer07" or "input".
	Name string
	// Spatial is the mask's spatial shape (e.g. [H, W]); every map below is flat in
	// row-major order over it.
	Spatial []int
	// SA is the SA score Dice(S_f, G) of each image (paper Eq. 8).
	SA []float64
	// SAM is the binary segmentation ability map S_f of each image (paper Eq. 7).
	SAM [][]uint8
	// EmptyObject / EmptyBackground report images whose mask had no object (resp.
	// no background) inside the region of interest: the SAM then is all background
	// (resp. all object) by convention (DESIGN §1).
	EmptyObject, EmptyBackground []bool
}

// UnitResult is ProtoSeg at unit level: every channel of the feature on its own.
type UnitResult struct {
	// Name of the feature.
	Name string
	// Spatial is the mask's spatial shape.
	Spatial []int
	// SA[n][k] is the SA score of unit k on image n.
	SA [][]float64
	// HeatMap[n] is the mean over units of the binary unit SAMs of image n (Fig. 9).
	HeatMap [][]float32
	// SAMs[n][k] is the binary SAM of unit k on image n; only filled when asked for.
	SAMs [][][]uint8
	// EmptyObject / EmptyBackground as in [LayerResult].
	EmptyObject, EmptyBackground []bool
}

// NewAnalyzer returns an Analyzer that runs on backend and resizes features smaller
// than the mask with method.
func NewAnalyzer(backend backends.Backend, method ResizeMethod) (*Analyzer, error) {
	a := &Analyzer{method: method}
	var err error
	a.layer, err = NewExec(backend, a.layerGraph)
	if err != nil {
		return nil, fmt.Errorf("protoseg: building layer analysis: %w", err)
	}
	a.units, err = NewExec(backend, a.unitGraph)
	if err != nil {
		return nil, fmt.Errorf("protoseg: building unit analysis: %w", err)
	}
	a.layer.SetMaxCache(256)
	a.units.SetMaxCache(256)
	return a, nil
}

// Method returns the resize method of the analyzer.
func (a *Analyzer) Method() ResizeMethod { return a.method }

// checks returns, for a feature f and mask/gt/roi as the analysis graphs get them,
// the number of non-finite feature values, the number of mask, gt or roi values outside
// [0,1], and the region totals Σ B·R and Σ (1−B)·R per image.
func checks(f, mask, gt, roi *Node) (nonFinite, outOfRange, sumT, sumB *Node) {
	nonFinite = ReduceAllSum(ConvertDType(LogicalNot(IsFinite(f)), dtypes.Int32))
	bad := func(x *Node) *Node {
		zero, one := ScalarZero(x.Graph(), x.DType()), ScalarOne(x.Graph(), x.DType())
		out := LogicalNot(LogicalAnd(GreaterOrEqual(x, zero), LessOrEqual(x, one)))
		return ReduceAllSum(ConvertDType(out, dtypes.Int32))
	}
	outOfRange = Add(Add(bad(mask), bad(gt)), bad(roi))
	object, background := regionWeights(mask, roi)
	axes := spatialAxes(mask)
	return nonFinite, outOfRange, ReduceSum(object, axes...), ReduceSum(background, axes...)
}

// binarize turns a 0/1 (or probabilistic) map into a binary one: > 0.5.
func binarize(x *Node) *Node {
	return ConvertDType(GreaterThan(x, ConstAs(x, 0.5)), x.DType())
}

func (a *Analyzer) layerGraph(f, mask, gt, roi *Node) []*Node {
	mask, gt, roi = ConvertDType(mask, f.DType()), ConvertDType(gt, f.DType()), ConvertDType(roi, f.DType())
	nonFinite, outOfRange, sumT, sumB := checks(f, mask, gt, roi)
	// Replace non-finite values so that the graph itself never produces NaN; the
	// count above turns them into an error.
	f = Where(IsFinite(f), f, ZerosLike(f))
	sam := SAM(ObjectLogit(f, mask, roi, a.method), roi)
	sa := Dice(sam, Mul(binarize(gt), roi))
	return []*Node{sa, ConvertDType(sam, dtypes.Uint8), nonFinite, outOfRange, sumT, sumB}
}

func (a *Analyzer) unitGraph(f, mask, gt, roi *Node) []*Node {
	mask, gt, roi = ConvertDType(mask, f.DType()), ConvertDType(gt, f.DType()), ConvertDType(roi, f.DType())
	nonFinite, outOfRange, sumT, sumB := checks(f, mask, gt, roi)
	f = Where(IsFinite(f), f, ZerosLike(f))
	sams := SAM(UnitLogits(f, mask, roi, a.method), roi) // [N, S..., C]
	sa := Dice(sams, Mul(binarize(gt), roi))             // [N, C]
	heat := ConvertDType(ReduceMean(sams, -1), dtypes.Float32)
	// Units first: [N, C, S...], so that each unit's SAM is contiguous.
	perm := []int{0, sams.Rank() - 1}
	for a := 1; a < sams.Rank()-1; a++ {
		perm = append(perm, a)
	}
	samsT := ConvertDType(TransposeAllAxes(sams, perm...), dtypes.Uint8)
	return []*Node{sa, heat, samsT, nonFinite, outOfRange, sumT, sumB}
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
	if roi == nil {
		roi = tensors.FromShape(shapes.Make(fs.DType, ms.Dimensions...))
		switch fs.DType {
		case dtypes.Float64:
			tensors.MustMutableFlatData(roi, func(x []float64) {
				for i := range x {
					x[i] = 1
				}
			})
		default:
			roi = tensors.FromShape(shapes.Make(dtypes.Float32, ms.Dimensions...))
			tensors.MustMutableFlatData(roi, func(x []float32) {
				for i := range x {
					x[i] = 1
				}
			})
		}
	} else if !slices.Equal(roi.Shape().Dimensions, ms.Dimensions) {
		return nil, fmt.Errorf("protoseg: %s: region of interest shaped %s differs from the mask shaped %s",
			name, roi.Shape(), ms)
	}
	return roi, nil
}

// run executes one of the analysis graphs and checks its diagnostics, which are the
// last four outputs.
func run(exec *Exec, name string, f, mask, gt, roi *tensors.Tensor) (outs []*tensors.Tensor, emptyT, emptyB []bool, err error) {
	roi, err = validate(name, f, mask, gt, roi)
	if err != nil {
		return nil, nil, nil, err
	}
	outs, err = exec.Exec(f, mask, gt, roi)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("protoseg: %s: %w", name, err)
	}
	k := len(outs) - 4
	if n := tensors.ToScalar[int32](outs[k]); n > 0 {
		return nil, nil, nil, fmt.Errorf("protoseg: %s: feature shaped %s has %d NaN or Inf values", name, f.Shape(), n)
	}
	if n := tensors.ToScalar[int32](outs[k+1]); n > 0 {
		return nil, nil, nil, fmt.Errorf("protoseg: %s: %d mask, ground-truth or region values lie outside [0,1]", name, n)
	}
	emptyT = flags(outs[k+2])
	emptyB = flags(outs[k+3])
	return outs[:k], emptyT, emptyB, nil
}

// flags returns, per image, whether a region total is zero.
func flags(sums *tensors.Tensor) []bool {
	v := toFloat64(sums)
	out := make([]bool, len(v))
	for i, s := range v {
		out[i] = s <= 0
	}
	return out
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
// the mask are resized with the analyzer's method (exactly, via DESIGN §6).
//
// name labels errors and the result. NaN or Inf in f, or mask values outside [0,1],
// are errors.
func (a *Analyzer) Layer(name string, f, mask, gt, roi *tensors.Tensor) (*LayerResult, error) {
	outs, emptyT, emptyB, err := run(a.layer, name, f, mask, gt, roi)
	if err != nil {
		return nil, err
	}
	spatial := slices.Clone(mask.Shape().Dimensions[1:])
	res := &LayerResult{Name: name, Spatial: spatial, SA: toFloat64(outs[0]), EmptyObject: emptyT, EmptyBackground: emptyB}
	res.SAM = splitUint8(outs[1], len(res.SA))
	return res, nil
}

// Units runs ProtoSeg on every unit (channel) of f on its own, all units in one
// graph call; arguments as in [Analyzer.Layer]. With keepSAMs the binary SAM of every
// unit is returned too (N·C maps).
func (a *Analyzer) Units(name string, f, mask, gt, roi *tensors.Tensor, keepSAMs bool) (*UnitResult, error) {
	outs, emptyT, emptyB, err := run(a.units, name, f, mask, gt, roi)
	if err != nil {
		return nil, err
	}
	n, c := f.Shape().Dimensions[0], f.Shape().Dimensions[f.Rank()-1]
	res := &UnitResult{Name: name, Spatial: slices.Clone(mask.Shape().Dimensions[1:]), EmptyObject: emptyT, EmptyBackground: emptyB}
	sa := toFloat64(outs[0])
	res.SA = make([][]float64, n)
	for i := range n {
		res.SA[i] = sa[i*c : (i+1)*c]
	}
	tensors.MustConstFlatData(outs[1], func(x []float32) {
		hw := len(x) / n
		res.HeatMap = make([][]float32, n)
		for i := range n {
			res.HeatMap[i] = slices.Clone(x[i*hw : (i+1)*hw])
		}
	})
	if keepSAMs {
		all := splitUint8(outs[2], n*c)
		res.SAMs = make([][][]uint8, n)
		for i := range n {
			res.SAMs[i] = all[i*c : (i+1)*c]
		}
	}
	return res, nil
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
