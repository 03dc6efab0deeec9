package simplego

import (
	"math"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Fusion of GoMLX's gradient of Max(x, y) (a ReLU when y is zero) into one
// pass.
//
// GoMLX differentiates Max(x, y) as Mul(v, NonNegativeIndicator(Sub(x, y))),
// with NonNegativeIndicator(t) = Sign(Add(Sign(t), 1)): four element-wise
// passes and three intermediate tensors before the Mul. When y and the 1 are
// scalar constants (after absorbBroadcasts), the Mul is built as one node
// that evaluates the same float32 operations per element,
//
//	v · sign(sign(x − c0) + c1)
//
// in the same order with the same Sign (fastSign's), so the result is
// bit-identical; the intermediate nodes are never executed when nothing else
// uses them.

// reluGradCount counts the fused nodes built (Fusions).
var reluGradCount atomic.Int64

// reluGradData marks a fused Mul node with inputs (v, x): out = v · ind, or
// ind · v when indFirst, with ind = sign(sign(x − c0) + c1).
type reluGradData struct {
	c0, c1   float32
	indFirst bool
}

// tryFuseReluGrad returns the fused node for Mul(lhs, rhs) when one operand is
// Sign(Add(Sign(Sub(x, c0)), c1)) with scalar constants c0, c1 and x of the
// output's shape, or nil.
func (b *Builder) tryFuseReluGrad(opType backends.OpType, shape shapes.Shape, lhs, rhs *Node) *Node {
	if opType != backends.OpTypeMul || b.backend.reference || shape.DType != dtypes.Float32 {
		return nil
	}
	for i, pair := range [2][2]*Node{{lhs, rhs}, {rhs, lhs}} {
		v, ind := pair[0], pair[1]
		if !v.shape.Equal(shape) {
			continue
		}
		x, c0, c1, ok := nonNegativeIndicatorOf(ind)
		if !ok || !x.shape.Equal(shape) {
			continue
		}
		reluGradCount.Add(1)
		node := b.newNode(backends.OpTypeMul, shape, v, x)
		node.data = &reluGradData{c0: c0, c1: c1, indFirst: i == 1}
		return node
	}
	return nil
}

// nonNegativeIndicatorOf matches ind = Sign(Add(Sign(Sub(x, c0)), c1)) (the Add
// in either operand order) with scalar float32 constants c0 and c1.
func nonNegativeIndicatorOf(ind *Node) (x *Node, c0, c1 float32, ok bool) {
	if ind.opType != backends.OpTypeSign || ind.shape.DType != dtypes.Float32 {
		return
	}
	add := ind.inputs[0]
	if add.opType != backends.OpTypeAdd || add.data != nil {
		return
	}
	s, c := add.inputs[0], add.inputs[1]
	if s.opType != backends.OpTypeSign {
		s, c = c, s
	}
	if c1, ok = scalarConstant(c); !ok || s.opType != backends.OpTypeSign {
		return nil, 0, 0, false
	}
	sub := s.inputs[0]
	if sub.opType != backends.OpTypeSub || sub.data != nil {
		return nil, 0, 0, false
	}
	if c0, ok = scalarConstant(sub.inputs[1]); !ok {
		return nil, 0, 0, false
	}
	return sub.inputs[0], c0, c1, true
}

// scalarConstant returns the value of a float32 scalar Constant node.
func scalarConstant(n *Node) (float32, bool) {
	if n.opType != backends.OpTypeConstant || !n.shape.IsScalar() || n.shape.DType != dtypes.Float32 {
		return 0, false
	}
	buf, ok := n.data.(*Buffer)
	if !ok {
		return 0, false
	}
	flat, ok := buf.flat.([]float32)
	if !ok || len(flat) != 1 {
		return 0, false
	}
	return flat[0], true
}

// signFloat32 is fastSign's Sign: ±1 with x's sign bit, +0 for ±0 and NaN.
func signFloat32(x float32) float32 {
	bits := math.Float32bits(x)
	m := bits & 0x7fffffff
	nonZero := uint32(int32(-m) >> 31)         // all ones when m > 0
	isNaN := uint32(int32(0x7f800000-m) >> 31) // all ones when m > 0x7f800000
	return math.Float32frombits((bits&0x80000000 | 0x3f800000) & nonZero &^ isNaN)
}

// execReluGrad evaluates a fused node of tryFuseReluGrad.
func execReluGrad(backend *Backend, node *Node, inputs []*Buffer, d *reluGradData) (*Buffer, error) {
	output := backend.getBufferForShape(node.shape)
	v, x, o := inputs[0].flat.([]float32), inputs[1].flat.([]float32), output.flat.([]float32)
	c0, c1 := d.c0, d.c1
	parallelFor(len(o), 1, func(i0, i1 int) {
		v, x, o := v[i0:i1], x[i0:i1], o[i0:i1]
		if d.indFirst {
			for i := range o {
				o[i] = signFloat32(signFloat32(x[i]-c0)+c1) * v[i]
			}
			return
		}
		for i := range o {
			o[i] = v[i] * signFloat32(signFloat32(x[i]-c0)+c1)
		}
	})
	return output, nil
}
