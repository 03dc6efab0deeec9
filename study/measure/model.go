package measure

import (
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Output is what one forward pass of a segmentation network gives the study.
type Output struct {
	// Mask is the binarised network output B, float32 [N, H, W] with values 0/1.
	Mask *tensors.Tensor
	// Prob is the softmax foreground probability, float32 [N, H, W].
	Prob *tensors.Tensor
	// Features are the post-ReLU feature maps of the layers, in order, each
	// [N, h, w, C] (h, w may be smaller than H, W).
	Features []*tensors.Tensor
}

// Model is a trained segmentation network as the study sees it.
type Model interface {
	// Forward runs the network on images [N, H, W, C].
	Forward(images *tensors.Tensor) (*Output, error)
}

// GradientModel is a network that can also give the gradient of its object score
// Σ_hw B̂·logit_object / max(|B̂|, 1) with respect to the input (for the VoG
// baseline; see [protoseg.VoGObjectScore]).
type GradientModel interface {
	// InputGradient returns ∂(Σ_hw B̂·logit_object / max(|B̂|, 1))/∂images,
	// [N, H, W, C].
	InputGradient(images *tensors.Tensor) (*tensors.Tensor, error)
}
