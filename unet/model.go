package unet

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Output is what the network computes for a batch of images.
type Output struct {
	// Logits are the class scores, [N, H, W, Classes] ([N, D, H, W, Classes] in 3D).
	Logits *Node
	// Features are the post-ReLU feature maps of layers 1…18 (index 0 = layer01),
	// each [N, h, w, Width(l)] ([N, d, h, w, Width(l)] in 3D).
	Features []*Node
}

// Feature returns the feature map of the named layer ("layer01" … "layer18").
func (o *Output) Feature(name string) (*Node, error) {
	for l := range o.Features {
		if LayerName(l+1) == name {
			return o.Features[l], nil
		}
	}
	return nil, fmt.Errorf("unet: no layer named %q (want layer01 … layer18)", name)
}

// Model builds the U-Net on images [N, H, W, InChannels] (H, W multiples of 16),
// or for cfg.Dims 3 on volumes [N, D, H, W, InChannels] (3×3×3 convolutions,
// 2×2×2 pooling and up-sampling; D, H, W multiples of 16).
// Variables live in ctx under scope "unet"; batch normalisation uses batch
// statistics when ctx is training and the running ones otherwise.
func Model(ctx *context.Context, cfg Config, images *Node) *Output {
	ctx = ctx.In("unet")
	out := &Output{}
	layer := 0
	conv := func(x *Node) *Node {
		layer++
		x = convBNReLU(ctx.In(LayerName(layer)), cfg, x, cfg.Width(layer))
		out.Features = append(out.Features, x)
		return x
	}
	x := images
	var skips []*Node
	for block := range 5 {
		if block > 0 {
			x = maxPool2(x)
		}
		x = conv(conv(x))
		skips = append(skips, x)
	}
	for block := 3; block >= 0; block-- {
		x = upsample2(ctx.In(fmt.Sprintf("up%d", block)), cfg, x, cfg.Width(layer+1))
		x = Concatenate([]*Node{skips[block], x}, -1)
		x = conv(conv(x))
	}
	out.Logits = dense(ctx.In("head"), x, cfg.Classes, true)
	return out
}
