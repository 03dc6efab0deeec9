package simplego

import (
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// The training loss head's serial element-wise ops. The softmax
// cross-entropy of the training step runs, at full resolution, a Log of the
// [N, H, W, 1] normaliser and an Equal(labels [N, H, W, 1], classes
// [1, 1, 1, K]) building the one-hot targets; upstream runs the first on one
// goroutine and the second through the generic broadcasting iterator. Here
// the float32 Log runs on up to GOMAXPROCS goroutines (the same
// float32(math.Log(float64(x))) per element, so bit-identical; as fastExp
// does for Exp), and an int32 Equal whose left operand has a last axis of 1
// and whose right operand is one row [1, …, 1, K] compares each label with
// the K classes directly (exact). Anything else goes to the upstream
// executors.

func init() {
	setNodeExecutor(backends.OpTypeLog, priorityArch, trainLog)
	setNodeExecutor(backends.OpTypeEqual, priorityArch, trainEqual)
}

// trainOneHotCount counts the Equals executed as one-hot rows (tests).
var trainOneHotCount atomic.Int64

// trainLog is execLog on up to GOMAXPROCS goroutines for float32.
func trainLog(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	if backend.reference || node.shape.DType != dtypes.Float32 || node.data != nil {
		return execLog(backend, node, inputs, inputsOwned)
	}
	input, output := unaryOperandAndOutput(backend, inputs, inputsOwned)
	in, out := input.flat.([]float32), output.flat.([]float32)
	parallelFor(len(in), expCost, func(i0, i1 int) {
		execLogGeneric(in[i0:i1], out[i0:i1])
	})
	return output, nil
}

// trainEqual executes Equal(labels [..., 1], classes [1, ..., 1, K]) of
// int32 as one-hot rows: out[r, k] = labels[r] == classes[k]; any other
// Equal as execEqual.
func trainEqual(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	lhs, rhs := inputs[0], inputs[1]
	if backend.reference || !trainOneHotShapes(lhs, rhs, node) {
		return execEqual(backend, node, inputs, inputsOwned)
	}
	trainOneHotCount.Add(1)
	output := backend.getBuffer(node.shape.DType, node.shape.Size())
	output.shape = node.shape
	labels, classes, out := lhs.flat.([]int32), rhs.flat.([]int32), output.flat.([]bool)
	k := len(classes)
	parallelFor(len(labels), k, func(r0, r1 int) {
		for r := r0; r < r1; r++ {
			row, v := out[r*k:(r+1)*k], labels[r]
			for j, c := range classes {
				row[j] = v == c
			}
		}
	})
	return output, nil
}

// trainOneHotShapes reports whether lhs is int32 [d0, ..., dn, 1], rhs int32
// [1, ..., 1, K] of the same rank and node's shape [d0, ..., dn, K].
func trainOneHotShapes(lhs, rhs *Buffer, node *Node) bool {
	rank := node.shape.Rank()
	if lhs.shape.DType != dtypes.Int32 || rhs.shape.DType != dtypes.Int32 || rank < 2 ||
		lhs.shape.Rank() != rank || rhs.shape.Rank() != rank || node.shape.Size() == 0 {
		return false
	}
	ld, rd, od := lhs.shape.Dimensions, rhs.shape.Dimensions, node.shape.Dimensions
	if ld[rank-1] != 1 || rd[rank-1] != od[rank-1] {
		return false
	}
	for ax := 0; ax < rank-1; ax++ {
		if rd[ax] != 1 || ld[ax] != od[ax] {
			return false
		}
	}
	return true
}
