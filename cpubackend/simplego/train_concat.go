package simplego

import (
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// Channel concatenations of the training step: each decoder level joins the
// skip connection and the up-sampled path along the channel axis,
// [N, H, W, C] ⊕ [N, H, W, C] → [N, H, W, 2C]. At Base 8's top level that is
// 40960 output rows built from two 8-float pieces, which concatInterleaved
// copies element by element. A float32 Concatenate along the last axis whose
// parts are whole, contiguous operands is executed here as a row copy (a
// fixed 8-float block copy when a part is 8 wide), on up to GOMAXPROCS
// goroutines. A copy, so bit-identical; anything else goes to
// fastConcatenate.

func init() {
	setNodeExecutor(backends.OpTypeConcatenate, priorityArch+1, execTrainConcat)
}

// trainConcatRowsCount counts the Concatenates executed as row copies (tests).
var trainConcatRowsCount atomic.Int64

// execTrainConcat executes a last-axis Concatenate of contiguous operands as
// a row copy, any other as fastConcatenate does.
func execTrainConcat(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	srcs, lens, ok := trainConcatParts(backend, node, inputs)
	if !ok {
		return fastConcatenate(backend, node, inputs, inputsOwned)
	}
	trainConcatRowsCount.Add(1)
	out := backend.getBufferForShape(node.shape)
	o := out.flat.([]float32)
	rowLen := node.shape.Dimensions[node.shape.Rank()-1]
	parallelFor(len(o)/rowLen, rowLen, func(r0, r1 int) {
		for r := r0; r < r1; r++ {
			d := r * rowLen
			for i, src := range srcs {
				l := lens[i]
				if l == 8 {
					*(*[8]float32)(o[d:]) = *(*[8]float32)(src[r*8:])
				} else {
					copy(o[d:d+l], src[r*l:(r+1)*l])
				}
				d += l
			}
		}
	})
	return out, nil
}

// trainConcatParts returns the flat operands of a float32 Concatenate along
// the last axis (rank ≥ 2) whose parts are whole contiguous buffers, in
// order, with their last-axis lengths; ok is false for any other.
func trainConcatParts(backend *Backend, node *Node, inputs []*Buffer) (srcs [][]float32, lens []int, ok bool) {
	rank := node.shape.Rank()
	if backend.reference || node.shape.DType != dtypes.Float32 || rank < 2 || node.shape.Size() == 0 {
		return nil, nil, false
	}
	switch data := node.data.(type) {
	case int:
		if data != rank-1 {
			return nil, nil, false
		}
		for _, in := range inputs {
			srcs = append(srcs, in.flat.([]float32))
			lens = append(lens, in.shape.Dimensions[rank-1])
		}
	case *concatViewsData:
		if data.axis != rank-1 {
			return nil, nil, false
		}
		for i, part := range data.parts {
			in := inputs[part.input]
			if !trainWholeView(part, data.dims[i], in) {
				return nil, nil, false
			}
			srcs = append(srcs, in.flat.([]float32))
			lens = append(lens, data.dims[i][rank-1])
		}
	default:
		return nil, nil, false
	}
	for _, l := range lens {
		if l == 0 {
			return nil, nil, false
		}
	}
	return srcs, lens, true
}

// trainWholeView reports whether view reads all of in, contiguously, as dims.
func trainWholeView(view stridedView, dims []int, in *Buffer) bool {
	if view.offset != 0 || in.shape.DType != dtypes.Float32 || in.shape.Size() != prodInts(dims) {
		return false
	}
	want := contiguousStrides(dims)
	for ax, s := range view.strides {
		if s != want[ax] && dims[ax] != 1 {
			return false
		}
	}
	return true
}

// prodInts is the product of dims.
func prodInts(dims []int) int {
	p := 1
	for _, d := range dims {
		p *= d
	}
	return p
}
