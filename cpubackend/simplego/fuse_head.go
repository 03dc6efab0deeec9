package simplego

import (
	"math"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// The segmentation head's softmax probability and argmax mask, each one pass
// over the logits.
//
// package unet returns, from logits L [..., K] (K classes on the last axis),
// the probability of one class, Slice(Softmax(L), k) — GoMLX writes Softmax
// as Div(Exp(Sub(L, ReduceMax(L))), ReduceSum(Exp(...))) — and the mask
// ConvertDType(Equal(ArgMax(L), k), float32). That is eight small serial ops
// (each a pass over the batch) for two maps of one float per pixel. At
// Compile the Slice is rewritten into one node reading L that computes, per
// pixel, the same float32 operations in the same order (the max and the sum
// as the fork's ReduceMax/ReduceSum of a short row: reduceRowValue; the
// exponential as upstream's float32(math.Exp(float64(·)))), and the
// ConvertDType into one node computing the argmax as upstream's ArgMinMax
// (first maximum wins; a NaN is taken) and comparing it with k. Both are
// bit-identical to the unfused ops; the ops they skip run only if something
// else needs them.

func init() {
	setNodeExecutor(backends.OpTypeSlice, priorityArch+1, execSliceOrSoftmax)
	setNodeExecutor(backends.OpTypeConvertDType, priorityArch, execConvertOrArgMaxIs)
}

// headFusionOff turns fuseHead off (tests compare against the unfused ops).
var headFusionOff bool

// softmaxSliceData marks a Slice rewritten into the class-k softmax
// probability of its input, the logits [..., K].
type softmaxSliceData struct{ k int }

// argMaxIsData marks a ConvertDType rewritten into float32(ArgMax(L) == k)
// of its input, the logits L [..., K].
type argMaxIsData struct{ k int }

// fuseHead rewrites the live softmax-probability Slices and argmax-mask
// ConvertDTypes (see above) into one pass each (hook: Compile in
// builder.go).
func (b *Builder) fuseHead() {
	if b.backend.reference || headFusionOff {
		return
	}
	uses := b.liveUses()
	for _, n := range b.nodes {
		if uses[n.builderIdx] == 0 {
			continue
		}
		switch n.opType {
		case backends.OpTypeSlice:
			if l, k, ok := softmaxSliceOf(n); ok {
				n.inputs, n.data = headInputs(l), &softmaxSliceData{k: k}
				inferFusionCounts.head.Add(1)
			}
		case backends.OpTypeConvertDType:
			if l, k, ok := argMaxIsOf(n); ok {
				n.inputs, n.data = headInputs(l), &argMaxIsData{k: k}
				inferFusionCounts.head.Add(1)
			}
		}
	}
}

// headInputs returns the inputs of a fused head node reading the logits l
// [..., K]: (y, bias) when l is (a Reshape of) Add(y, bias) with bias of K
// values on the last axis — the head's per-pixel product and its bias,
// added as the pass reads them (float32(y + bias), as the Add does) — else
// l alone.
func headInputs(l *Node) []*Node {
	nc := l.shape.Dimensions[l.shape.Rank()-1]
	y := l
	for y.opType == backends.OpTypeReshape {
		y = y.inputs[0]
	}
	if y.opType != backends.OpTypeAdd || len(y.inputs) != 2 || y.shape.DType != dtypes.Float32 || y.shape.Rank() < 1 ||
		y.shape.Dimensions[y.shape.Rank()-1] != nc || y.inputs[0].shape.Size() != y.shape.Size() {
		return []*Node{l}
	}
	b := y.inputs[1]
	if b.shape.Size() != nc || (b.shape.Rank() > 0 && b.shape.Dimensions[b.shape.Rank()-1] != nc) {
		return []*Node{l}
	}
	inferFusionCounts.headBias.Add(1)
	return []*Node{y.inputs[0], b}
}

// headLogits returns the logits' flat buffer and the bias added to each row
// (nil if none) of a fused head node's inputs (headInputs).
func headLogits(inputs []*Buffer) (l, bias []float32) {
	l = inputs[0].flat.([]float32)
	if len(inputs) > 1 {
		bias = inputs[1].flat.([]float32)
	}
	return l, bias
}

// lastAxisReduce returns x when r (possibly behind a Reshape that appends an
// axis of 1, and Identity nodes) is op(x) over x's last axis only.
func lastAxisReduce(r *Node, op backends.OpType) *Node {
	r = unwrapIdentity(r)
	if r.opType == backends.OpTypeReshape {
		r = unwrapIdentity(r.inputs[0])
	}
	axes, ok := r.data.([]int)
	if r.opType != op || !ok || len(axes) != 1 || axes[0] != r.inputs[0].shape.Rank()-1 {
		return nil
	}
	return r.inputs[0]
}

// softmaxSliceOf returns the logits L and the class k when s is the Slice of
// class k on the last axis of Softmax(L) written as GoMLX does.
func softmaxSliceOf(s *Node) (l *Node, k int, ok bool) {
	p, isSlice := s.data.(*sliceNode)
	if !isSlice || s.shape.DType != dtypes.Float32 {
		return nil, 0, false
	}
	div := s.inputs[0]
	rank := div.shape.Rank()
	if div.opType != backends.OpTypeDiv || div.shape.DType != dtypes.Float32 || rank < 1 {
		return nil, 0, false
	}
	for ax := range rank {
		full := p.starts[ax] == 0 && p.limits[ax] == div.shape.Dimensions[ax]
		if (ax < rank-1 && !full) || (ax == rank-1 && p.limits[ax] != p.starts[ax]+1) || (len(p.strides) > ax && p.strides[ax] > 1) {
			return nil, 0, false
		}
	}
	e := div.inputs[0]
	if e.opType != backends.OpTypeExp || lastAxisReduce(div.inputs[1], backends.OpTypeReduceSum) != e {
		return nil, 0, false
	}
	sub := e.inputs[0]
	if sub.opType != backends.OpTypeSub {
		return nil, 0, false
	}
	l = sub.inputs[0]
	if lastAxisReduce(sub.inputs[1], backends.OpTypeReduceMax) != l || !slices.Equal(l.shape.Dimensions, div.shape.Dimensions) {
		return nil, 0, false
	}
	return l, p.starts[rank-1], true
}

// argMaxIsOf returns the logits L and the class k when c is
// ConvertDType(Equal(ArgMax(L, last axis), k), float32) (k a constant,
// possibly broadcast).
func argMaxIsOf(c *Node) (l *Node, k int, ok bool) {
	eq := c.inputs[0]
	if c.shape.DType != dtypes.Float32 || eq.opType != backends.OpTypeEqual {
		return nil, 0, false
	}
	am, kn := eq.inputs[0], eq.inputs[1]
	if am.opType != backends.OpTypeArgMinMax {
		am, kn = kn, am
	}
	d, isAM := am.data.(*argMinMaxNode)
	if am.opType != backends.OpTypeArgMinMax || !isAM || d.isMin || am.shape.DType != dtypes.Int32 {
		return nil, 0, false
	}
	l = am.inputs[0]
	if l.shape.DType != dtypes.Float32 || d.axis != l.shape.Rank()-1 {
		return nil, 0, false
	}
	if kn.opType == backends.OpTypeBroadcastInDim {
		kn = kn.inputs[0]
	}
	buf, isConst := kn.data.(*Buffer)
	if kn.opType != backends.OpTypeConstant || !isConst || !kn.shape.IsScalar() {
		return nil, 0, false
	}
	v, isInt := buf.flat.([]int32)
	if !isInt || len(v) != 1 {
		return nil, 0, false
	}
	return l, int(v[0]), true
}

// execSliceOrSoftmax runs a Slice rewritten by fuseHead, and any other one
// as fastSlice does.
func execSliceOrSoftmax(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	d, ok := node.data.(*softmaxSliceData)
	if !ok {
		return fastSlice(backend, node, inputs, inputsOwned)
	}
	output := backend.getBufferForShape(node.shape)
	l, bias := headLogits(inputs)
	out := output.flat.([]float32)
	softmaxClass(out, l, bias, len(l)/max(len(out), 1), d.k)
	return output, nil
}

// softmaxClass writes into out[p] the class-k softmax probability of the
// logits l [pixels, nc] (plus bias per class when not nil), computed as the
// unfused ops do (see above).
func softmaxClass(out, l, bias []float32, nc, k int) {
	if nc == 2 && (k == 0 || k == 1) {
		softmaxClass2(out, l, bias, k)
		return
	}
	negInf := float32(math.Inf(-1))
	parallelFor(len(out), nc*expCost, func(p0, p1 int) {
		ev, row := make([]float32, nc), make([]float32, nc)
		for p := p0; p < p1; p++ {
			logitsRow(row, l[p*nc:(p+1)*nc], bias)
			m := reduceRowValue(backends.OpTypeReduceMax, negInf, row)
			for j, v := range row {
				ev[j] = float32(math.Exp(float64(v - m)))
			}
			out[p] = ev[k] / reduceRowValue(backends.OpTypeReduceSum, 0, ev)
		}
	})
}

// softmaxClass2 is softmaxClass for two classes, with reduceRowValue's
// operations for a row of two written out: the max from −Inf, the sum as
// 0 + (((0 + e0) + e1 + 0) + (0 + 0)). Exp(±0) is exactly 1, so the
// exponential of the maximum's own difference is not computed.
func softmaxClass2(out, l, bias []float32, k int) {
	negInf := float32(math.Inf(-1))
	var b0, b1 float32
	if bias != nil {
		b0, b1 = bias[0], bias[1]
	}
	exp := func(d float32) float32 {
		if d == 0 {
			return 1
		}
		return float32(math.Exp(float64(d)))
	}
	parallelFor(len(out), expCost, func(p0, p1 int) {
		var z float32
		for p := p0; p < p1; p++ {
			l0, l1 := l[2*p], l[2*p+1]
			if bias != nil {
				l0, l1 = l0+b0, l1+b1
			}
			m := max(max(negInf, l0), l1)
			e0, e1 := exp(l0-m), exp(l1-m)
			s := z + e0
			s += e1
			sum := z + ((s + z) + (z + z))
			if k == 0 {
				out[p] = e0 / sum
			} else {
				out[p] = e1 / sum
			}
		}
	})
}

// execConvertOrArgMaxIs runs a ConvertDType rewritten by fuseHead, and any
// other one as upstream does.
func execConvertOrArgMaxIs(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	d, ok := node.data.(*argMaxIsData)
	if !ok {
		return execConvertDType(backend, node, inputs, inputsOwned)
	}
	output := backend.getBufferForShape(node.shape)
	l, bias := headLogits(inputs)
	out := output.flat.([]float32)
	argMaxIs(out, l, bias, len(l)/max(len(out), 1), d.k)
	return output, nil
}

// argMaxIs writes into out[p] 1 where the argmax of the logits l [pixels,
// nc] row p, plus bias per class when not nil (upstream's ArgMinMax: the
// first maximum; a NaN is taken), is k, else 0.
func argMaxIs(out, l, bias []float32, nc, k int) {
	if nc == 2 && (k == 0 || k == 1) {
		argMaxIs2(out, l, bias, k)
		return
	}
	parallelFor(len(out), 2*nc, func(p0, p1 int) {
		row := make([]float32, nc)
		for p := p0; p < p1; p++ {
			logitsRow(row, l[p*nc:(p+1)*nc], bias)
			best, arg := row[0], 0
			for j := 1; j < nc; j++ {
				if v := row[j]; v > best || v != v {
					best, arg = v, j
				}
			}
			out[p] = 0
			if arg == k {
				out[p] = 1
			}
		}
	})
}

// argMaxIs2 is argMaxIs for two classes: the argmax is 1 exactly when l1 >
// l0 or l1 is NaN (never both), computed without branches on the data.
func argMaxIs2(out, l, bias []float32, k int) {
	one := uint32(k) // the mask is 1 where the argmax bit equals k
	var b0, b1 float32
	if bias != nil {
		b0, b1 = bias[0], bias[1]
	}
	parallelFor(len(out), 4, func(p0, p1 int) {
		o := out[p0:p1]
		x := l[2*p0 : 2*p1]
		for i := range o {
			l0, l1 := x[2*i], x[2*i+1]
			if bias != nil {
				l0, l1 = l0+b0, l1+b1
			}
			var gt, nan uint32
			if l1 > l0 {
				gt = 1
			}
			if l1 != l1 {
				nan = 1
			}
			o[i] = float32(1 ^ (gt | nan) ^ one)
		}
	})
}

// logitsRow writes into row the logits src plus bias (float32(v + b), as an
// Add does), or src itself when bias is nil.
func logitsRow(row, src, bias []float32) {
	if bias == nil {
		copy(row, src)
		return
	}
	for j, v := range src {
		row[j] = v + bias[j]
	}
}
