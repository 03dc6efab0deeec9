package unet

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// Output is what the network computes for a batch of images.
type Output struct {
	// Logits are the class scores, [N, H, W, Classes].
	Logits *Node
	// Features are the post-ReLU feature maps of layers 1…18 (index 0 = layer01),
	// each [N, h, w, Width(l)].
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

// Model builds the U-Net on images [N, H, W, InChannels] (H, W multiples of 16).
// Variables live in ctx under scope "unet"; batch normalisation uses batch
// statistics when ctx is training and the running ones otherwise.
func Model(ctx *context.Context, cfg Config, images *Node) *Output {
	ctx = ctx.In("unet")
	out := &Output{}
	layer := 0
	conv := func(x *Node) *Node {
		layer++
		x = convBNReLU(ctx.In(LayerName(layer)), x, cfg.Width(layer))
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

// dense applies a per-pixel linear map on the last axis: x·W (+ b).
func dense(ctx *context.Context, x *Node, out int, bias bool) *Node {
	in := x.Shape().Dimensions[x.Rank()-1]
	w := ctx.WithInitializer(initializers.HeFn(ctx)).VariableWithShape("weights", shapes.Make(x.DType(), in, out)).ValueGraph(x.Graph())
	dims := x.Shape().Dimensions
	flat := Reshape(x, -1, in)
	y := Dot(flat, w)
	if bias {
		b := ctx.WithInitializer(initializers.Zero).VariableWithShape("bias", shapes.Make(x.DType(), out)).ValueGraph(x.Graph())
		y = Add(y, InsertAxes(b, 0))
	}
	newDims := append(append([]int{}, dims[:len(dims)-1]...), out)
	return Reshape(y, newDims...)
}

// im2col3x3 returns the 3×3 neighbourhoods of x [N, H, W, C] with zero padding,
// [N, H, W, 9·C], ordered (dy, dx, c).
func im2col3x3(x *Node) *Node {
	dims := x.Shape().Dimensions
	n, h, w, c := dims[0], dims[1], dims[2], dims[3]
	g := x.Graph()
	zeroRow := Zeros(g, shapes.Make(x.DType(), n, 1, w, c))
	x = Concatenate([]*Node{zeroRow, x, zeroRow}, 1)
	zeroCol := Zeros(g, shapes.Make(x.DType(), n, h+2, 1, c))
	x = Concatenate([]*Node{zeroCol, x, zeroCol}, 2)
	patches := make([]*Node, 0, 9)
	for dy := range 3 {
		for dx := range 3 {
			patches = append(patches, Slice(x, AxisRange(), AxisRange(dy, dy+h), AxisRange(dx, dx+w), AxisRange()))
		}
	}
	return Concatenate(patches, -1)
}

// convBNReLU is one of the 18 layers: 3×3 convolution (stride 1, zero padding 1,
// no bias: BatchNorm's shift replaces it), batch normalisation and ReLU.
func convBNReLU(ctx *context.Context, x *Node, out int) *Node {
	x = dense(ctx.In("conv"), im2col3x3(x), out, false)
	x = batchNorm(ctx.In("bn"), x)
	return Max(x, ZerosLike(x))
}

// BatchNorm conventions (PyTorch's).
const (
	bnMomentum = 0.1
	bnEpsilon  = 1e-5
)

// batchNorm normalises x [N, H, W, C] per channel: with the batch statistics while
// training (and updates the running statistics), with the running ones otherwise.
func batchNorm(ctx *context.Context, x *Node) *Node {
	g := x.Graph()
	c := x.Shape().Dimensions[x.Rank()-1]
	dtype := x.DType()
	gamma := ctx.WithInitializer(initializers.One).VariableWithShape("gamma", shapes.Make(dtype, c)).ValueGraph(g)
	beta := ctx.WithInitializer(initializers.Zero).VariableWithShape("beta", shapes.Make(dtype, c)).ValueGraph(g)
	runMean := ctx.WithInitializer(initializers.Zero).VariableWithShape("mean", shapes.Make(dtype, c)).SetTrainable(false)
	runVar := ctx.WithInitializer(initializers.One).VariableWithShape("variance", shapes.Make(dtype, c)).SetTrainable(false)
	var mean, variance *Node
	if ctx.IsTraining(g) {
		mean = ReduceMean(x, 0, 1, 2)
		variance = ReduceMean(Square(Sub(x, Reshape(mean, 1, 1, 1, c))), 0, 1, 2)
		// PyTorch updates the running variance with the unbiased batch variance.
		n := float64(x.Shape().Size() / c)
		unbiased := MulScalar(variance, n/max(n-1, 1))
		runMean.SetValueGraph(StopGradient(Add(MulScalar(runMean.ValueGraph(g), 1-bnMomentum), MulScalar(mean, bnMomentum))))
		runVar.SetValueGraph(StopGradient(Add(MulScalar(runVar.ValueGraph(g), 1-bnMomentum), MulScalar(unbiased, bnMomentum))))
	} else {
		mean, variance = runMean.ValueGraph(g), runVar.ValueGraph(g)
	}
	scale := Div(gamma, Sqrt(AddScalar(variance, bnEpsilon))) // [C] (Rsqrt has no gradient in GoMLX)
	shift := Sub(beta, Mul(mean, scale))                      // [C]
	perChannel := func(v *Node) *Node { return Reshape(v, 1, 1, 1, c) }
	return Add(Mul(x, perChannel(scale)), perChannel(shift))
}

// maxPool2 is 2×2 max-pooling with stride 2 of x [N, H, W, C].
func maxPool2(x *Node) *Node {
	d := x.Shape().Dimensions
	return ReduceMax(Reshape(x, d[0], d[1]/2, 2, d[2]/2, 2, d[3]), 2, 4)
}

// upsample2 doubles the spatial size of x [N, H, W, C] and maps it to out channels:
// a 2×2 stride-2 transposed convolution (a dense layer to 4·out per pixel, then
// depth-to-space), or nearest-neighbour 2× for Upsample "resize" (then out is
// ignored and the channels are kept).
func upsample2(ctx *context.Context, cfg Config, x *Node, out int) *Node {
	d := x.Shape().Dimensions
	n, h, w := d[0], d[1], d[2]
	if cfg.Upsample == "resize" {
		c := d[3]
		x = Reshape(x, n, h, 1, w, 1, c)
		x = BroadcastToDims(x, n, h, 2, w, 2, c)
		return Reshape(x, n, 2*h, 2*w, c)
	}
	y := dense(ctx, x, 4*out, true)           // [N, H, W, 2·2·out]
	y = Reshape(y, n, h, w, 2, 2, out)        // (dy, dx, c)
	y = TransposeAllAxes(y, 0, 1, 3, 2, 4, 5) // [N, H, 2, W, 2, out]
	return Reshape(y, n, 2*h, 2*w, out)
}
