package protoseg

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
)

// VoGObjectScore returns, per image, the object score whose input gradient the VoG
// baseline compares across checkpoints: Σ_hw B̂·logit / max(|B̂|, 1), with B̂ the
// network's binarised output (held constant by the caller, e.g. with StopGradient)
// and logit the object logit, both [N, spatial...]; the result is [N].
//
// Agarwal et al. (2022) take the gradient of the logit of the predicted class, one
// number per image. For segmentation the natural analogue, the sum of the object
// logit over the predicted object, grows with the object's size: a large, easy
// object gets a large gradient variance, so VoG would correlate with Dice through
// size alone. Dividing by |B̂| makes it the mean object logit over the predicted
// object — for a classifier, the same one number per image — and the score no
// longer grows with the object's size. An empty B̂ gives the score 0 (gradient 0).
func VoGObjectScore(mask, logit *Node) *Node {
	axes := spatialAxes(mask)
	sum := ReduceSum(Mul(mask, logit), axes...)
	size := ReduceSum(mask, axes...)
	return Div(sum, Max(size, OnesLike(size)))
}
