package simplego

import (
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Fusions of batch normalisation's statistics and of its closed-form
// gradient (unet/batchnorm.go), for a tensor x [P…, C] with C its last axis
// (any rank, so 2D and 3D networks alike):
//
//   - the per-channel sums that reduce every axis but the last — ReduceSum(x),
//     ReduceSum(Mul(a, b)) (Σg and Σg·x of the gradient, where GoMLX would
//     otherwise build a DotGeneral: fuse_mulreduce.go) and
//     ReduceSum(Mul(d, d)) with d = Sub(x, m) for m [1, …, 1, C] (the centred
//     sum of squares of the variance, without materialising d) — are one pass
//     each over x in blocks (execChanReduce), in an order that does not depend
//     on the number of cores nor on the kernel path (fuse_simd.go). The
//     summation order differs from the unfused ops (float32 rounding);
//   - the gradient's element-wise pass Add(Add(Mul(g, a), Mul(x, b)), c), with
//     a, b, c [1, …, 1, C], is one pass evaluating the same float32 operations
//     in the same order (bit-identical), in place in g's buffer when g is dead
//     afterwards.
//
// Identity nodes (GoMLX's StopGradient and IdentityWithCustomGradient, which
// batchnorm.go uses to give BatchNorm its closed-form gradient) are looked
// through by the BatchNorm+ReLU fusions (fuse_bnrelu.go).

// bnFusionCounts counts the fused nodes built (Fusions).
var bnFusionCounts struct {
	chanSum, chanDot, chanSumSq, chanLin atomic.Int64
}

// chanReduceKind is what a per-channel reduction sums.
type chanReduceKind int

const (
	chanSumKind   chanReduceKind = iota // Σ x (inputs x)
	chanDotKind                         // Σ a·b (inputs a, b)
	chanSumSqKind                       // Σ (x − m)² (inputs x, m)
)

// chanReduceData marks a fused per-channel ReduceSum node.
type chanReduceData struct {
	kind chanReduceKind
}

// chanLinData marks a fused Add node with inputs (g, a, x, b, c): out =
// float32(float32(g·a) + float32(x·b)) + c.
type chanLinData struct{}

// unwrapIdentity follows Identity nodes to the node they copy.
func unwrapIdentity(n *Node) *Node {
	for n.opType == backends.OpTypeIdentity {
		n = n.inputs[0]
	}
	return n
}

// tryFuseChanReduce returns the fused node of ReduceSum(x, axes) when axes are
// all of x's axes but the last and x is float32 of rank ≥ 2: a centred sum of
// squares, a per-channel dot product or a plain per-channel sum; nil otherwise.
func (b *Builder) tryFuseChanReduce(x *Node, axes []int) *Node {
	r := x.shape.Rank()
	if b.backend.reference || x.shape.DType != dtypes.Float32 || r < 2 || len(axes) != r-1 {
		return nil
	}
	for i, ax := range axes {
		if ax != i {
			return nil
		}
	}
	out := shapes.Make(dtypes.Float32, x.shape.Dimensions[r-1])
	newReduce := func(kind chanReduceKind, count *atomic.Int64, inputs ...*Node) *Node {
		count.Add(1)
		node := b.newNode(backends.OpTypeReduceSum, out, inputs...)
		node.data = &chanReduceData{kind: kind}
		return node
	}
	if x.opType == backends.OpTypeMul && x.data == nil {
		p, q := x.inputs[0], x.inputs[1]
		if p == q && p.opType == backends.OpTypeSub && p.data == nil &&
			p.inputs[0].shape.Equal(x.shape) && perChannel(p.inputs[1], x.shape) {
			return newReduce(chanSumSqKind, &bnFusionCounts.chanSumSq, p.inputs[0], p.inputs[1])
		}
		if p.shape.Equal(x.shape) && q.shape.Equal(x.shape) && !isBroadcastLike(p) && !isBroadcastLike(q) {
			return newReduce(chanDotKind, &bnFusionCounts.chanDot, p, q)
		}
	}
	return newReduce(chanSumKind, &bnFusionCounts.chanSum, x)
}

// isBroadcastLike reports whether n broadcasts a smaller tensor (through
// broadcasts and reshapes): ReduceSum(Mul) of such operands is the outer
// product that fuse_mulreduce.go turns into a DotGeneral of their sources.
func isBroadcastLike(n *Node) bool {
	src, _ := mulReduceSource(n)
	return src.shape.Size() != n.shape.Size()
}

// chanBlockPeriods is the number of periods (chanPeriod) summed into one
// partial sum.
const chanBlockPeriods = 16

// execChanReduce evaluates a fused node of tryFuseChanReduce: each block of
// chanBlockPeriods periods sums into its own period accumulators (value i of
// the block into accumulator i mod period, rows in order), the blocks'
// accumulators are added in block order, and each channel's accumulators in
// order: the same sums on any number of cores, and on both kernel paths.
func execChanReduce(backend *Backend, node *Node, inputs []*Buffer, d *chanReduceData) (*Buffer, error) {
	output := backend.getBufferForShape(node.shape)
	o := output.flat.([]float32)
	nc := len(o)
	period := chanPeriod(nc)
	x := inputs[0].flat.([]float32)
	var m []float32
	switch d.kind {
	case chanDotKind:
		m = inputs[1].flat.([]float32)
	case chanSumSqKind:
		m = periodic(inputs[1].flat.([]float32)[:nc], period)
	}
	blockLen := period * chanBlockPeriods
	blocks := (len(x) + blockLen - 1) / blockLen
	partial := make([]float32, blocks*period)
	parallelFor(blocks, blockLen, func(b0, b1 int) {
		for blk := b0; blk < b1; blk++ {
			lo, hi := blk*blockLen, min((blk+1)*blockLen, len(x))
			mb := m
			if d.kind == chanDotKind {
				mb = m[lo:hi]
			}
			chanSumBlock(d.kind, partial[blk*period:(blk+1)*period], x[lo:hi], mb)
		}
	})
	total := make([]float32, period)
	for blk := range blocks {
		for j, v := range partial[blk*period : (blk+1)*period] {
			total[j] += v
		}
	}
	clear(o)
	for j, v := range total {
		o[j%nc] += v
	}
	return output, nil
}

// tryFuseChanLin returns the fused node of Add(lhs, rhs) when it is
// Add(Add(Mul(g, a), Mul(x, b)), c) (any operand order) with g and x of the
// output's shape and a, b, c of shape [1, …, 1, C]; nil otherwise.
func (b *Builder) tryFuseChanLin(opType backends.OpType, shape shapes.Shape, lhs, rhs *Node) *Node {
	if opType != backends.OpTypeAdd || b.backend.reference || shape.DType != dtypes.Float32 || shape.Rank() < 1 {
		return nil
	}
	inner, c := lhs, rhs
	if !perChannel(c, shape) {
		inner, c = rhs, lhs
	}
	if !perChannel(c, shape) || inner.opType != backends.OpTypeAdd || inner.data != nil || !inner.shape.Equal(shape) {
		return nil
	}
	g, a, ok1 := scaledOf(inner.inputs[0], shape)
	x, bb, ok2 := scaledOf(inner.inputs[1], shape)
	if !ok1 || !ok2 {
		return nil
	}
	bnFusionCounts.chanLin.Add(1)
	node := b.newNode(backends.OpTypeAdd, shape, g, a, x, bb, c)
	node.data = &chanLinData{}
	return node
}

// scaledOf returns x and s when m is a plain Mul(x, s) (either order) with x
// of the given shape and s of shape [1, …, 1, C].
func scaledOf(m *Node, shape shapes.Shape) (x, s *Node, ok bool) {
	if m.opType != backends.OpTypeMul || m.data != nil {
		return nil, nil, false
	}
	x, s = m.inputs[0], m.inputs[1]
	if !perChannel(s, shape) {
		x, s = s, x
	}
	return x, s, x.shape.Equal(shape) && perChannel(s, shape)
}

// execChanLin evaluates a fused node of tryFuseChanLin, in g's buffer when the
// executor owns it.
func execChanLin(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	var output *Buffer
	if inputsOwned[0] && inputs[0].shape.Equal(node.shape) {
		output, inputs[0] = inputs[0], nil
	} else {
		output = backend.getBufferForShape(node.shape)
	}
	g := output.flat.([]float32)
	if inputs[0] != nil {
		g = inputs[0].flat.([]float32)
	}
	a, x, b, c := inputs[1].flat.([]float32), inputs[2].flat.([]float32), inputs[3].flat.([]float32), inputs[4].flat.([]float32)
	o := output.flat.([]float32)
	nc := len(a)
	parallelFor(len(o)/nc, 3*nc, func(p0, p1 int) {
		lo, hi := p0*nc, p1*nc
		chanLinRows(o[lo:hi], g[lo:hi], a, x[lo:hi], b, c)
	})
	return output, nil
}

// chanLinRows sets each row of o to float32(float32(g·a) + float32(x·b)) + c.
func chanLinRows(o, g, a, x, b, c []float32) {
	nc := len(a)
	b, c = b[:nc], c[:nc]
	for p := chanLinPeriods(o, g, a, x, b, c); p+nc <= len(o); p += nc {
		gr, xr, or := g[p:p+nc], x[p:p+nc], o[p:p+nc]
		for ch, av := range a {
			or[ch] = float32(float32(gr[ch]*av)+float32(xr[ch]*b[ch])) + c[ch]
		}
	}
}
