package simplego

import (
	"math"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// Fast float32 executors of the fork. Each one handles the float32 case with
// contiguous loops (see ndPlan) split over the cores with plain goroutines, and
// hands every other case — other dtypes, the "reference" configuration — to the
// upstream executor it replaces.

type binaryOpKind int

const (
	binaryAdd binaryOpKind = iota
	binarySub
	binaryMul
	binaryDiv
	binaryMax
	binaryMin
)

func init() {
	for op, kind := range map[backends.OpType]binaryOpKind{
		backends.OpTypeAdd: binaryAdd, backends.OpTypeSub: binarySub, backends.OpTypeMul: binaryMul,
		backends.OpTypeDiv: binaryDiv, backends.OpTypeMax: binaryMax, backends.OpTypeMin: binaryMin,
	} {
		setNodeExecutor(op, priorityArch, fastBinary(kind, nodeExecutorOf(op)))
	}
	setNodeExecutor(backends.OpTypeSlice, priorityArch, fastSlice)
	setNodeExecutor(backends.OpTypeBroadcastInDim, priorityArch, fastBroadcastInDim)
	setNodeExecutor(backends.OpTypeTranspose, priorityArch, fastTranspose)
	setNodeExecutor(backends.OpTypeConcatenate, priorityArch, fastConcatenate)
	setNodeExecutor(backends.OpTypeSign, priorityArch, fastSign)
	setNodeExecutor(backends.OpTypeLogistic, priorityArch, fastLogistic)
	setNodeExecutor(backends.OpTypeExp, priorityArch, fastExp)
	for _, op := range []backends.OpType{backends.OpTypeReduceSum, backends.OpTypeReduceMax, backends.OpTypeReduceMin} {
		setNodeExecutor(op, priorityArch, fastReduce)
	}
}

// nodeExecutorOf returns upstream's executor for the binary ops (registered by
// gen_exec_binary.go, whose init may run after this file's).
func nodeExecutorOf(op backends.OpType) nodeExecutor {
	switch op {
	case backends.OpTypeAdd:
		return execAdd
	case backends.OpTypeSub:
		return execSub
	case backends.OpTypeMul:
		return execMul
	case backends.OpTypeDiv:
		return execDiv
	case backends.OpTypeMax:
		return execMax
	case backends.OpTypeMin:
		return execMin
	}
	panic("no upstream executor for " + op.String())
}

func fastBinary(kind binaryOpKind, upstream nodeExecutor) nodeExecutor {
	return func(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
		switch d := node.data.(type) {
		case *reluGradData:
			return execReluGrad(backend, node, inputs, d)
		case *affineMaxData:
			return execAffineMax(backend, node, inputs, d)
		case *chanLinData:
			return execChanLin(backend, node, inputs, inputsOwned)
		case *ewData:
			return execElementwise(backend, node, inputs, inputsOwned, d)
		}
		lhs0, rhs0 := inputs[0], inputs[1]
		if backend.reference || node.shape.DType != dtypes.Float32 ||
			(lhs0.shape.Rank() != node.shape.Rank() && lhs0.shape.Size() != 1) ||
			(rhs0.shape.Rank() != node.shape.Rank() && rhs0.shape.Size() != 1) {
			return upstream(backend, node, inputs, inputsOwned)
		}
		lhs, rhs, output, _, _ := binaryOperandsAndOutput(backend, inputs, inputsOwned, node.shape)
		dims := node.shape.Dimensions
		strides := func(b *Buffer) []int {
			if b.shape.Size() == 1 {
				return make([]int, len(dims))
			}
			return broadcastStrides(b.shape.Dimensions)
		}
		a, b, o := lhs.flat.([]float32), rhs.flat.([]float32), output.flat.([]float32)
		p := newNDPlan(dims, contiguousStrides(dims), strides(lhs), strides(rhs)).splitLongRow()
		n := p.inner()
		last := len(p.dims) - 1
		sa, sb := p.strides[1][last], p.strides[2][last]
		p.parallelBlocks([]int{0, 0, 0}, func(offs []int, m int, rs []int) {
			binaryBlockFloat32(kind, o[offs[0]:], a[offs[1]:], b[offs[2]:], m, n, sa, sb, rs[0], rs[1], rs[2])
		})
		return output, nil
	}
}

func fastSlice(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	operand := inputs[0]
	params, ok := node.data.(*sliceNode)
	if backend.reference || !ok || node.shape.DType != dtypes.Float32 {
		return execSlice(backend, node, inputs, inputsOwned)
	}
	output := backend.getBufferForShape(node.shape)
	srcStrides := contiguousStrides(operand.shape.Dimensions)
	off := 0
	for ax := range srcStrides {
		off += params.starts[ax] * srcStrides[ax]
		if len(params.strides) > ax && params.strides[ax] > 1 {
			srcStrides[ax] *= params.strides[ax]
		}
	}
	copyStridedFloat32(output.flat.([]float32), 0, contiguousStrides(node.shape.Dimensions),
		operand.flat.([]float32), off, srcStrides, node.shape.Dimensions)
	return output, nil
}

func fastBroadcastInDim(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	operand := inputs[0]
	if backend.reference || node.shape.DType != dtypes.Float32 {
		return execBroadcastInDim(backend, node, inputs, inputsOwned)
	}
	output := backend.getBufferForShape(node.shape)
	rank := node.shape.Rank()
	srcStrides := make([]int, rank)
	opStrides := contiguousStrides(operand.shape.Dimensions)
	for opAxis, outAxis := range node.data.([]int) {
		if operand.shape.Dimensions[opAxis] != 1 {
			srcStrides[outAxis] = opStrides[opAxis]
		}
	}
	copyStridedFloat32(output.flat.([]float32), 0, contiguousStrides(node.shape.Dimensions),
		operand.flat.([]float32), 0, srcStrides, node.shape.Dimensions)
	return output, nil
}

func fastTranspose(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	operand := inputs[0]
	if backend.reference || node.shape.DType != dtypes.Float32 {
		return execTranspose(backend, node, inputs, inputsOwned)
	}
	output := backend.getBufferForShape(node.shape)
	transposeFloat32(output.flat.([]float32), operand.flat.([]float32), operand.shape.Dimensions, node.data.([]int))
	return output, nil
}

func fastConcatenate(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	if data, ok := node.data.(*concatViewsData); ok {
		return execConcatenateViews(backend, node, inputs, data)
	}
	if backend.reference || node.shape.DType != dtypes.Float32 {
		return execConcatenate(backend, node, inputs, inputsOwned)
	}
	axis := node.data.(int)
	output := backend.getBufferForShape(node.shape)
	o := output.flat.([]float32)
	outStrides := contiguousStrides(node.shape.Dimensions)
	// One strided copy per input; the inputs are copied in parallel row blocks by
	// copyStridedFloat32 when large, so small inputs stay serial.
	pos := 0
	for _, in := range inputs {
		copyStridedFloat32(o, pos*outStrides[axis], outStrides, in.flat.([]float32), 0,
			contiguousStrides(in.shape.Dimensions), in.shape.Dimensions)
		pos += in.shape.Dimensions[axis]
	}
	return output, nil
}

func fastSign(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	if d, ok := node.data.(*ewData); ok {
		return execElementwise(backend, node, inputs, inputsOwned, d)
	}
	if backend.reference || node.shape.DType != dtypes.Float32 {
		return execSign(backend, node, inputs, inputsOwned)
	}
	input, output := unaryOperandAndOutput(backend, inputs, inputsOwned)
	in, out := input.flat.([]float32), output.flat.([]float32)
	parallelFor(len(in), 1, func(i0, i1 int) {
		// Branch-free: ±1 with x's sign bit, masked to 0 for ±0 and NaN.
		for i := i0; i < i1; i++ {
			bits := math.Float32bits(in[i])
			m := bits & 0x7fffffff
			nonZero := uint32(int32(-m) >> 31)         // all ones when m > 0
			isNaN := uint32(int32(0x7f800000-m) >> 31) // all ones when m > 0x7f800000
			out[i] = math.Float32frombits((bits&0x80000000 | 0x3f800000) & nonZero &^ isNaN)
		}
	})
	return output, nil
}

// logisticCost is parallelFor's cost of one float32 logistic (a float64 exp and
// a division): about 16 simple element-wise operations.
const logisticCost = 16

// fastLogistic is Logistic for float32 split over the cores, with the same
// per-element formula as execLogisticGeneric (so bit-identical): 1/(1+e^−x) for
// x ≥ 0 and e^x/(1+e^x) below, in float64.
func fastLogistic(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	if backend.reference || node.shape.DType != dtypes.Float32 {
		return execLogistic(backend, node, inputs, inputsOwned)
	}
	input, output := unaryOperandAndOutput(backend, inputs, inputsOwned)
	in, out := input.flat.([]float32), output.flat.([]float32)
	parallelFor(len(in), logisticCost, func(i0, i1 int) {
		execLogisticGeneric(in[i0:i1], out[i0:i1])
	})
	return output, nil
}

// expCost is parallelFor's cost of one float32 Exp (a float64 exp).
const expCost = 12

// fastExp is upstream's float32 Exp (float32(math.Exp(float64(x))), the same
// bits) split over the cores: the head's softmax runs it on N·H·W·2 logits.
func fastExp(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	if backend.reference || node.shape.DType != dtypes.Float32 {
		return execExp(backend, node, inputs, inputsOwned)
	}
	input, output := unaryOperandAndOutput(backend, inputs, inputsOwned)
	in, out := input.flat.([]float32), output.flat.([]float32)
	parallelFor(len(in), expCost, func(i0, i1 int) {
		execExpGeneric(in[i0:i1], out[i0:i1])
	})
	return output, nil
}

// accumulateRow folds src into dst element by element with the reduction op:
// dst[i] += src[i] (ReduceSum), max (ReduceMax) or min (ReduceMin).
func accumulateRow(op backends.OpType, dst, src []float32) {
	switch op {
	case backends.OpTypeReduceSum:
		for i, v := range src {
			dst[i] += v
		}
	case backends.OpTypeReduceMax:
		for i, v := range src {
			dst[i] = max(dst[i], v)
		}
	default:
		for i, v := range src {
			dst[i] = min(dst[i], v)
		}
	}
}

// fastReduce implements ReduceSum, ReduceMax and ReduceMin for float32.
func fastReduce(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	if d, ok := node.data.(*chanReduceData); ok {
		return execChanReduce(backend, node, inputs, d)
	}
	operand := inputs[0]
	axes := node.data.([]int)
	if backend.reference || node.shape.DType != dtypes.Float32 || len(axes) == 0 {
		return execReduce(backend, node, inputs, inputsOwned)
	}
	output := backend.getBufferForShape(node.shape)
	dims := operand.shape.Dimensions
	rank := len(dims)
	// Output strides over the operand's axes: 0 on reduced axes.
	outStrides := make([]int, rank)
	acc := 1
	for ax := rank - 1; ax >= 0; ax-- {
		if slices.Contains(axes, ax) {
			continue
		}
		outStrides[ax] = acc
		acc *= dims[ax]
	}
	var init float32
	switch node.opType {
	case backends.OpTypeReduceMax:
		init = float32(math.Inf(-1))
	case backends.OpTypeReduceMin:
		init = float32(math.Inf(1))
	}
	o, x := output.flat.([]float32), operand.flat.([]float32)
	p := newNDPlan(dims, outStrides, contiguousStrides(dims))
	reduceRows(node.opType, p, o, x, init)
	return output, nil
}

// reduceRowValue returns r combined with the values of row: the sum in four
// interleaved partial sums, or the running max or min.
func reduceRowValue(op backends.OpType, r float32, row []float32) float32 {
	switch op {
	case backends.OpTypeReduceSum:
		n := len(row)
		var s0, s1, s2, s3 float32
		i := 0
		for ; i+4 <= n; i += 4 {
			s0 += row[i]
			s1 += row[i+1]
			s2 += row[i+2]
			s3 += row[i+3]
		}
		for ; i < n; i++ {
			s0 += row[i]
		}
		return r + ((s0 + s1) + (s2 + s3))
	case backends.OpTypeReduceMax:
		for _, v := range row {
			r = max(r, v)
		}
	default:
		for _, v := range row {
			r = min(r, v)
		}
	}
	return r
}

func reduceRows(op backends.OpType, p *ndPlan, o, x []float32, init float32) {
	for i := range o {
		o[i] = init
	}
	n := p.inner()
	last := len(p.dims) - 1
	keptInner := p.strides[0][last] != 0
	rowFn := func(o []float32) func(offs []int) {
		return func(offs []int) {
			row := x[offs[1] : offs[1]+n]
			if keptInner {
				accumulateRow(op, o[offs[0]:offs[0]+n], row)
				return
			}
			o[offs[0]] = reduceRowValue(op, o[offs[0]], row)
		}
	}
	if reduceSmall(op, p, o, x) {
		return
	}
	rows := p.numRows()
	if len(p.dims) > 1 && p.strides[0][0] != 0 {
		// The outermost axis is kept: rows of different outer indices write
		// disjoint outputs.
		p.parallelRows([]int{0, 0}, rows/p.dims[0], rowFn(o))
		return
	}
	if len(p.dims) > 1 && len(o) <= 1<<16 && rows*n >= 4*parallelMinWork {
		// The outermost axis is reduced and the output small: partial results per
		// worker, combined at the end.
		parts := make([][]float32, 2)
		parallelFor(2, rows*n/2, func(w0, w1 int) {
			for w := w0; w < w1; w++ {
				part := o
				if w > 0 {
					part = make([]float32, len(o))
					for i := range part {
						part[i] = init
					}
				}
				parts[w] = part
				per := (p.dims[0] + 1) / 2
				lo, hi := w*per, min((w+1)*per, p.dims[0])
				rowsPer := rows / p.dims[0]
				p.forRows(lo*rowsPer, hi*rowsPer, []int{0, 0}, rowFn(part))
			}
		})
		for i, v := range parts[1] {
			switch op {
			case backends.OpTypeReduceSum:
				o[i] += v
			case backends.OpTypeReduceMax:
				o[i] = max(o[i], v)
			default:
				o[i] = min(o[i], v)
			}
		}
		return
	}
	p.forRows(0, rows, []int{0, 0}, rowFn(o))
}

// reduceSmall is reduceRows's fast path for short rows, where the per-row
// bookkeeping of forRows dominated: a reduction of the last axis only (the
// 2-class softmax and argmax of the network's head), and reductions that keep
// the inner axis over at most 64 combinations of the reduced axes (2×2
// max-pooling). Each output value combines the same values in the same order
// as reduceRows (o holds the initial values). It reports whether it ran.
func reduceSmall(op backends.OpType, p *ndPlan, o, x []float32) bool {
	n := p.inner()
	last := len(p.dims) - 1
	if n >= 64 {
		return false
	}
	if p.strides[0][last] == 0 { // the inner axis is reduced
		if last != 1 || p.strides[0][0] != 1 || p.strides[1][0] != n {
			return false
		}
		parallelFor(len(o), n, func(q0, q1 int) {
			for q := q0; q < q1; q++ {
				o[q] = reduceRowValue(op, o[q], x[q*n:(q+1)*n])
			}
		})
		return true
	}
	// Reduced axes (row-major offsets into x) and kept axes (a plan over the
	// output rows).
	offs := []int{0}
	kept := &ndPlan{strides: make([][]int, 2)}
	for ax := range last {
		if p.strides[0][ax] != 0 {
			kept.dims = append(kept.dims, p.dims[ax])
			kept.strides[0] = append(kept.strides[0], p.strides[0][ax])
			kept.strides[1] = append(kept.strides[1], p.strides[1][ax])
			continue
		}
		next := make([]int, 0, len(offs)*p.dims[ax])
		for _, off := range offs {
			for i := range p.dims[ax] {
				next = append(next, off+i*p.strides[1][ax])
			}
		}
		offs = next
		if len(offs) > 64 {
			return false
		}
	}
	// An inner axis of 1: forRows enumerates every kept axis.
	kept.dims = append(kept.dims, 1)
	kept.strides[0], kept.strides[1] = append(kept.strides[0], 0), append(kept.strides[1], 0)
	kept.parallelRows([]int{0, 0}, 1, func(base []int) {
		dst := o[base[0] : base[0]+n]
		for _, off := range offs {
			accumulateRow(op, dst, x[base[1]+off:base[1]+off+n])
		}
	})
	return true
}
