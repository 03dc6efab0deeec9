package simplego

import (
	"slices"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/protoseg-go/protoseg-go/cpubackend/gemm"
)

// Fusion of an im2col 3×3 convolution written in the graph into gemm.Conv3x3.
//
// package unet (and anything written the same way) computes a 3×3, stride-1,
// zero-padded convolution of x [N,H,W,C] as: zero rows and columns
// concatenated around x, 9 shifted slices (dy, dx) concatenated along the
// channels, and a Dot with the weights [9·C, Cout]. DotGeneral recognises that
// its left operand is such a patch matrix (through the strided views of
// Concatenate) and computes the product with gemm.Conv3x3 from x directly,
// never materialising the padded input nor the 9× larger patch matrix. In
// training the patch matrix is still built for the weight gradient; inference
// skips it entirely.

// fusionCounts counts the fusions made at build time (for tests).
var fusionCounts struct {
	conv3x3, convWeightGrad, mulReduce, col2im atomic.Int64
}

type conv3x3Data struct {
	n, h, w, cin, cout int
	// conv3d, when set, makes the node one of the fused 3×3×3 convolutions
	// (fuse_conv3d.go) instead.
	conv3d *conv3dOp
	// epilogue, when set, makes the node a convolution followed by
	// BatchNorm+ReLU (fuse_convbnrelu.go).
	epilogue *convEpilogue
	// parts, when set, describe the source inputs: the node reads a channel
	// Concatenate from its operands (fuse_convparts.go); concat is that
	// Concatenate.
	parts  []convPartSpec
	concat *Node
}

// isZeroView reports whether the view reads a constant zero (all strides 0).
func isZeroView(src *Node, v stridedView) bool {
	for _, st := range v.strides {
		if st != 0 {
			return false
		}
	}
	if src.opType != backends.OpTypeConstant {
		return false
	}
	buf, ok := src.data.(*Buffer)
	if !ok {
		return false
	}
	flat, ok := buf.flat.([]float32)
	return ok && len(flat) > v.offset && flat[v.offset] == 0
}

// zeroPadded returns x when p is x [N,H,W,C] with one zero row above and below
// and one zero column left and right, concatenated the way package unet does
// (rows first, then columns; or columns first).
func zeroPadded(p *Node) *Node {
	if q := unwrapZeroConcat(p, 2); q != nil {
		return unwrapZeroConcat(q, 1)
	}
	if q := unwrapZeroConcat(p, 1); q != nil {
		return unwrapZeroConcat(q, 2)
	}
	return nil
}

// unwrapZeroConcat returns inner when p = Concatenate(zeros, inner, zeros)
// along axis, with one zero slice on each side; nil otherwise.
func unwrapZeroConcat(p *Node, axis int) *Node {
	data, ok := p.data.(*concatViewsData)
	if p.opType != backends.OpTypeConcatenate || !ok || data.axis != axis || len(data.parts) != 3 {
		return nil
	}
	for _, i := range []int{0, 2} {
		if data.dims[i][axis] != 1 || !isZeroView(p.inputs[data.parts[i].input], data.parts[i]) {
			return nil
		}
	}
	mid := data.parts[1]
	inner := p.inputs[mid.input]
	if mid.offset != 0 || !slices.Equal(mid.strides, contiguousStrides(inner.shape.Dimensions)) ||
		!slices.Equal(inner.shape.Dimensions, data.dims[1]) {
		return nil
	}
	return inner
}

// im2colOf returns x and its dimensions when col is an im2col patch matrix of
// x written as package unet does (the [N,H,W,9·C] Concatenate, or a Reshape of
// it to [N·H·W, 9·C]).
func im2colOf(col *Node) (x *Node, n, h, w, cin int, ok bool) {
	c4 := col
	if c4.opType == backends.OpTypeReshape {
		c4 = c4.inputs[0]
	}
	data, isViews := c4.data.(*concatViewsData)
	if c4.opType != backends.OpTypeConcatenate || !isViews || c4.shape.DType != dtypes.Float32 ||
		c4.shape.Rank() != 4 || data.axis != 3 || len(data.parts) != 9 {
		return
	}
	n, h, w = c4.shape.Dimensions[0], c4.shape.Dimensions[1], c4.shape.Dimensions[2]
	k := c4.shape.Dimensions[3]
	cin = k / 9
	if col != c4 && (col.shape.Rank() != 2 || col.shape.Dimensions[0] != n*h*w || col.shape.Dimensions[1] != k) {
		return
	}
	src := c4.inputs[data.parts[0].input]
	if !slices.Equal(src.shape.Dimensions, []int{n, h + 2, w + 2, cin}) {
		return
	}
	srcStrides := contiguousStrides(src.shape.Dimensions)
	for i, part := range data.parts {
		dy, dx := i/3, i%3
		if c4.inputs[part.input] != src || part.offset != (dy*(w+2)+dx)*cin || !slices.Equal(part.strides, srcStrides) {
			return
		}
	}
	if x = zeroPadded(src); x == nil {
		return
	}
	return x, n, h, w, cin, true
}

// tryFuseConv3x3 returns the fused convolution node for DotGeneral(lhs, rhs)
// or nil when the operands are not an im2col patch matrix and its weights.
func (b *Builder) tryFuseConv3x3(lhs *Node, lhsContracting, lhsBatch []int, rhs *Node, rhsContracting, rhsBatch []int) *Node {
	if b.backend.reference || lhs.shape.DType != dtypes.Float32 || len(lhsBatch) != 0 || len(rhsBatch) != 0 ||
		len(lhsContracting) != 1 || len(rhsContracting) != 1 || rhs.shape.Rank() != 2 {
		return nil
	}
	if node := b.tryFuseConvWeightGrad(lhs, lhsContracting, rhs, rhsContracting); node != nil {
		return node
	}
	if node := b.tryFuseConv3D(lhs, lhsContracting, rhs, rhsContracting); node != nil {
		return node
	}
	if rhsContracting[0] != 0 || lhsContracting[0] != lhs.shape.Rank()-1 {
		return nil
	}
	x, n, h, w, cin, ok := im2colOf(lhs)
	if !ok || rhs.shape.Dimensions[0] != 9*cin {
		return nil
	}
	cout := rhs.shape.Dimensions[1]
	outDims := append(slices.Clone(lhs.shape.Dimensions[:lhs.shape.Rank()-1]), cout)
	fusionCounts.conv3x3.Add(1)
	inputs, chans := conv3x3Inputs(x, rhs)
	node := b.newNode(backends.OpTypeConvGeneral, shapes.Make(dtypes.Float32, outDims...), inputs...)
	node.data = &conv3x3Data{n: n, h: h, w: w, cin: cin, cout: cout, parts: chans, concat: x}
	return node
}

// convWeightGradData marks the fused weight gradient colᵀ·G (or Gᵀ·col when
// colIsRHS) of an im2col convolution.
type convWeightGradData struct {
	n, h, w, cin, cout int
	colIsRHS           bool
}

// tryFuseConvWeightGrad fuses DotGeneral(col, [0], G [N·H·W, Cout], [0]) (the
// weight gradient of an im2col convolution, either operand order) into
// gemm.ConvWeightGrad3x3, which expands a few image rows of patches at a time
// and accumulates their product: the full patch matrix is never built.
func (b *Builder) tryFuseConvWeightGrad(lhs *Node, lhsContracting []int, rhs *Node, rhsContracting []int) *Node {
	if lhs.shape.Rank() != 2 || lhsContracting[0] != 0 || rhsContracting[0] != 0 {
		return nil
	}
	col, g, colIsRHS := lhs, rhs, false
	x, n, h, w, cin, ok := im2colOf(col)
	if !ok {
		col, g, colIsRHS = rhs, lhs, true
		if x, n, h, w, cin, ok = im2colOf(col); !ok {
			return nil
		}
	}
	if col.shape.Rank() != 2 || g.shape.Dimensions[0] != n*h*w {
		return nil
	}
	cout := g.shape.Dimensions[1]
	dims := []int{9 * cin, cout}
	if colIsRHS {
		dims = []int{cout, 9 * cin}
	}
	fusionCounts.convWeightGrad.Add(1)
	node := b.newNode(backends.OpTypeConvGeneral, shapes.Make(dtypes.Float32, dims...), x, g)
	node.data = &convWeightGradData{n: n, h: h, w: w, cin: cin, cout: cout, colIsRHS: colIsRHS}
	return node
}

func execConvWeightGrad(backend *Backend, node *Node, inputs []*Buffer, d *convWeightGradData) (*Buffer, error) {
	output := backend.getBufferForShape(node.shape)
	o, x, g := output.flat.([]float32), inputs[0].flat.([]float32), inputs[1].flat.([]float32)
	gemm.ConvWeightGrad3x3(o, x, g, d.n, d.h, d.w, d.cin, d.cout, d.colIsRHS)
	return output, nil
}

func execConv3x3(backend *Backend, node *Node, inputs []*Buffer, d *conv3x3Data) (*Buffer, error) {
	if d.conv3d != nil {
		return d.conv3d.exec(backend, node, inputs)
	}
	if d.parts != nil {
		return execConv3x3Parts(backend, node, inputs, d)
	}
	if d.epilogue != nil {
		return execConv3x3Epilogue(backend, node, inputs, d)
	}
	output := backend.getBufferForShape(node.shape)
	gemm.Conv3x3(output.flat.([]float32), inputs[0].flat.([]float32), inputs[1].flat.([]float32), d.n, d.h, d.w, d.cin, d.cout)
	return output, nil
}
