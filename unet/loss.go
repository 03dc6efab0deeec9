package unet

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// Loss returns the training loss of a batch: the mean softmax cross-entropy of the
// logits against the masks G [N, H, W] and, online, the mean over tc.Layers of
//
//	1 − mean_n SoftDice(p_t(layer; B), G)
//
// where p_t is ProtoSeg's object probability of the layer's features with the
// prototypes taken under B: the network's own foreground probability with its
// gradient stopped (MaskOutput, the default), or G (MaskGroundTruth).
func Loss(out *Output, masks *Node, tc TrainConfig) *Node {
	ce := crossEntropy(out.Logits, masks, tc.ObjectWeight)
	if tc.Mode != Online {
		return ce
	}
	return Add(ce, saLoss(out, masks, tc))
}

// crossEntropy is the mean over pixels of −w·log softmax(logits)[label], with
// w = objectWeight on object pixels (masks = 1) and 1 elsewhere; a weight ≤ 0 or 1
// is the plain cross-entropy.
func crossEntropy(logits, masks *Node, objectWeight float64) *Node {
	classes := logits.Shape().Dimensions[logits.Rank()-1]
	onehot := OneHot(ConvertDType(masks, dtypes.Int32), classes, logits.DType())
	perPixel := Neg(ReduceSum(Mul(onehot, LogSoftmax(logits, -1)), -1))
	if objectWeight > 0 && objectWeight != 1 {
		m := ConvertDType(masks, logits.DType())
		perPixel = Mul(perPixel, OnePlus(MulScalar(m, objectWeight-1)))
	}
	return ReduceAllMean(perPixel)
}

// saLoss is the online term: the mean over tc.Layers of 1 − soft SA
// (protoseg.MeanSALoss, which builds the mask's pull-down once per feature size).
func saLoss(out *Output, masks *Node, tc TrainConfig) *Node {
	mask := masks
	if tc.MaskSource != MaskGroundTruth {
		_, prob := maskAndProb(out.Logits)
		mask = StopGradient(prob)
	}
	fs := make([]*Node, len(tc.Layers))
	for i, l := range tc.Layers {
		fs[i] = out.Features[l-1]
	}
	return protoseg.MeanSALoss(fs, mask, masks, nil, protoseg.Bilinear)
}
