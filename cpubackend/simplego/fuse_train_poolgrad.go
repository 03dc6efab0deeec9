package simplego

import (
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Fusion of GoMLX's gradient of a 2×2 (or 2×2×2) max-pooling into one pass.
//
// package unet pools x [N, H, W, C] as ReduceMax(Reshape(x, N, H/2, 2, W/2,
// 2, C), 2, 4) (and a volume with one more pair of axes). GoMLX
// differentiates ReduceMax as
//
//	Mul(Broadcast(v'), Sign(Add(Sign(Sub(x', Broadcast(m'))), 1)))
//
// with x' the reshaped input, m' the pooled maximum and v' the output
// gradient, both reshaped to [N, H/2, 1, W/2, 1, C]: Sub, Sign (the Add and
// outer Sign fused by fuse_elementwise.go) and Mul each pass over the full
// map, the first and last broadcasting. After absorbBroadcasts the Mul's
// operands are v' and the mask, so the Mul is built here as one node with
// inputs (v', x', m') that evaluates, per element,
//
//	v · reluIndicator(x − m)
//
// which is the same float32 operations as the op-by-op graph (reluIndicator
// is sign(sign(t) + 1) in one step, fuse_relugrad.go; the product of v with
// a mask that is never NaN has the same bits in either operand order), so
// the result is bit-identical. The intermediate nodes are not executed when
// nothing else uses them.

// poolGradCount counts the fused nodes built (TrainFusions).
var poolGradCount atomic.Int64

// tryFusePoolGrad returns the fused node for Mul(lhs, rhs) when one operand
// is Sign(Add(Sign(Sub(x, m)), 1)) with x of the output's shape, and the
// other operand v and m share one shape that is the output's with the axes
// before the last two pairs (…, W/2, 2, C) free and every pooled axis of
// size 1 (see poolGradLayout); or nil.
func (b *Builder) tryFusePoolGrad(opType backends.OpType, shape shapes.Shape, lhs, rhs *Node) *Node {
	if opType != backends.OpTypeMul || b.backend.reference || shape.DType != dtypes.Float32 {
		return nil
	}
	for i, pair := range [2][2]*Node{{lhs, rhs}, {rhs, lhs}} {
		v, ind := pair[0], pair[1]
		x, m, ok := poolIndicatorOf(ind)
		if !ok || !x.shape.Equal(shape) || !m.shape.Equal(v.shape) || v.shape.DType != dtypes.Float32 {
			continue
		}
		if _, ok := poolGradLayout(shape.Dimensions, v.shape.Dimensions); !ok {
			continue
		}
		poolGradCount.Add(1)
		node := b.newNode(backends.OpTypeMul, shape, v, x, m)
		node.data = &reluGradData{c0: 0, c1: 1, indFirst: i == 1, pool: true}
		return node
	}
	return nil
}

// poolIndicatorOf matches ind = Sign(Add(Sign(Sub(x, m)), 1)) (the Add in
// either operand order) with m a node (not a scalar constant: that is
// tryFuseReluGrad's case) and 1 a float32 scalar constant.
func poolIndicatorOf(ind *Node) (x, m *Node, ok bool) {
	if ind.opType != backends.OpTypeSign || ind.shape.DType != dtypes.Float32 {
		return nil, nil, false
	}
	add := ind.inputs[0]
	if add.opType != backends.OpTypeAdd || add.data != nil {
		return nil, nil, false
	}
	s, c := add.inputs[0], add.inputs[1]
	if s.opType != backends.OpTypeSign {
		s, c = c, s
	}
	if c1, ok := scalarConstant(c); !ok || c1 != 1 || s.opType != backends.OpTypeSign {
		return nil, nil, false
	}
	sub := s.inputs[0]
	if sub.opType != backends.OpTypeSub || sub.data != nil || !sub.shape.Equal(ind.shape) {
		return nil, nil, false
	}
	if _, isConst := scalarConstant(sub.inputs[1]); isConst {
		return nil, nil, false
	}
	return sub.inputs[0], sub.inputs[1], true
}

// poolLayout is how a fused pooling gradient walks its operands: outer rows
// of the full map, each of 2·w2·c values (the axes …, W/2, 2, C), read
// against rows of w2·c values of v and m; redOff[r] is the offset of outer
// row r's values in v and m.
type poolLayout struct {
	w2, c  int
	redOff []int
}

// poolGradLayout checks that red (the shape of v and m) is full (the
// output's) with the last three axes (W/2, 2, C) → (W/2, 1, C), every other
// axis either equal or 2 → 1, and returns the walk.
func poolGradLayout(full, red []int) (poolLayout, bool) {
	r := len(full)
	if r < 3 || len(red) != r || red[r-1] != full[r-1] || red[r-2] != 1 || full[r-2] != 2 || red[r-3] != full[r-3] {
		return poolLayout{}, false
	}
	outer, strides, stride := 1, make([]int, r-3), full[r-3]*full[r-1]
	for ax := r - 4; ax >= 0; ax-- {
		switch {
		case red[ax] == full[ax]:
			strides[ax] = stride
			stride *= red[ax]
		case red[ax] == 1 && full[ax] == 2:
			strides[ax] = 0
		default:
			return poolLayout{}, false
		}
		outer *= full[ax]
	}
	l := poolLayout{w2: full[r-3], c: full[r-1], redOff: make([]int, outer)}
	idx := make([]int, r-3)
	for row, off := 0, 0; row < outer; row++ {
		l.redOff[row] = off
		for ax := r - 4; ax >= 0; ax-- { // odometer
			idx[ax]++
			off += strides[ax]
			if idx[ax] < full[ax] {
				break
			}
			off -= idx[ax] * strides[ax]
			idx[ax] = 0
		}
	}
	return l, true
}

// execPoolGrad evaluates a fused node of tryFusePoolGrad: inputs (v, x, m).
func execPoolGrad(backend *Backend, node *Node, inputs []*Buffer, d *reluGradData) (*Buffer, error) {
	l, _ := poolGradLayout(node.shape.Dimensions, inputs[0].shape.Dimensions)
	output := backend.getBufferForShape(node.shape)
	v, x, m := inputs[0].flat.([]float32), inputs[1].flat.([]float32), inputs[2].flat.([]float32)
	o := output.flat.([]float32)
	rowLen, redLen := 2*l.w2*l.c, l.w2*l.c
	parallelFor(len(l.redOff), rowLen, func(r0, r1 int) {
		for r := r0; r < r1; r++ {
			off := l.redOff[r]
			poolGradRow(o[r*rowLen:(r+1)*rowLen], v[off:off+redLen], x[r*rowLen:(r+1)*rowLen], m[off:off+redLen], l.c, d.indFirst)
		}
	})
	return output, nil
}

// poolGradRow sets o [w2, 2, c] to v · reluIndicator(x − m) with v and m
// [w2, c] broadcast over the middle axis (ind · v when indFirst: the same
// bits, kept for symmetry with the graph).
func poolGradRow(o, v, x, m []float32, c int, indFirst bool) {
	if !indFirst && poolGradRowSIMD(o, v, x, m, c) {
		return
	}
	for p := 0; p+c <= len(v); p += c {
		vr, mr := v[p:p+c], m[p:p+c]
		for dx := range 2 {
			xr, or := x[2*p+dx*c:2*p+dx*c+c], o[2*p+dx*c:2*p+dx*c+c]
			if indFirst {
				for ch, mv := range mr {
					or[ch] = reluIndicator(xr[ch]-mv) * vr[ch]
				}
				continue
			}
			for ch, mv := range mr {
				or[ch] = vr[ch] * reluIndicator(xr[ch]-mv)
			}
		}
	}
}

// TrainFusionCounts is how many fused nodes the training fusions of the
// fuse_train_*.go files have built since the process started (all backends
// together), next to FusionCounts.
type TrainFusionCounts struct {
	// PoolGrad counts max-pooling gradients built as one pass
	// (fuse_train_poolgrad.go).
	PoolGrad int64
}

// TrainFusions returns the training fusion counts so far.
func TrainFusions() TrainFusionCounts {
	return TrainFusionCounts{PoolGrad: poolGradCount.Load()}
}
