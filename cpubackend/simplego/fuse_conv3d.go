package simplego

import (
	"slices"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Fusion of an im2col 3×3×3 convolution written in the graph (fuse_conv.go
// does the 3×3 one).
//
// package unet's 3D network computes a 3×3×3, stride-1, zero-padded
// convolution of x [N,D,H,W,C] as: zero planes, rows and columns concatenated
// around x, 27 shifted slices (dz, dy, dx) concatenated along the channels,
// and a Dot with the weights [27·C, Cout]. Three products are recognised and
// computed from x (or the output gradient) directly, a few output rows at a
// time, so that neither the padded input nor the 27× larger patch matrix is
// ever materialised:
//
//   - the forward product col·W (DotGeneral, fuse_conv.go's hook);
//   - the weight gradient colᵀ·G (DotGeneral, either operand order);
//   - the input gradient, which GoMLX writes as the sum of 27 Pads of the
//     channel blocks of the patch-matrix gradient D [N,D,H,W,27·C] (marked
//     like the 9 of fuse_col2im.go): one gather node, and when D is itself
//     G·Wᵀ (the gradient of the forward product), a direct transposed
//     convolution of G with the flipped weights that never builds D.
//
// All are nodes of type ConvGeneral carrying a conv3x3Data whose conv3d field
// is set, so they run through fuse_conv.go's executor.

// fusion3DCounts counts the 3D fusions made at build time (for tests).
var fusion3DCounts struct {
	conv, weightGrad, inputGrad, inputGradDirect, inputGradInterior atomic.Int64
	pool, concatConv                                                atomic.Int64
}

// Fusion3DCounts are the numbers of fused 3×3×3 convolution nodes built so far.
type Fusion3DCounts struct {
	// Conv counts forward products col·W run as a direct 3×3×3 convolution.
	Conv int64
	// WeightGrad counts weight gradients colᵀ·G.
	WeightGrad int64
	// InputGrad counts input gradients (sums of 27 Pads) run as one node, and
	// InputGradDirect those among them computed from G and W without the
	// patch-matrix gradient.
	InputGrad, InputGradDirect int64
	// InputGradInterior counts the interiors of direct input gradients (what
	// the gradients of the zero-padding Concatenates slice out) computed
	// without the padded border (fuse_convgrad.go).
	InputGradInterior int64
	// ConcatConv counts forward products whose source is a channel
	// Concatenate of whole tensors, read from its operands directly.
	ConcatConv int64
	// Pool counts 2×2×2 max-poolings run as one strided pass
	// (fuse_pool3d.go; counted when run, not when built).
	Pool int64
}

// Fusions3D returns the 3×3×3 fusion counts so far.
func Fusions3D() Fusion3DCounts {
	return Fusion3DCounts{
		Conv:            fusion3DCounts.conv.Load(),
		WeightGrad:      fusion3DCounts.weightGrad.Load(),
		InputGrad:       fusion3DCounts.inputGrad.Load(),
		InputGradDirect: fusion3DCounts.inputGradDirect.Load(),

		InputGradInterior: fusion3DCounts.inputGradInterior.Load(),
		Pool:              fusion3DCounts.pool.Load(),
		ConcatConv:        fusion3DCounts.concatConv.Load(),
	}
}

// conv3dKind says which product a fused 3D node computes.
type conv3dKind int

const (
	conv3dForward           conv3dKind = iota // inputs x, W: col(x)·W
	conv3dWeightGrad                          // inputs x, G: col(x)ᵀ·G (or Gᵀ·col(x))
	conv3dInputGrad                           // input D: Σ of the 27 Pads of its blocks
	conv3dInputGradDirect                     // inputs G, W: the same from G·Wᵀ
	conv3dInputGradInterior                   // inputs G, W: its interior [n,d,h,w,cin] (fuse_convgrad.go)
)

// conv3dOp describes a fused 3×3×3 node: the forward convolution's geometry
// (x [n,d,h,w,cin], output [n,d,h,w,cout]) and the product computed.
type conv3dOp struct {
	kind                  conv3dKind
	n, d, h, w, cin, cout int
	colIsRHS              bool  // weight gradient as Gᵀ·col
	parts                 []int // forward: the channels of each source input (nil: one)
}

// im2col3DOf returns x when col is the 3×3×3 patch matrix of x written as
// package unet does: the [N,D,H,W,27·C] Concatenate of 27 views of the
// zero-padded x, or a Reshape of it to [N·D·H·W, 27·C].
func im2col3DOf(col *Node) (x *Node, op conv3dOp, ok bool) {
	c5 := col
	if c5.opType == backends.OpTypeReshape {
		c5 = c5.inputs[0]
	}
	data, isViews := c5.data.(*concatViewsData)
	if c5.opType != backends.OpTypeConcatenate || !isViews || c5.shape.DType != dtypes.Float32 ||
		c5.shape.Rank() != 5 || data.axis != 4 || len(data.parts) != 27 {
		return
	}
	dims := c5.shape.Dimensions
	op = conv3dOp{n: dims[0], d: dims[1], h: dims[2], w: dims[3], cin: dims[4] / 27}
	if col != c5 && (col.shape.Rank() != 2 || col.shape.Dimensions[0] != op.n*op.d*op.h*op.w || col.shape.Dimensions[1] != dims[4]) {
		return
	}
	src := c5.inputs[data.parts[0].input]
	if !slices.Equal(src.shape.Dimensions, []int{op.n, op.d + 2, op.h + 2, op.w + 2, op.cin}) {
		return
	}
	srcStrides := contiguousStrides(src.shape.Dimensions)
	for i, part := range data.parts {
		dz, dy, dx := i/9, i/3%3, i%3
		want := ((dz*(op.h+2)+dy)*(op.w+2) + dx) * op.cin
		if c5.inputs[part.input] != src || part.offset != want || !slices.Equal(part.strides, srcStrides) {
			return
		}
	}
	if q := unwrapZeroConcat(src, 3); q != nil {
		if q = unwrapZeroConcat(q, 2); q != nil {
			x = unwrapZeroConcat(q, 1)
		}
	}
	return x, op, x != nil
}

// tryFuseConv3D returns the fused node of DotGeneral(lhs, rhs) when it is the
// forward product or the weight gradient of an im2col 3×3×3 convolution, or
// nil. The caller (tryFuseConv3x3) has checked float32, no batch axes, one
// contracting axis each and a rank-2 rhs.
func (b *Builder) tryFuseConv3D(lhs *Node, lhsContracting []int, rhs *Node, rhsContracting []int) *Node {
	if lhs.shape.Rank() == 2 && lhsContracting[0] == 0 && rhsContracting[0] == 0 {
		col, g, colIsRHS := lhs, rhs, false
		x, op, ok := im2col3DOf(col)
		if !ok {
			col, g, colIsRHS = rhs, lhs, true
			if x, op, ok = im2col3DOf(col); !ok {
				return nil
			}
		}
		if col.shape.Rank() != 2 || g.shape.Rank() != 2 || g.shape.Dimensions[0] != op.n*op.d*op.h*op.w {
			return nil
		}
		op.kind, op.cout, op.colIsRHS = conv3dWeightGrad, g.shape.Dimensions[1], colIsRHS
		dims := []int{27 * op.cin, op.cout}
		if colIsRHS {
			dims = []int{op.cout, 27 * op.cin}
		}
		fusion3DCounts.weightGrad.Add(1)
		return b.newConv3DNode(op, shapes.Make(dtypes.Float32, dims...), x, g)
	}
	if rhsContracting[0] != 0 || lhsContracting[0] != lhs.shape.Rank()-1 {
		return nil
	}
	x, op, ok := im2col3DOf(lhs)
	if !ok || rhs.shape.Dimensions[0] != 27*op.cin {
		return nil
	}
	op.kind, op.cout = conv3dForward, rhs.shape.Dimensions[1]
	outDims := append(slices.Clone(lhs.shape.Dimensions[:lhs.shape.Rank()-1]), op.cout)
	fusion3DCounts.conv.Add(1)
	if parts, chans := concatParts(x); parts != nil {
		// The skip connection's Concatenate is read from its operands (it
		// is computed only if something else uses it).
		op.parts = chans
		fusion3DCounts.concatConv.Add(1)
		return b.newConv3DNode(op, shapes.Make(dtypes.Float32, outDims...), append(parts, rhs)...)
	}
	return b.newConv3DNode(op, shapes.Make(dtypes.Float32, outDims...), x, rhs)
}

// concatParts returns the operands of x and their channels when x is a
// Concatenate on the channel axis of distinct float32 tensors each read whole
// and in order as [N, D, H, W, ·] (package unet's skip connection), or nil.
func concatParts(x *Node) (parts []*Node, chans []int) {
	data, ok := x.data.(*concatViewsData)
	if x.opType != backends.OpTypeConcatenate || !ok || x.shape.Rank() != 5 || data.axis != 4 || len(data.parts) < 2 {
		return nil, nil
	}
	for i, part := range data.parts {
		// The part reads its input whole, in order (possibly a Reshape of
		// it, e.g. the up-sampling's depth-to-space).
		in, dims := x.inputs[part.input], data.dims[i]
		if in.shape.DType != dtypes.Float32 || part.offset != 0 || in.shape.Size() != shapes.Make(dtypes.Float32, dims...).Size() ||
			!slices.Equal(part.strides, contiguousStrides(dims)) || slices.Contains(parts, in) {
			return nil, nil
		}
		parts, chans = append(parts, in), append(chans, dims[4])
	}
	return parts, chans
}

func (b *Builder) newConv3DNode(op conv3dOp, shape shapes.Shape, inputs ...*Node) *Node {
	node := b.newNode(backends.OpTypeConvGeneral, shape, inputs...)
	node.data = &conv3x3Data{n: op.n, h: op.h, w: op.w, cin: op.cin, cout: op.cout, conv3d: &op}
	return node
}

// padSumOf3D returns the mark of a Pad (of a view of src, with fill) that is
// block k = 9·dz + 3·dy + dx of the input gradient of an im2col 3×3×3
// convolution: src is D [N,D,H,W,27·C], the view its channel block k, placed
// at offset (dz, dy, dx) in [N,D+2,H+2,W+2,C]. Called by padSumOf.
func padSumOf3D(src *Node, data *padData) *padSumInfo {
	vd, sd := data.viewDims, src.shape.Dimensions
	if len(vd) != 5 || len(sd) != 5 || vd[4] == 0 || sd[4] != 27*vd[4] || !slices.Equal(vd[:4], sd[:4]) ||
		!slices.Equal(data.viewStrides, contiguousStrides(sd)) || data.viewOffset%vd[4] != 0 {
		return nil
	}
	k := data.viewOffset / vd[4]
	if k >= 27 {
		return nil
	}
	cfg := data.config
	if cfg[0] != (backends.PadAxis{}) || cfg[4] != (backends.PadAxis{}) {
		return nil
	}
	for ax, off := range []int{k / 9, k / 3 % 3, k % 3} {
		if cfg[ax+1] != (backends.PadAxis{Start: off, End: 2 - off}) {
			return nil
		}
	}
	return &padSumInfo{src: src, n: vd[0], d: vd[1], h: vd[2], w: vd[3], c: vd[4], mask: 1 << k}
}

// newInputGrad3DNode returns the node of a complete 27-Pad sum (see
// padSumOf3D): the padded input gradient [N,D+2,H+2,W+2,C].
func (b *Builder) newInputGrad3DNode(info *padSumInfo) *Node {
	op := conv3dOp{kind: conv3dInputGrad, n: info.n, d: info.d, h: info.h, w: info.w, cin: info.c}
	shape := shapes.Make(dtypes.Float32, info.n, info.d+2, info.h+2, info.w+2, info.c)
	fusion3DCounts.inputGrad.Add(1)
	if g, wt, ok := gradTimesWeights(info.src, op); ok {
		op.kind, op.cout = conv3dInputGradDirect, g.shape.Dimensions[g.shape.Rank()-1]
		fusion3DCounts.inputGradDirect.Add(1)
		return b.newConv3DNode(op, shape, g, wt)
	}
	return b.newConv3DNode(op, shape, info.src)
}
