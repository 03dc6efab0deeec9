package simplego

import (
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Fusion of a per-channel affine map followed by Max with a scalar — batch
// normalisation's Add(Mul(x, scale), shift) and a ReLU — into one pass.
//
// Max(Add(Mul(x, s), t), c), with s and t of shape [1, …, 1, C] (C the last
// axis of x) and c a scalar constant, is built as one node reading x, s and t
// that evaluates max(float32(x·s) + t, c) per element: the same float32
// operations, each rounded, so the result is bit-identical; the Mul and Add
// are never executed when nothing else uses them. The gradient of that Max
// (fuse_relugrad.go) recomputes Add(Mul(x, s), t) the same way instead of
// reading it, so in training too the two intermediate tensors are not needed
// by the ReLU.

// affineMaxCount counts the fused nodes built (Fusions).
var affineMaxCount atomic.Int64

// affineMaxData marks a fused Max node with inputs (x, s, t).
type affineMaxData struct {
	c float32
}

// affineOf returns x, s and t when y is Add(Mul(x, s), t) (either operand
// order in both) with x of y's shape and s, t of shape [1, …, 1, C], looking
// through Identity nodes around y and x (fuse_bn.go).
func affineOf(y *Node) (x, s, t *Node, ok bool) {
	y = unwrapIdentity(y)
	if y.opType != backends.OpTypeAdd || y.data != nil || y.shape.DType != dtypes.Float32 || y.shape.Rank() == 0 {
		return nil, nil, nil, false
	}
	m, t := y.inputs[0], y.inputs[1]
	if m.opType != backends.OpTypeMul {
		m, t = t, m
	}
	if m.opType != backends.OpTypeMul || m.data != nil || !perChannel(t, y.shape) {
		return nil, nil, nil, false
	}
	x, s = m.inputs[0], m.inputs[1]
	if !x.shape.Equal(y.shape) {
		x, s = s, x
	}
	if !x.shape.Equal(y.shape) || !perChannel(s, y.shape) {
		return nil, nil, nil, false
	}
	return unwrapIdentity(x), s, t, true
}

// perChannel reports whether v is float32 [1, …, 1, C] for shape's last axis C.
func perChannel(v *Node, shape shapes.Shape) bool {
	r := shape.Rank()
	if v.shape.DType != dtypes.Float32 || v.shape.Rank() != r {
		return false
	}
	for ax, d := range v.shape.Dimensions {
		if (ax < r-1 && d != 1) || (ax == r-1 && d != shape.Dimensions[r-1]) {
			return false
		}
	}
	return true
}

// tryFuseAffineMax returns the fused node for Max(lhs, rhs) when one operand is
// an affine map of affineOf and the other a scalar constant, or nil.
func (b *Builder) tryFuseAffineMax(opType backends.OpType, shape shapes.Shape, lhs, rhs *Node) *Node {
	if opType != backends.OpTypeMax || b.backend.reference || shape.DType != dtypes.Float32 {
		return nil
	}
	y, cn := lhs, rhs
	c, ok := scalarConstant(cn)
	if !ok {
		y, cn = rhs, lhs
		if c, ok = scalarConstant(cn); !ok {
			return nil
		}
	}
	x, s, t, ok := affineOf(y)
	if !ok || !y.shape.Equal(shape) {
		return nil
	}
	if node := b.tryFuseConvAffineMax(shape, y, c); node != nil {
		return node
	}
	affineMaxCount.Add(1)
	node := b.newNode(backends.OpTypeMax, shape, x, s, t)
	node.data = &affineMaxData{c: c}
	return node
}

// execAffineMax evaluates a fused node of tryFuseAffineMax.
func execAffineMax(backend *Backend, node *Node, inputs []*Buffer, d *affineMaxData) (*Buffer, error) {
	output := backend.getBufferForShape(node.shape)
	x, s, t, o := inputs[0].flat.([]float32), inputs[1].flat.([]float32), inputs[2].flat.([]float32), output.flat.([]float32)
	nc := len(s)
	parallelFor(len(o)/nc, nc, func(p0, p1 int) {
		affineMaxRows(o[p0*nc:p1*nc], x[p0*nc:p1*nc], s, t, d.c)
	})
	return output, nil
}

// affineMaxRows sets each row [len(s)] of o to max(float32(x·s) + t, c).
func affineMaxRows(o, x, s, t []float32, c float32) {
	affineMaxRowsFrom(o, x, s, t, c, affineReluPeriods(o, x, s, t, c))
}

// affineMaxRowsFrom is affineMaxRows on the rows of o from value p on (the
// values before p done by the AVX2 kernel).
func affineMaxRowsFrom(o, x, s, t []float32, c float32, p int) {
	nc := len(s)
	t = t[:nc]
	for ; p+nc <= len(o); p += nc {
		xr, or := x[p:p+nc], o[p:p+nc]
		for ch, sv := range s {
			or[ch] = max(float32(xr[ch]*sv)+t[ch], c)
		}
	}
}
