package simplego

import (
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/protoseg-go/protoseg-go/cpubackend/gemm"
)

// Fusion of the input gradient of an im2col 3×3 convolution into one
// convolution of the output gradient.
//
// GoMLX differentiates the im2col convolution x → Dot(im2col(x), W) (W
// [9·C, Cout], rows ordered (dy, dx, c)) as: the patch-matrix gradient
// D = DotGeneral(G [N·H·W, Cout], W, contracting Cout) [N·H·W, 9·C], the sum
// of its 9 shifted blocks (one col2im node, fuse_col2im.go) [N, H+2, W+2, C],
// and the interior of that, cut out by the gradients of the zero-row and
// zero-column Concatenates (two Slices). A Slice that cuts the interior of
// such a col2im node is built here as one node that computes
//
//	dx[b, y, x, c] = Σ_{dy, dx, o} G[b, y+1-dy, x+1-dx, o] · W[(dy, dx, c), o]
//
// — a 3×3 same convolution of G with the weights flipped in space and
// transposed — with gemm.Conv3x3: the 9× larger D and the padded col2im
// result are never computed when nothing else uses them.

// convInputGradCount counts the fused input gradients built (Fusions).
var convInputGradCount atomic.Int64

type convInputGradData struct {
	n, h, w, cin, cout int
}

// tryFuseConvInputGrad returns the fused input-gradient node for
// Slice(operand, starts, limits, strides) when the slice (possibly of a slice)
// cuts the interior [1:h+1, 1:w+1] of a col2im node whose patch gradient is
// DotGeneral(G, W) as above, or nil.
func (b *Builder) tryFuseConvInputGrad(operand *Node, outputShape shapes.Shape, starts, strides []int) *Node {
	if b.backend.reference || outputShape.DType != dtypes.Float32 || !unitStrides(strides) {
		return nil
	}
	if outputShape.Rank() == 5 {
		return b.tryFuseConv3DInputGradInterior(operand, outputShape, starts)
	}
	if outputShape.Rank() != 4 {
		return nil
	}
	offset := slices4(starts)
	src := operand
	if src.opType == backends.OpTypeSlice {
		inner, ok := src.data.(*sliceNode)
		if !ok || !unitStrides(inner.strides) || len(inner.starts) != 4 {
			return nil
		}
		for ax := range offset {
			offset[ax] += inner.starts[ax]
		}
		src = src.inputs[0]
	}
	c2i, ok := src.data.(*col2imData)
	if src.opType != backends.OpTypePad || !ok || offset != [4]int{0, 1, 1, 0} ||
		!outputShape.Equal(shapes.Make(dtypes.Float32, c2i.n, c2i.h, c2i.w, c2i.c)) {
		return nil
	}
	g, w := convPatchGradOperands(src.inputs[0], c2i)
	if g == nil {
		return nil
	}
	convInputGradCount.Add(1)
	node := b.newNode(backends.OpTypeConvGeneral, outputShape, g, w)
	node.data = &convInputGradData{n: c2i.n, h: c2i.h, w: c2i.w, cin: c2i.c, cout: w.shape.Dimensions[1]}
	return node
}

// unitStrides reports whether strides are absent or all 1.
func unitStrides(strides []int) bool {
	for _, s := range strides {
		if s != 1 {
			return false
		}
	}
	return true
}

// slices4 returns the first 4 entries of starts (zeros where absent).
func slices4(starts []int) [4]int {
	var s [4]int
	copy(s[:], starts)
	return s
}

// convPatchGradOperands returns G [N·H·W, Cout] and W [9·C, Cout] when d (the
// patch gradient of the col2im node, through Reshapes) is DotGeneral(G, W)
// contracting the last axis of both without batch axes, or nils.
func convPatchGradOperands(d *Node, c2i *col2imData) (g, w *Node) {
	for d.opType == backends.OpTypeReshape {
		d = d.inputs[0]
	}
	p, ok := d.data.(*dotGeneralNodeData)
	if d.opType != backends.OpTypeDotGeneral || !ok || len(p.lhsBatchAxes) != 0 || len(p.rhsBatchAxes) != 0 ||
		len(p.lhsContractingAxes) != 1 || len(p.rhsContractingAxes) != 1 {
		return nil, nil
	}
	g, w = d.inputs[0], d.inputs[1]
	if g.shape.DType != dtypes.Float32 || w.shape.DType != dtypes.Float32 || g.shape.Rank() != 2 || w.shape.Rank() != 2 ||
		p.lhsContractingAxes[0] != 1 || p.rhsContractingAxes[0] != 1 {
		return nil, nil
	}
	cout := w.shape.Dimensions[1]
	if g.shape.Dimensions[0] != c2i.n*c2i.h*c2i.w || g.shape.Dimensions[1] != cout || w.shape.Dimensions[0] != 9*c2i.c {
		return nil, nil
	}
	return g, w
}

// execConvInputGrad computes the fused input gradient: the weights W [9·C,
// Cout] rearranged to HWIO [3, 3, Cout, C] flipped in space, then
// gemm.Conv3x3 of G.
func execConvInputGrad(backend *Backend, node *Node, inputs []*Buffer, d *convInputGradData) (*Buffer, error) {
	output := backend.getBufferForShape(node.shape)
	g, w := inputs[0].flat.([]float32), inputs[1].flat.([]float32)
	tbuf := backend.getBuffer(dtypes.Float32, 9*d.cin*d.cout)
	defer backend.putBuffer(tbuf)
	wt := tbuf.flat.([]float32)
	flipTransposeTaps(wt, w, d.cin, d.cout)
	gemm.Conv3x3(output.flat.([]float32), g, wt, d.n, d.h, d.w, d.cout, d.cin)
	return output, nil
}

// flipTransposeTaps writes into wt [9, Cout, C] the taps of w [9, C, Cout]
// in reverse order, each transposed: wt[k][o][c] = w[8−k][c][o]. The taps
// and blocks of 64 input channels are split over the cores; each block is
// transposed in 8×8 tiles by the AVX2 kernel when the channel counts are
// multiples of 8, else in 16×16 tiles by a Go loop (a column-by-column
// scatter over the whole tap missed the cache on every write: about half of
// the 3.5 ms input gradient of a 256→256 convolution on 4×4 maps).
func flipTransposeTaps(wt, w []float32, cin, cout int) {
	const blk, tile = 64, 16
	cb := (cin + blk - 1) / blk
	parallelFor(9*cb, blk*cout, func(i0, i1 int) {
		for i := i0; i < i1; i++ {
			k, c0 := i/cb, (i%cb)*blk
			c1 := min(cin, c0+blk)
			src := w[(8-k)*cin*cout : (9-k)*cin*cout] // tap (2-ky, 2-kx): [C, Cout]
			dst := wt[k*cin*cout : (k+1)*cin*cout]    // tap (ky, kx): [Cout, C]
			if transposeTapSIMD(dst, src, cin, cout, c0, c1) {
				continue
			}
			for o0 := 0; o0 < cout; o0 += tile {
				o1 := min(cout, o0+tile)
				for ct := c0; ct < c1; ct += tile {
					for c := ct; c < min(c1, ct+tile); c++ {
						row := src[c*cout+o0 : c*cout+o1]
						for j, v := range row {
							dst[(o0+j)*cin+c] = v
						}
					}
				}
			}
		}
	})
}

// tryFuseConv3DInputGradInterior is tryFuseConvInputGrad for a 3×3×3
// convolution: a Slice (of up to two Slices, one per padded axis) that cuts
// the interior [1:d+1, 1:h+1, 1:w+1] of a direct input-gradient node
// (fuse_conv3d.go) is built as a node computing only that interior, so the
// padded gradient and the Slices' copies are never made when nothing else
// uses them.
func (b *Builder) tryFuseConv3DInputGradInterior(operand *Node, outputShape shapes.Shape, starts []int) *Node {
	var offset [5]int
	copy(offset[:], starts)
	src := operand
	for range 2 {
		inner, ok := src.data.(*sliceNode)
		if src.opType != backends.OpTypeSlice || !ok || !unitStrides(inner.strides) || len(inner.starts) != 5 {
			break
		}
		for ax := range offset {
			offset[ax] += inner.starts[ax]
		}
		src = src.inputs[0]
	}
	d, ok := src.data.(*conv3x3Data)
	if src.opType != backends.OpTypeConvGeneral || !ok || d.conv3d == nil || d.conv3d.kind != conv3dInputGradDirect ||
		offset != [5]int{0, 1, 1, 1, 0} {
		return nil
	}
	op := *d.conv3d
	if !outputShape.Equal(shapes.Make(dtypes.Float32, op.n, op.d, op.h, op.w, op.cin)) {
		return nil
	}
	op.kind = conv3dInputGradInterior
	fusion3DCounts.inputGradInterior.Add(1)
	return b.newConv3DNode(op, outputShape, src.inputs...)
}
