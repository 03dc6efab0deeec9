package protoseg

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
)

// Epsilon is added to both sides of the soft Dice, so that it stays finite (and
// differentiable) when both maps are empty. (The prototype denominators Σ B and
// Σ (1−B) are guarded by [safeDenominator] instead, which keeps the exact mean.)
const Epsilon = 1e-6

// tieTolerance is the relative difference below which two prototype components
// count as equal: a few units in the last place of the dtype.
func tieTolerance(dtype dtypes.DType) float64 {
	switch dtype {
	case dtypes.Float64:
		return 1e-12
	case dtypes.Float16, dtypes.BFloat16:
		return 1e-2
	}
	return 1e-5
}

// emptyLogit is the object logit assigned where a prototype is undefined: large
// enough that p_t saturates, small enough not to overflow float16/float32 math.
const emptyLogit = 1e4

// spatialAxes returns the axes 1…rank−1 of a mask shaped [N, spatial...].
func spatialAxes(mask *Node) []int {
	axes := make([]int, mask.Rank()-1)
	for i := range axes {
		axes[i] = i + 1
	}
	return axes
}

// regionWeights returns the object and background weights B·R and (1−B)·R of a
// mask B [N, spatial...] and an optional region of interest R (nil: everywhere).
func regionWeights(mask, roi *Node) (object, background *Node) {
	object, background = mask, OneMinus(mask)
	if roi != nil {
		object, background = Mul(object, roi), Mul(background, roi)
	}
	return object, background
}

// prototypes computes the object and background prototypes of f [N, s..., C] with
// weights given at the mask size [N, S...] (S may differ from s: the weights are
// then pulled down to f's size by the adjoint of the resize, which is exact because
// the resize is linear). It also returns the total weights Σ B·R and Σ (1−B)·R, [N].
func prototypes(f, object, background *Node, method ResizeMethod) (ct, cb, sumT, sumB *Node) {
	objLow, bgLow, sumT, sumB := lowWeights(object, background, f.Shape().Dimensions[1:f.Rank()-1], method)
	ct, cb = weightedMeans(f, objLow, bgLow, sumT, sumB)
	return ct, cb, sumT, sumB
}

// lowWeights is the mask half of [prototypes]: the weights B·R and (1−B)·R
// [N, S...] pulled down to the feature's spatial sizes by the adjoint of the
// resize, Uᵀ(B·R) and Uᵀ((1−B)·R) [N, s...], and their totals at the mask size, [N].
// It does not depend on the feature, so the kernel path computes it once per mask
// (kernelmasks.go).
func lowWeights(object, background *Node, fSizes []int, method ResizeMethod) (objLow, bgLow, sumT, sumB *Node) {
	axes := spatialAxes(object)
	sumT, sumB = ReduceSum(object, axes...), ReduceSum(background, axes...)
	objLow = resizeRotating(object, method, fSizes, true)
	bgLow = resizeRotating(background, method, fSizes, true)
	return objLow, bgLow, sumT, sumB
}

// weightedMeans is the feature half of [prototypes]: c = Σ_x w(x)·f(x, ·) / Σ w,
// [N, C], for the low-resolution weights of [lowWeights] (a total of 0 gives 0).
func weightedMeans(f, objLow, bgLow, sumT, sumB *Node) (ct, cb *Node) {
	axes := spatialAxes(objLow)
	// Σ_x w(x)·f(x, c) → [N, C], as a batched matrix product (no broadcast).
	weighted := func(w *Node) *Node {
		return DotGeneral(w, axes, []int{0}, f, axes, []int{0})
	}
	ct = Div(weighted(objLow), InsertAxes(safeDenominator(sumT), -1))
	cb = Div(weighted(bgLow), InsertAxes(safeDenominator(sumB), -1))
	return ct, cb
}

// safeDenominator returns x where x > 0 and 1 elsewhere: a weighted mean with total
// weight 0 becomes 0 instead of NaN, and its gradient stays finite, while non-empty
// regions keep the exact mean (no ε bias, so ties stay ties).
func safeDenominator(x *Node) *Node {
	return Where(GreaterThan(x, ScalarZero(x.Graph(), x.DType())), x, OnesLike(x))
}

// Prototypes returns the object prototype c_t and the background prototype c_b
// (paper Eq. 6), each [N, C], of a feature f [N, spatial..., C] under a mask B
// [N, spatial...] with values in [0,1] (binary or probabilistic):
//
//	c_t = Σ B·f / Σ B,   c_b = Σ (1−B)·f / Σ (1−B)
//
// restricted to the optional region of interest roi [N, spatial...] (nil: whole
// image). f must have the mask's spatial size (see [Resize]); Epsilon is added to the
// denominators, so an empty region gives a zero prototype instead of NaN.
func Prototypes(f, mask, roi *Node) (ct, cb *Node) {
	object, background := regionWeights(mask, roi)
	ct, cb, _, _ = prototypes(f, object, background, Bilinear)
	return ct, cb
}

// Distances returns the squared Euclidean distances d_t = Σ_c (f−c_t)² and
// d_b = Σ_c (f−c_b)², [N, spatial...], of every location of f [N, spatial..., C] to
// the prototypes c_t, c_b [N, C] (the distance D of paper Eq. 2–5).
func Distances(f, ct, cb *Node) (dt, db *Node) {
	k := f.Rank() - 2
	dt = ReduceSum(Square(Sub(f, overSpatial(ct, k))), -1)
	db = ReduceSum(Square(Sub(f, overSpatial(cb, k))), -1)
	return dt, db
}

// overSpatial inserts k unit axes after the batch axis of a per-image value
// ([N] or [N, C]), so that it broadcasts over k spatial axes.
func overSpatial(x *Node, k int) *Node {
	for range k {
		x = InsertAxes(x, 1)
	}
	return x
}

// linearLogit returns d_b − d_t in its linear form 2 f·(c_t−c_b) + ‖c_b‖² − ‖c_t‖²,
// summed over channels (perUnit false, [N, s...]) or per channel (perUnit true,
// [N, s..., C], the logit of each unit on its own).
func linearLogit(f, ct, cb *Node, perUnit bool) *Node {
	diff, sum := linearTerms(ct, cb, f.DType())
	return linearLogitOf(f, diff, sum, perUnit)
}

// linearLogitOf is [linearLogit] from the terms of [linearTerms] (the same ops
// on the same values: a graph that needs the terms too builds them once).
func linearLogitOf(f, diff, sum *Node, perUnit bool) *Node {
	k := f.Rank() - 2
	if perUnit {
		// Per channel: 2 f (c_t − c_b) + c_b² − c_t² = (c_t − c_b)·(2 f − c_t − c_b).
		return Mul(overSpatial(diff, k), Sub(MulScalar(f, 2), overSpatial(sum, k)))
	}
	// Σ_c 2 f·diff as a batched matrix product, minus Σ_c diff·(c_t + c_b).
	dot := DotGeneral(f, []int{f.Rank() - 1}, []int{0}, MulScalar(diff, 2), []int{1}, []int{0}) // [N, s...]
	bias := ReduceSum(Mul(diff, sum), -1)                                                       // [N]
	return Sub(dot, overSpatial(bias, k))
}

// linearTerms returns the per-unit terms of [linearLogit], [N, C]: diff = c_t − c_b,
// set to 0 where the two prototypes are equal up to rounding (a tie, not a
// random SAM decided by the last bit: constant "inertia" units hit this), and
// sum = c_t + c_b, so that unit k's logit is diff_k·(2 f_k − sum_k).
func linearTerms(ct, cb *Node, dtype dtypes.DType) (diff, sum *Node) {
	diff = Sub(ct, cb)
	tol := MulScalar(Add(Abs(ct), Abs(cb)), tieTolerance(dtype))
	diff = Where(LessOrEqual(Abs(diff), tol), ZerosLike(diff), diff)
	return diff, Add(ct, cb)
}

// applyEmptyConvention replaces the logit of images whose object (resp. background)
// region is empty by −emptyLogit (all background) (resp. +emptyLogit, all object).
// logit is [N, S...] or [N, S..., C].
func applyEmptyConvention(logit, sumT, sumB *Node) *Node {
	for sumT.Rank() < logit.Rank() {
		sumT, sumB = InsertAxes(sumT, -1), InsertAxes(sumB, -1)
	}
	zero := ScalarZero(logit.Graph(), logit.DType())
	big := ConstAs(logit, emptyLogit)
	shape := logit.Shape()
	logit = Where(BroadcastToShape(LessOrEqual(sumB, zero), shape), BroadcastToShape(big, shape), logit)
	logit = Where(BroadcastToShape(LessOrEqual(sumT, zero), shape), BroadcastToShape(Neg(big), shape), logit)
	return logit
}

// ObjectLogit returns d_b − d_t, the logit of the object probability p_t, at the
// mask's resolution [N, S...], for a feature f [N, s..., C] and a mask B [N, S...].
//
// When f is smaller (or larger) than the mask, the result equals ProtoSeg on f
// resized to the mask size with method, computed the cheap exact way (docs/design.md §6):
// prototypes of the resized f under B are the prototypes of f under the mask pulled
// down by the adjoint of the resize, and d_b − d_t = 2 f·(c_t−c_b) + ‖c_b‖² − ‖c_t‖²
// is linear in f, so only this one channel is resized.
//
// Where Σ B·R = 0 the logit is −1e4 (all background); where Σ (1−B)·R = 0 it is +1e4
// (all object). roi may be nil.
func ObjectLogit(f, mask, roi *Node, method ResizeMethod) *Node {
	return objectLogit(f, mask, roi, method, false)
}

// UnitLogits is [ObjectLogit] for every unit (channel) of f on its own, all C units
// in one call: the result [N, S..., C] holds at [..., k] the logit of ProtoSeg run on
// channel k alone, (c_t,k − c_b,k)·(2 f_k − c_t,k − c_b,k), resized to the mask size.
func UnitLogits(f, mask, roi *Node, method ResizeMethod) *Node {
	return objectLogit(f, mask, roi, method, true)
}

func objectLogit(f, mask, roi *Node, method ResizeMethod, perUnit bool) *Node {
	if f.Rank() != mask.Rank()+1 {
		panicf("protoseg: feature shaped %s must have one axis more (channels) than the mask shaped %s",
			f.Shape(), mask.Shape())
	}
	object, background := regionWeights(mask, roi)
	ct, cb, sumT, sumB := prototypes(f, object, background, method)
	logit := linearLogit(f, ct, cb, perUnit)
	maskSizes := mask.Shape().Dimensions[1:]
	if perUnit {
		logit = Resize(logit, method, maskSizes...)
	} else {
		logit = resizeRotating(logit, method, maskSizes, false)
	}
	return applyEmptyConvention(logit, sumT, sumB)
}

// unitLogitsUnitsFirst is [UnitLogits] laid out for analysis, [N, C, S...] (each
// unit's map contiguous), without the empty-region convention (the caller applies
// it from sumT and sumB, [N]).
func unitLogitsUnitsFirst(f, object, background *Node, method ResizeMethod) (logits, sumT, sumB *Node) {
	ct, cb, sumT, sumB := prototypes(f, object, background, method)
	logit := linearLogit(f, ct, cb, true) // [N, s..., C]
	return resizeRotating(logit, method, object.Shape().Dimensions[1:], false), sumT, sumB
}

// ObjectProbability returns p_t = softmax([−d_b, −d_t])[1] = sigmoid(d_b − d_t)
// [N, S...] (paper Eq. 5), the probability that each location of the mask belongs to
// the object, from the prototypes of f under mask (see [ObjectLogit]).
func ObjectProbability(f, mask, roi *Node, method ResizeMethod) *Node {
	return Sigmoid(ObjectLogit(f, mask, roi, method))
}

// SAM thresholds an object logit (or a probability minus 0.5) into the segmentation
// ability map S_f = [p_t > 0.5] = [d_t < d_b] (paper Eq. 7), as 0/1 values of the
// logit's dtype; ties are background. roi, when given, zeroes the SAM outside it.
func SAM(logit, roi *Node) *Node {
	s := ConvertDType(GreaterThan(logit, ScalarZero(logit.Graph(), logit.DType())), logit.DType())
	if roi != nil {
		if roi.Rank() < s.Rank() {
			roi = BroadcastToShape(InsertAxes(roi, -1), s.Shape())
		}
		s = Mul(s, roi)
	}
	return s
}

// SoftDice returns the soft Dice (2 Σ p·g + ε) / (Σ p + Σ g + ε) per image, [N], of a
// probability map p and a target g, both [N, S...], inside the optional roi. Two
// empty maps give 1.
func SoftDice(p, g, roi *Node) *Node {
	if roi != nil {
		p, g = Mul(p, roi), Mul(g, roi)
	}
	axes := spatialAxes(p)
	eps := ScalarOne(p.Graph(), p.DType())
	eps = MulScalar(eps, Epsilon)
	inter := ReduceSum(Mul(p, g), axes...)
	den := Add(ReduceSum(p, axes...), ReduceSum(g, axes...))
	return Div(Add(MulScalar(inter, 2), eps), Add(den, eps))
}

// Dice returns the Dice score 2|S∩G| / (|S|+|G|) (paper Eq. 8, the SA score when S is
// a SAM) of binary maps s and g. s is [N, S...] or, for units, [N, S..., C] (then
// the result is [N, C]); g is [N, S...]. Two empty maps score 1; an empty and a
// non-empty map score 0.
func Dice(s, g *Node) *Node {
	axes := spatialAxes(g)
	if s.Rank() > g.Rank() {
		g = BroadcastToShape(InsertAxes(g, -1), s.Shape())
	}
	inter := ReduceSum(Mul(s, g), axes...)
	den := Add(ReduceSum(s, axes...), ReduceSum(g, axes...))
	zero := ScalarZero(den.Graph(), den.DType())
	one := OnesLike(den)
	safe := Where(GreaterThan(den, zero), den, one)
	return Where(GreaterThan(den, zero), Div(MulScalar(inter, 2), safe), one)
}

// SALoss is the online-training term of one layer: the mean over the batch of
// 1 − SoftDice(p_t, g), where p_t comes from the prototypes of f under mask (stop the
// gradient through mask yourself when it is the network's own output). It is the
// soft, differentiable version of 1 − SA.
func SALoss(f, mask, g, roi *Node, method ResizeMethod) *Node {
	p := ObjectProbability(f, mask, roi, method)
	return OneMinus(ReduceAllMean(SoftDice(p, g, roi)))
}

// MeanSALoss is the mean of [SALoss] over the features fs (each [N, s..., C], of
// any spatial size s), computed the way online training needs it cheaply:
//
//   - the mask half of the prototypes (B·R and (1−B)·R pulled down by the adjoint
//     of the resize, and their totals) is built once per distinct feature size,
//     not once per feature;
//   - the empty-region convention is applied to the per-image soft Dice, [N],
//     instead of to the full-size logit: an empty object region gives p_t ≡ 0, so
//     SoftDice = ε / (Σ g·R + ε); an empty background region gives p_t ≡ 1, so
//     SoftDice = (2 Σ R·g·R + ε) / (Σ R + Σ g·R + ε) — the values [SALoss] gets
//     from its saturated logits ±1e4, with the same zero gradient.
//
// It equals the mean of SALoss over fs up to float rounding (TestMeanSALoss).
func MeanSALoss(fs []*Node, mask, g, roi *Node, method ResizeMethod) *Node {
	if len(fs) == 0 {
		panicf("protoseg.MeanSALoss: no features")
	}
	object, background := regionWeights(mask, roi)
	empty := emptySoftDice(mask, g, roi)
	low := make(map[string][4]*Node)
	var sum *Node
	for _, f := range fs {
		if f.Rank() != mask.Rank()+1 {
			panicf("protoseg.MeanSALoss: feature shaped %s must have one axis more (channels) than the mask shaped %s",
				f.Shape(), mask.Shape())
		}
		sizes := f.Shape().Dimensions[1 : f.Rank()-1]
		key := fmt.Sprint(sizes)
		w, ok := low[key]
		if !ok {
			objLow, bgLow, sumT, sumB := lowWeights(object, background, sizes, method)
			w = [4]*Node{objLow, bgLow, sumT, sumB}
			low[key] = w
		}
		ct, cb := weightedMeans(f, w[0], w[1], w[2], w[3])
		logit := resizeRotating(linearLogit(f, ct, cb, false), method, mask.Shape().Dimensions[1:], false)
		dice := empty.apply(SoftDice(Sigmoid(logit), g, roi), w[2], w[3])
		term := OneMinus(ReduceAllMean(dice))
		if sum == nil {
			sum = term
		} else {
			sum = Add(sum, term)
		}
	}
	return DivScalar(sum, float64(len(fs)))
}

// emptyDice holds the per-image soft Dice, [N], of the two saturated maps of the
// empty-region convention: p_t ≡ 0 (no object region) and p_t ≡ 1 (no
// background region).
type emptyDice struct{ noObject, noBackground *Node }

// emptySoftDice computes [emptyDice] for a mask, a target g and an optional roi.
func emptySoftDice(mask, g, roi *Node) emptyDice {
	ones := OnesLike(mask)
	return emptyDice{
		noObject:     SoftDice(ZerosLike(mask), g, roi),
		noBackground: SoftDice(ones, g, roi),
	}
}

// apply replaces the soft Dice of images whose object (sumT ≤ 0) or background
// (sumB ≤ 0) region is empty, in the order of [applyEmptyConvention] (an empty
// object region wins).
func (e emptyDice) apply(dice, sumT, sumB *Node) *Node {
	zero := ScalarZero(dice.Graph(), dice.DType())
	dice = Where(LessOrEqual(sumB, zero), e.noBackground, dice)
	return Where(LessOrEqual(sumT, zero), e.noObject, dice)
}
