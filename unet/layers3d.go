package unet

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// The layers of the 3D network (Config.Dims 3): volumes [N, D, H, W, C].

// conv3x3x3 is a 3×3×3 convolution (stride 1, zero padding 1, no bias) of x
// [N, D, H, W, C] to out channels, with weights [27·C, out] ordered
// (dz, dy, dx, c) — the DHWIO kernel flattened, so both ways of computing it
// share checkpoints.
func conv3x3x3(ctx *context.Context, mode string, x *Node, out int) *Node {
	if mode != ConvBackend {
		return dense(ctx, im2col3x3x3(x), out, false)
	}
	in := x.Shape().Dimensions[4]
	kernel := Reshape(weights(ctx, x, 27*in, out), 3, 3, 3, in, out)
	return Convolve(x, kernel).PadSame().Done()
}

// im2col3x3x3 returns the 3×3×3 neighbourhoods of x [N, D, H, W, C] with zero
// padding, [N, D, H, W, 27·C], ordered (dz, dy, dx, c): zero planes, rows and
// columns concatenated around x, then 27 shifted slices concatenated on the
// channel axis (the cpu backend fuses this with the product that follows).
func im2col3x3x3(x *Node) *Node {
	dims := x.Shape().Dimensions
	n, d, h, w, c := dims[0], dims[1], dims[2], dims[3], dims[4]
	g := x.Graph()
	zeroPlane := Zeros(g, shapes.Make(x.DType(), n, 1, h, w, c))
	x = Concatenate([]*Node{zeroPlane, x, zeroPlane}, 1)
	zeroRow := Zeros(g, shapes.Make(x.DType(), n, d+2, 1, w, c))
	x = Concatenate([]*Node{zeroRow, x, zeroRow}, 2)
	zeroCol := Zeros(g, shapes.Make(x.DType(), n, d+2, h+2, 1, c))
	x = Concatenate([]*Node{zeroCol, x, zeroCol}, 3)
	patches := make([]*Node, 0, 27)
	for dz := range 3 {
		for dy := range 3 {
			for dx := range 3 {
				patches = append(patches, Slice(x, AxisRange(), AxisRange(dz, dz+d), AxisRange(dy, dy+h),
					AxisRange(dx, dx+w), AxisRange()))
			}
		}
	}
	return Concatenate(patches, -1)
}

// maskAndProbBinary is maskAndProb for two classes, as the 3D network
// computes it: with d = logit₁ − logit₀, the softmax probability of class 1
// is σ(d) and class 1 is the most likely where d > 0 (a tie is class 0, as
// ArgMax's first index) — two passes over [N, D, H, W] instead of softmax's
// five and ArgMax.
func maskAndProbBinary(logits *Node) (mask, prob *Node) {
	d := Squeeze(Sub(SliceAxis(logits, -1, AxisElem(1)), SliceAxis(logits, -1, AxisElem(0))), -1)
	prob = Sigmoid(d)
	mask = ConvertDType(GreaterThan(d, ScalarZero(d.Graph(), d.DType())), logits.DType())
	return mask, prob
}

// maxPool2x2x2 is 2×2×2 max-pooling with stride 2 of x [N, D, H, W, C].
func maxPool2x2x2(x *Node) *Node {
	d := x.Shape().Dimensions
	return ReduceMax(Reshape(x, d[0], d[1]/2, 2, d[2]/2, 2, d[3]/2, 2, d[4]), 2, 4, 6)
}

// upsample2x2x2 doubles every side of x [N, D, H, W, C] and maps it to out
// channels: a 2×2×2 stride-2 transposed convolution (a dense layer to 8·out
// per voxel, then depth-to-space), or nearest-neighbour 2× for UpsampleResize
// (then out is ignored and the channels are kept).
func upsample2x2x2(ctx *context.Context, cfg Config, x *Node, out int) *Node {
	dims := x.Shape().Dimensions
	n, d, h, w := dims[0], dims[1], dims[2], dims[3]
	if cfg.Upsample == UpsampleResize {
		c := dims[4]
		x = Reshape(x, n, d, 1, h, 1, w, 1, c)
		x = BroadcastToDims(x, n, d, 2, h, 2, w, 2, c)
		return Reshape(x, n, 2*d, 2*h, 2*w, c)
	}
	y := dense(ctx, x, 8*out, true)                 // [N, D, H, W, 2·2·2·out]
	y = Reshape(y, n, d, h, w, 2, 2, 2, out)        // (dz, dy, dx, c)
	y = TransposeAllAxes(y, 0, 1, 4, 2, 5, 3, 6, 7) // [N, D, 2, H, 2, W, 2, out]
	return Reshape(y, n, 2*d, 2*h, 2*w, out)
}
