package simplego

import (
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// Channel slices of the training step: the gradient of a decoder's
// Concatenate(skip, up) along the channel axis is two Slices of the input
// gradient [N, H, W, 2C] → [N, H, W, C], taking the low or the high half of
// every pixel's channels. At Base 8's top level those are 40960 rows of 8
// floats each, which the generic N-d strided copy (fastSlice) moves element
// by element; here a Slice that is partial only along its last axis (unit
// strides, every other axis whole) copies whole rows, on up to GOMAXPROCS
// goroutines. It is a copy, so bit-identical; any other Slice (and the head
// fusion's softmax slices) goes to execSliceOrSoftmax.

func init() {
	setNodeExecutor(backends.OpTypeSlice, priorityArch+2, execTrainSlice)
}

// trainSliceRowsCount counts the Slices executed as row copies (tests).
var trainSliceRowsCount atomic.Int64

// execTrainSlice executes a last-axis Slice as a row copy, any other Slice
// as execSliceOrSoftmax does.
func execTrainSlice(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	off, n, ss, ok := trainSliceRows(backend, node, inputs[0])
	if !ok {
		return execSliceOrSoftmax(backend, node, inputs, inputsOwned)
	}
	trainSliceRowsCount.Add(1)
	out := backend.getBufferForShape(node.shape)
	dst, src := out.flat.([]float32), inputs[0].flat.([]float32)
	rows := len(dst) / n
	parallelFor(rows, n, func(r0, r1 int) {
		copySliceRows(dst[r0*n:r1*n], src[off+r0*ss:], n, ss)
	})
	return out, nil
}

// trainSliceRows reports whether node is a float32 Slice of operand that
// keeps every axis but the last whole, with unit strides, and if so the
// offset of its first element in operand, its row length n and operand's row
// length ss.
func trainSliceRows(backend *Backend, node *Node, operand *Buffer) (off, n, ss int, ok bool) {
	params, isSlice := node.data.(*sliceNode)
	rank := node.shape.Rank()
	if backend.reference || !isSlice || node.shape.DType != dtypes.Float32 || rank < 2 || !unitStrides(params.strides) {
		return 0, 0, 0, false
	}
	in, outDims := operand.shape.Dimensions, node.shape.Dimensions
	for ax := 0; ax < rank-1; ax++ {
		if params.starts[ax] != 0 || outDims[ax] != in[ax] {
			return 0, 0, 0, false
		}
	}
	n, ss = outDims[rank-1], in[rank-1]
	if n == 0 || n == ss || node.shape.Size() == 0 {
		return 0, 0, 0, false
	}
	return params.starts[rank-1], n, ss, true
}

// copySliceRows copies len(dst)/n rows of n floats from src (row stride ss)
// into dst (row stride n).
func copySliceRows(dst, src []float32, n, ss int) {
	rows := len(dst) / n
	if n == 8 {
		for r := range rows {
			*(*[8]float32)(dst[r*8:]) = *(*[8]float32)(src[r*ss:])
		}
		return
	}
	for r := range rows {
		copy(dst[r*n:(r+1)*n], src[r*ss:r*ss+n])
	}
}
