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
// gradient, so there the node reads the Concatenate itself (turned back at
// Compile when the Concatenate is live: unfuseLiveConcatConvs). The 3D
// network reads the operands in both (fuse_conv3d.go). The up-sampled
// operand, a depth-to-space (Reshape, Transpose, Reshape) of a per-pixel
// product plus a bias, is read from the product and the bias directly: the
// Transpose and the bias Add are not run either (the same float32 sum,
// computed while the rows are built). With a BatchNorm+ReLU epilogue
// (inference), where gemm.WinogradWins, the node runs
// gemm.Conv3x3PartsWinograd: bit-identical to the unfused Concatenate
// followed by the Winograd node of fuse_convbnrelu.go.

// inferFusionCounts counts the inference fusions of this file and its
// siblings (fuse_pool2d.go, fuse_head.go); upsample counts the parts read
// through the up-sampling's depth-to-space.
var inferFusionCounts struct {
	concatConv, pool2D, head, headBias, upsample atomic.Int64
}

// convPartSpec describes one block of channels of a fused convolution's
// source read from a Concatenate's operand: c channels of one input, or,
// with up, of the depth-to-space of one input (plus a bias input when bias)
// — package unet's up-sampling, read before its Transpose (and bias Add).
type convPartSpec struct {
	c        int
	up, bias bool
}

// channelConcatParts returns the inputs and part specs of a fused 2D
// convolution reading x when x is a float32 Concatenate on the last axis of
// distinct tensors each read whole and in order, or nil.
func channelConcatParts(x *Node) (inputs []*Node, specs []convPartSpec) {
	data, ok := x.data.(*concatViewsData)
	if x.opType != backends.OpTypeConcatenate || !ok || x.shape.Rank() != 4 || data.axis != 3 || len(data.parts) < 2 {
		return nil, nil
	}
	var seen []*Node
	for i, part := range data.parts {
		in, dims := x.inputs[part.input], data.dims[i]
		if in.shape.DType != dtypes.Float32 || part.offset != 0 || in.shape.Size() != shapes.Make(dtypes.Float32, dims...).Size() ||
			!slices.Equal(part.strides, contiguousStrides(dims)) || slices.Contains(seen, in) {
			return nil, nil
		}
		seen = append(seen, in)
		spec := convPartSpec{c: dims[3]}
		if src, bias := depthToSpaceOf(in, dims); src != nil {
			spec.up, spec.bias = true, bias != nil
			inputs = append(inputs, src)
			if bias != nil {
				inputs = append(inputs, bias)
			}
		} else {
			inputs = append(inputs, in)
		}
		specs = append(specs, spec)
	}
	return inputs, specs
}

// depthToSpaceOf returns the map before the depth-to-space, and the bias
// added to it (nil if none), when in [n, 2h, 2w, c] (dims) is package unet's
// up-sampling: Reshape(Transpose(Reshape(y, n, h, w, 2, 2, c), 0, 1, 3, 2,
// 4, 5)), y = Add(src, bias) with bias of 4·c values on the last axis, or y =
// src; nil otherwise.
func depthToSpaceOf(in *Node, dims []int) (src, bias *Node) {
	if in.opType != backends.OpTypeReshape || in.inputs[0].opType != backends.OpTypeTranspose {
		return nil, nil
	}
	tr := in.inputs[0]
	perm, _ := tr.data.([]int)
	n, h, w, c := dims[0], dims[1]/2, dims[2]/2, dims[3]
	if !slices.Equal(perm, []int{0, 1, 3, 2, 4, 5}) || dims[1]%2 != 0 || dims[2]%2 != 0 ||
		!slices.Equal(tr.inputs[0].shape.Dimensions, []int{n, h, w, 2, 2, c}) {
		return nil, nil
	}
	y := tr.inputs[0]
	for y.opType == backends.OpTypeReshape {
		y = y.inputs[0]
	}
	if y.opType == backends.OpTypeAdd && len(y.inputs) == 2 && y.inputs[0].shape.Size() == y.shape.Size() &&
		y.shape.Rank() >= 1 && y.shape.Dimensions[y.shape.Rank()-1] == 4*c {
		b := y.inputs[1]
		if b.shape.Size() == 4*c && (b.shape.Rank() == 1 || b.shape.Dimensions[b.shape.Rank()-1] == 4*c) {
			return y.inputs[0], b
		}
	}
	return y, nil
}

// conv3x3Inputs returns the inputs of a fused 2D convolution of x with
// weights w: the Concatenate's operands and their specs when x is a channel
// Concatenate (channelConcatParts), else x alone.
func conv3x3Inputs(x, w *Node) (inputs []*Node, specs []convPartSpec) {
	if parts, specs := channelConcatParts(x); parts != nil {
		inferFusionCounts.concatConv.Add(1)
		for _, s := range specs {
			if s.up {
				inferFusionCounts.upsample.Add(1)
			}
		}
		return append(parts, w), specs
	}
	return []*Node{x, w}, nil
}

// convParts returns the source buffers of a node with d.parts as gemm parts
// and the number of inputs they take.
func convParts(inputs []*Buffer, d *conv3x3Data) ([]gemm.ConvPart, int) {
	parts := make([]gemm.ConvPart, len(d.parts))
	i := 0
	for j, s := range d.parts {
		parts[j] = gemm.ConvPart{Data: inputs[i].flat.([]float32), C: s.c, Up: s.up}
		i++
		if s.bias {
			parts[j].Bias = inputs[i].flat.([]float32)
			i++
		}
	}
	return parts, i
}

// execConv3x3Parts runs a fused 2D convolution whose source is read from a
// Concatenate's operands, with its BatchNorm+ReLU epilogue if it has one.
func execConv3x3Parts(backend *Backend, node *Node, inputs []*Buffer, d *conv3x3Data) (*Buffer, error) {
	output := backend.getBufferForShape(node.shape)
	parts, np := convParts(inputs, d)
	o, wt := output.flat.([]float32), inputs[np].flat.([]float32)
	if d.epilogue == nil {
		gemm.Conv3x3PartsPost(o, parts, wt, d.n, d.h, d.w, d.cout, nil)
		return output, nil
	}
	epi := convAffineReluFrom(inputs[np+1].flat.([]float32), inputs[np+2].flat.([]float32), d.epilogue.c)
	if gemm.WinogradWins(d.n, d.h, d.w, d.cin, d.cout) { // as execConv3x3Epilogue
		gemm.Conv3x3PartsWinograd(o, parts, wt, d.n, d.h, d.w, d.cout, func(out []float32) { epi(out, out) })
		return output, nil
	}
	gemm.Conv3x3PartsEpilogue(o, parts, wt, d.n, d.h, d.w, d.cout, epi)
	return output, nil
}

// convAffineReluFrom returns the epilogue o = max(float32(x·s) + t, c) per
// channel of execConv3x3Epilogue (fuse_convbnrelu.go), written from the
// convolution x (a scratch row or o itself).
func convAffineReluFrom(s, t []float32, c float32) func(o, x []float32) {
	sp, tp := affineReluTables(s, t, c) // once per call, not per block
	return func(o, x []float32) {
		p := 0
		if sp != nil {
			p = affineReluPeriodic(o, x, sp, tp)
		}
		affineMaxRowsFrom(o, x, s, t, c, p)
	}
}

// inferencePasses runs the fork's Compile passes for inference graphs
// (hook: Compile in builder.go): unfuseLiveConcatConvs, then fuseHead.
func (b *Builder) inferencePasses() {
	b.unfuseLiveConcatConvs()
	b.fuseHead()
}

// unfuseLiveConcatConvs turns every live fused 2D convolution that reads a
// Concatenate's operands back into one reading the Concatenate when that is
// computed anyway (another live node, such as a training graph's weight
// gradient, reads it): reading the operands (and the up-sampling before its
// depth-to-space) would only add work there.
func (b *Builder) unfuseLiveConcatConvs() {
	if b.backend.reference {
		return
	}
	uses := b.liveUses()
	for _, n := range b.nodes {
		d, ok := n.data.(*conv3x3Data)
		if !ok || d.parts == nil || uses[n.builderIdx] == 0 || uses[d.concat.builderIdx] == 0 {
			continue
		}
		np := 0
		for _, s := range d.parts {
			np++
			if s.bias {
				np++
			}
			if s.up {
				inferFusionCounts.upsample.Add(-1)
			}
		}
		n.inputs = append([]*Node{d.concat}, n.inputs[np:]...)
		d.parts = nil
		inferFusionCounts.concatConv.Add(-1)
	}
}
