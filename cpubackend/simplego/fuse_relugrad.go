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
// With affine, the inputs are (v, x0, s, t) and x = float32(x0·s) + t per
// channel is recomputed (fuse_bnrelu.go).
type reluGradData struct {
	c0, c1   float32
	indFirst bool
	affine   bool
	// pool marks a max-pooling gradient with inputs (v, x, m): x − m
	// replaces x − c0, v and m broadcast (fuse_train_poolgrad.go).
	pool bool
}

// tryFuseReluGrad returns the fused node for Mul(lhs, rhs) when one operand is
// Sign(Add(Sign(Sub(x, c0)), c1)) with scalar constants c0, c1 and x of the
// output's shape, or nil; failing that, a max-pooling gradient
// (tryFusePoolGrad) or nil.
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
		data := &reluGradData{c0: c0, c1: c1, indFirst: i == 1}
		var node *Node
		if x0, s, t, ok := affineOf(x); ok {
			data.affine = true
			node = b.newNode(backends.OpTypeMul, shape, v, x0, s, t)
		} else {
			node = b.newNode(backends.OpTypeMul, shape, v, x)
		}
		node.data = data
		return node
	}
	return b.tryFusePoolGrad(opType, shape, lhs, rhs)
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

// reluIndicator is signFloat32(signFloat32(y)+1) (c0 = 0, c1 = 1: a ReLU's
// gradient mask) in one step: +0 where y < 0, 1 elsewhere (±0, NaN and y > 0).
func reluIndicator(y float32) float32 {
	b := math.Float32bits(y)
	m := b & 0x7fffffff
	nonZero := uint32(int32(-m) >> 31)           // all ones when m > 0
	notNaN := ^uint32(int32(0x7f800000-m) >> 31) // all ones when m ≤ 0x7f800000
	neg := uint32(int32(b) >> 31)                // all ones when the sign bit is set
	return math.Float32frombits(0x3f800000 &^ (neg & nonZero & notNaN))
}

// indicator returns the mask function of d: reluIndicator for c0 = 0, c1 = 1,
// the two Signs otherwise.
func (d *reluGradData) indicator() func(x float32) float32 {
	if d.c0 == 0 && d.c1 == 1 {
		return reluIndicator
	}
	c0, c1 := d.c0, d.c1
	return func(x float32) float32 { return signFloat32(signFloat32(x-c0) + c1) }
}

// execReluGrad evaluates a fused node of tryFuseReluGrad.
func execReluGrad(backend *Backend, node *Node, inputs []*Buffer, d *reluGradData) (*Buffer, error) {
	if d.affine {
		return execAffineReluGrad(backend, node, inputs, d)
	}
	if d.pool {
		return execPoolGrad(backend, node, inputs, d)
	}
	output := backend.getBufferForShape(node.shape)
	v, x, o := inputs[0].flat.([]float32), inputs[1].flat.([]float32), output.flat.([]float32)
	if d.c0 == 0 && d.c1 == 1 {
		// x − 0 is x for every float32 (−0 − 0 = −0), and the mask of x
		// is reluIndicator's.
		parallelFor(len(o), 1, func(i0, i1 int) {
			v, x, o := v[i0:i1], x[i0:i1], o[i0:i1]
			if d.indFirst {
				for i := range o {
					o[i] = reluIndicator(x[i]) * v[i]
				}
				return
			}
			for i := range o {
				o[i] = v[i] * reluIndicator(x[i])
			}
		})
		return output, nil
	}
	ind := d.indicator()
	parallelFor(len(o), 1, func(i0, i1 int) {
		v, x, o := v[i0:i1], x[i0:i1], o[i0:i1]
		if d.indFirst {
			for i := range o {
				o[i] = ind(x[i]) * v[i]
			}
			return
		}
		for i := range o {
			o[i] = v[i] * ind(x[i])
		}
	})
	return output, nil
}

// execAffineReluGrad is execReluGrad with x = float32(x0·s) + t recomputed
// per channel.
func execAffineReluGrad(backend *Backend, node *Node, inputs []*Buffer, d *reluGradData) (*Buffer, error) {
	output := backend.getBufferForShape(node.shape)
	v, x0, o := inputs[0].flat.([]float32), inputs[1].flat.([]float32), output.flat.([]float32)
	s, t := inputs[2].flat.([]float32), inputs[3].flat.([]float32)
	nc := len(s)
	t = t[:nc]
	ind := d.indicator()
	relu := d.c0 == 0 && d.c1 == 1
	parallelFor(len(o)/nc, nc, func(p0, p1 int) {
		if relu && !d.indFirst { // the ReLU's case
			affineReluGradRows(o[p0*nc:p1*nc], v[p0*nc:p1*nc], x0[p0*nc:p1*nc], s, t)
			return
		}
		for p := p0; p < p1; p++ {
			vr, xr, or := v[p*nc:(p+1)*nc], x0[p*nc:(p+1)*nc], o[p*nc:(p+1)*nc]
			switch {
			case d.indFirst:
				for ch, sv := range s {
					or[ch] = ind(float32(xr[ch]*sv)+t[ch]) * vr[ch]
				}
				continue
			}
			for ch, sv := range s {
				or[ch] = vr[ch] * ind(float32(xr[ch]*sv)+t[ch])
			}
		}
	})
	return output, nil
}

// affineReluGradRows sets each row [len(s)] of o to v · reluIndicator(float32(x0·s) + t).
func affineReluGradRows(o, v, x0, s, t []float32) {
	nc := len(s)
	t = t[:nc]
	for p := affineReluGradPeriods(o, v, x0, s, t); p+nc <= len(o); p += nc {
		vr, xr, or := v[p:p+nc], x0[p:p+nc], o[p:p+nc]
		for ch, sv := range s {
			or[ch] = vr[ch] * reluIndicator(float32(xr[ch]*sv)+t[ch])
		}
	}
}
