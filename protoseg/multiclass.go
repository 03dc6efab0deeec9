package protoseg

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
)

// MultiClassLogits extends ProtoSeg beyond the paper to K classes, one prototype
// per class: for a feature f [N, s..., C] and soft class masks M [N, S..., K] (e.g.
// one-hot labels, or the softmax of a multi-class network), c_k = Σ M_k·f / Σ M_k,
// and the class logits are −d_k up to a per-location constant,
//
//	logit_k = 2 f·c_k − ‖c_k‖²   (−d_k = logit_k − ‖f‖², and ‖f‖² is the same for all k),
//
// so softmax over k gives p_k = softmax(−d)_k and argmax gives the multi-class SAM.
// As in the binary case the logits are linear in f: a feature smaller than the masks
// is handled exactly by pulling the masks down with the adjoint of the resize and
// up-sampling K channels instead of C. With K = 2 and M = [1−B, B],
// logit_1 − logit_0 equals [ObjectLogit]. A class with no weight gets logit −1e4
// everywhere. The result is [N, S..., K]; roi (nil: everywhere) restricts the
// prototypes.
func MultiClassLogits(f, masks, roi *Node, method ResizeMethod) *Node {
	if f.Rank() != masks.Rank() {
		panicf("protoseg: feature shaped %s and class masks shaped %s must have the same rank", f.Shape(), masks.Shape())
	}
	spatialRank := masks.Rank() - 2
	if roi != nil {
		masks = Mul(masks, InsertAxes(roi, -1))
	}
	axes := make([]int, spatialRank)
	for i := range axes {
		axes[i] = i + 1
	}
	sums := ReduceSum(masks, axes...) // [N, K]
	fSizes := f.Shape().Dimensions[1 : f.Rank()-1]
	low := resizeAxes(masks, 1, method, fSizes, true) // [N, s..., K]
	// Σ_x M_k(x) f(x, c) → [N, K, C].
	weighted := DotGeneral(low, axes, []int{0}, f, axes, []int{0})
	protos := Div(weighted, InsertAxes(safeDenominator(sums), -1)) // c_k: [N, K, C]
	// 2 f·c_k: [N, s..., K].
	dot := DotGeneral(f, []int{f.Rank() - 1}, []int{0}, protos, []int{2}, []int{0})
	norms := ReduceSum(Square(protos), -1) // [N, K]
	logits := Sub(MulScalar(dot, 2), overSpatial(norms, spatialRank))
	logits = Resize(logits, method, masks.Shape().Dimensions[1:1+spatialRank]...)
	zero := ScalarZero(sums.Graph(), sums.DType())
	empty := BroadcastToShape(overSpatial(LessOrEqual(sums, zero), spatialRank), logits.Shape())
	return Where(empty, BroadcastToShape(ConstAs(logits, -emptyLogit), logits.Shape()), logits)
}
