package unet

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// dense applies a per-pixel linear map on the last axis: x·W (+ b).
func dense(ctx *context.Context, x *Node, out int, bias bool) *Node {
	in := x.Shape().Dimensions[x.Rank()-1]
	w := weights(ctx, x, in, out)
	dims := x.Shape().Dimensions
	y := Dot(Reshape(x, -1, in), w)
	if bias {
		b := ctx.WithInitializer(initializers.Zero).VariableWithShape("bias", shapes.Make(x.DType(), out)).ValueGraph(x.Graph())
		y = Add(y, InsertAxes(b, 0))
	}
	newDims := append(append([]int{}, dims[:len(dims)-1]...), out)
	return Reshape(y, newDims...)
}

// weights returns the He-initialised matrix W [in, out] of a linear map in ctx.
func weights(ctx *context.Context, x *Node, in, out int) *Node {
	return ctx.WithInitializer(initializers.HeFn(ctx)).
		VariableWithShape("weights", shapes.Make(x.DType(), in, out)).ValueGraph(x.Graph())
}

// conv3x3 is a 3×3 convolution (stride 1, zero padding 1, no bias) of x
// [N, H, W, C] to out channels, with weights [9·C, out] ordered (dy, dx, c) —
// the HWIO kernel flattened, so both ways of computing it share checkpoints.
func conv3x3(ctx *context.Context, mode string, x *Node, out int) *Node {
	if mode != ConvBackend {
		return dense(ctx, im2col3x3(x), out, false)
	}
	in := x.Shape().Dimensions[3]
	kernel := Reshape(weights(ctx, x, 9*in, out), 3, 3, in, out)
	return Convolve(x, kernel).PadSame().Done()
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
// For 3D networks (cfg.Dims 3) the convolution is 3×3×3 (conv3x3x3); the
// BatchNorm and ReLU are the same ops (the cpu backend fuses them for both).
func convBNReLU(ctx *context.Context, cfg Config, x *Node, out int) *Node {
	if cfg.Dims == 3 {
		x = conv3x3x3(ctx.In("conv"), cfg.Conv, x, out)
	} else {
		x = conv3x3(ctx.In("conv"), cfg.Conv, x, out)
	}
	x = batchNorm(ctx.In("bn"), x)
	return relu(x)
}

// relu is max(x, 0) (GoMLX's activations.Relu).
func relu(x *Node) *Node { return Max(x, ZerosLike(x)) }

// maxPool2 is 2×2 max-pooling with stride 2 of x [N, H, W, C] (2×2×2 of a
// volume [N, D, H, W, C]).
func maxPool2(x *Node) *Node {
	d := x.Shape().Dimensions
	if x.Rank() == 5 {
		return maxPool2x2x2(x)
	}
	return ReduceMax(Reshape(x, d[0], d[1]/2, 2, d[2]/2, 2, d[3]), 2, 4)
}

// upsample2 doubles the spatial size of x [N, H, W, C] and maps it to out channels:
// a 2×2 stride-2 transposed convolution (a dense layer to 4·out per pixel, then
// depth-to-space), or nearest-neighbour 2× for UpsampleResize (then out is
// ignored and the channels are kept). Volumes [N, D, H, W, C] go to upsample2x2x2.
func upsample2(ctx *context.Context, cfg Config, x *Node, out int) *Node {
	if x.Rank() == 5 {
		return upsample2x2x2(ctx, cfg, x, out)
	}
	d := x.Shape().Dimensions
	n, h, w := d[0], d[1], d[2]
	if cfg.Upsample == UpsampleResize {
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
