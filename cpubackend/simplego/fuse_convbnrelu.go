package simplego

import (
	"slices"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/protoseg-go/protoseg-go/cpubackend/gemm"
)

// Fusion of a 3×3 convolution with the BatchNorm+ReLU that follows it, as an
// epilogue of the convolution's output pass.
//
// In inference, BatchNorm is the per-channel affine map of the running
// statistics, so Max(Add(Mul(conv, s), t), c) (fuse_bnrelu.go) needs the
// convolution's output only element by element. When the fused convolution
// (fuse_conv.go), possibly behind a Reshape, has no other user than that
// Mul, the Max is built as one ConvGeneral node reading (x, w, s, t) that
// runs gemm.Conv3x3Post with the affine+ReLU rows of fuse_bnrelu.go as the
// epilogue: each block of output pixels is rewritten in place while in
// cache, and the feature map is written once instead of twice. The float32
// operations are the same as the unfused pair's (conv, then
// max(float32(y·s) + t, c) per element), so the result is bit-identical —
// except where gemm.WinogradWins (channel counts multiples of 8, enough
// tiles): there the node runs gemm.Conv3x3Winograd, whose F(2×2, 3×3)
// rounds differently (bounded in gemm's docs), and inference's features
// differ from training's forward pass at float32 rounding.
// In training the convolution's output also feeds BatchNorm's statistics, so
// the fusion does not fire there (the convolution would run twice). Users
// built after the Max (such as the gradient of an input-gradient graph) are
// caught at Compile: a fused node whose convolution or intermediate map is
// still needed by another live node is turned back into the plain
// affine+ReLU node of fuse_bnrelu.go (unfuseSharedConvEpilogues).

// convAffineMaxCount counts the fused nodes built (Fusions).
var convAffineMaxCount atomic.Int64

// convEpilogue is the affine+ReLU epilogue of a fused conv3x3Data (the last
// two inputs of the node are s and t).
type convEpilogue struct {
	c float32
	// x, s, t are the operands of the plain affine+ReLU node, and chain the
	// nodes the fusion skips (the convolution, its Reshape, the Mul, the
	// Add), for unfuseSharedConvEpilogues.
	x, s, t *Node
	chain   []*Node
}

// onlyUser reports whether user is the only node of the builder that reads
// n (and reads it once).
func (b *Builder) onlyUser(n, user *Node) bool {
	uses := 0
	for _, node := range b.nodes {
		for _, in := range node.inputs {
			if in == n {
				if node != user {
					return false
				}
				uses++
			}
		}
	}
	return uses == 1
}

// tryFuseConvAffineMax returns the fused node for Max(y, c) when y =
// Add(Mul(x, s), t) is the affine map of affineOf and x a fused 3×3
// convolution (or a Reshape of one) read by nothing else; nil otherwise.
func (b *Builder) tryFuseConvAffineMax(shape shapes.Shape, y *Node, c float32) *Node {
	y = unwrapIdentity(y)
	if y.opType != backends.OpTypeAdd || len(y.inputs) != 2 {
		return nil
	}
	m := y.inputs[0]
	if m.opType != backends.OpTypeMul {
		m = y.inputs[1]
	}
	if m.opType != backends.OpTypeMul || !b.onlyUser(m, y) {
		return nil
	}
	x, s, t, ok := affineOf(y)
	if !ok || (m.inputs[0] != x && m.inputs[1] != x) || !b.onlyUser(x, m) {
		return nil
	}
	conv := x
	if conv.opType == backends.OpTypeReshape {
		conv = conv.inputs[0]
		if !b.onlyUser(conv, x) {
			return nil
		}
	}
	d, ok := conv.data.(*conv3x3Data)
	if conv.opType != backends.OpTypeConvGeneral || !ok || d.conv3d != nil || d.epilogue != nil ||
		conv.shape.Size() != shape.Size() {
		return nil
	}
	fused := *d
	fused.epilogue = &convEpilogue{c: c, x: x, s: s, t: t, chain: []*Node{conv, x, m, y}}
	convAffineMaxCount.Add(1)
	node := b.newNode(backends.OpTypeConvGeneral, shape, append(slices.Clone(conv.inputs), s, t)...)
	node.data = &fused
	return node
}

// execConv3x3Epilogue runs a convolution fused by tryFuseConvAffineMax.
func execConv3x3Epilogue(backend *Backend, node *Node, inputs []*Buffer, d *conv3x3Data) (*Buffer, error) {
	output := backend.getBufferForShape(node.shape)
	s, t := inputs[2].flat.([]float32), inputs[3].flat.([]float32)
	c := d.epilogue.c
	sp, tp := affineReluTables(s, t, c) // once per call, not per block
	post := func(o []float32) {
		p := 0
		if sp != nil {
			p = affineReluPeriodic(o, o, sp, tp)
		}
		affineMaxRowsFrom(o, o, s, t, c, p)
	}
	conv := gemm.Conv3x3Post // inference only: Winograd rounds differently
	if gemm.WinogradWins(d.n, d.h, d.w, d.cin, d.cout) {
		conv = gemm.Conv3x3Winograd
	}
	conv(output.flat.([]float32), inputs[0].flat.([]float32), inputs[1].flat.([]float32),
		d.n, d.h, d.w, d.cin, d.cout, post)
	return output, nil
}

// unfuseSharedConvEpilogues turns every live fused node of
// tryFuseConvAffineMax whose skipped nodes are still needed by another live
// node back into the plain affine+ReLU node, so that the convolution runs
// once (hook: Compile in builder.go, before fuseElementwise).
func (b *Builder) unfuseSharedConvEpilogues() {
	if b.backend.reference {
		return
	}
	uses := b.liveUses()
	for _, n := range b.nodes {
		d, ok := n.data.(*conv3x3Data)
		if !ok || d.epilogue == nil || uses[n.builderIdx] == 0 {
			continue
		}
		e := d.epilogue
		if !slices.ContainsFunc(e.chain, func(c *Node) bool { return uses[c.builderIdx] > 0 }) {
			continue
		}
		n.opType, n.inputs, n.data = backends.OpTypeMax, []*Node{e.x, e.s, e.t}, &affineMaxData{c: e.c}
		convAffineMaxCount.Add(-1)
		affineMaxCount.Add(1)
	}
}
