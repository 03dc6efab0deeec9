package simplego

import (
	"slices"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/protoseg-go/protoseg-go/cpubackend/gemm"
)

// The 2D decoder's first convolution read from the skip Concatenate's
// operands.
//
// package unet feeds each decoder block's first 3×3 convolution with
// Concatenate([skip, up], channels). When the fused convolution's source
// (fuse_conv.go) is such a Concatenate of whole tensors, the node reads the
// operands instead (gemm.Conv3x3PartsPost builds its row-triple or patch
// rows from them, bit-identical to reading the concatenation), so inference
// never builds the Concatenate; training still builds it for the weight
// gradient. The 3D network does the same (fuse_conv3d.go).

// inferFusionCounts counts the inference fusions of this file and its
// siblings (fuse_pool2d.go, fuse_head.go, fuse_upsample.go).
var inferFusionCounts struct {
	concatConv, pool2D, head, upsample atomic.Int64
}

// channelConcatParts returns the operands of x and their channels when x is
// a float32 Concatenate on the last axis of the given rank, of distinct
// tensors each read whole and in order (possibly through a Reshape: the
// up-sampling's depth-to-space), or nil.
func channelConcatParts(x *Node, rank int) (parts []*Node, chans []int) {
	data, ok := x.data.(*concatViewsData)
	if x.opType != backends.OpTypeConcatenate || !ok || x.shape.Rank() != rank || data.axis != rank-1 || len(data.parts) < 2 {
		return nil, nil
	}
	for i, part := range data.parts {
		in, dims := x.inputs[part.input], data.dims[i]
		if in.shape.DType != dtypes.Float32 || part.offset != 0 || in.shape.Size() != shapes.Make(dtypes.Float32, dims...).Size() ||
			!slices.Equal(part.strides, contiguousStrides(dims)) || slices.Contains(parts, in) {
			return nil, nil
		}
		parts, chans = append(parts, in), append(chans, dims[rank-1])
	}
	return parts, chans
}

// conv3x3Inputs returns the inputs of a fused 2D convolution of x with
// weights w: the Concatenate's operands and their channels when x is a
// channel Concatenate (channelConcatParts), else x alone.
func conv3x3Inputs(x, w *Node) (inputs []*Node, chans []int) {
	if parts, chans := channelConcatParts(x, 4); parts != nil {
		inferFusionCounts.concatConv.Add(1)
		return append(parts, w), chans
	}
	return []*Node{x, w}, nil
}

// convParts returns the source buffers of a node with d.parts as gemm parts.
func convParts(inputs []*Buffer, d *conv3x3Data) []gemm.Part3D {
	parts := make([]gemm.Part3D, len(d.parts))
	for i, c := range d.parts {
		parts[i] = gemm.Part3D{Data: inputs[i].flat.([]float32), C: c}
	}
	return parts
}

// execConv3x3Parts runs a fused 2D convolution whose source is read from a
// Concatenate's operands, with its BatchNorm+ReLU epilogue if it has one.
func execConv3x3Parts(backend *Backend, node *Node, inputs []*Buffer, d *conv3x3Data) (*Buffer, error) {
	output := backend.getBufferForShape(node.shape)
	np := len(d.parts)
	var post func([]float32)
	if d.epilogue != nil {
		post = convAffineReluPost(inputs[np+1].flat.([]float32), inputs[np+2].flat.([]float32), d.epilogue.c)
	}
	gemm.Conv3x3PartsPost(output.flat.([]float32), convParts(inputs, d), inputs[np].flat.([]float32), d.n, d.h, d.w, d.cout, post)
	return output, nil
}

// convAffineReluPost returns the epilogue max(float32(y·s) + t, c) per
// channel of execConv3x3Epilogue (fuse_convbnrelu.go).
func convAffineReluPost(s, t []float32, c float32) func([]float32) {
	sp, tp := affineReluTables(s, t, c) // once per call, not per block
	return func(o []float32) {
		p := 0
		if sp != nil {
			p = affineReluPeriodic(o, o, sp, tp)
		}
		affineMaxRowsFrom(o, o, s, t, c, p)
	}
}
