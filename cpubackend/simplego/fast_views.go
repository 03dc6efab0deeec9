package simplego

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

// Strided views, Concatenate of views, Pad and Reverse.
//
// Slice, BroadcastInDim and Reverse only re-index their operand: each is a
// strided view (offset + one stride per axis, 0 to broadcast, negative to
// reverse) of the node it reads. Concatenate — which the U-Net uses to build
// im2col patches from 9 slices of a padded input, and which Pad's gradient
// path produces — reads its operands through such views, so the slices are
// never materialised (their nodes become unused and are skipped).

type stridedView struct {
	input   int   // index into the node's inputs
	offset  int   // in elements
	strides []int // one per axis of the viewed operand
}

// traceView follows Slice, BroadcastInDim and Reverse nodes back to the node
// whose buffer they read, returning it with the view's offset and strides.
func traceView(n *Node) (src *Node, offset int, strides []int) {
	switch n.opType {
	case backends.OpTypeSlice:
		params := n.data.(*sliceNode)
		src, offset, st := traceView(n.inputs[0])
		strides = make([]int, len(st))
		for ax := range st {
			offset += params.starts[ax] * st[ax]
			strides[ax] = st[ax]
			if len(params.strides) > ax && params.strides[ax] > 1 {
				strides[ax] *= params.strides[ax]
			}
		}
		return src, offset, strides
	case backends.OpTypeBroadcastInDim:
		in := n.inputs[0]
		src, offset, st := traceView(in)
		strides = make([]int, n.shape.Rank())
		for inAx, outAx := range n.data.([]int) {
			if in.shape.Dimensions[inAx] != 1 {
				strides[outAx] = st[inAx]
			}
		}
		return src, offset, strides
	case backends.OpTypeBroadcast:
		// Broadcast prefixes axes: stride 0 on them.
		prefix := n.data.([]int)
		src, offset, st := traceView(n.inputs[0])
		strides = append(make([]int, len(prefix)), st...)
		return src, offset, strides
	case backends.OpTypeReverse:
		src, offset, st := traceView(n.inputs[0])
		strides = slices.Clone(st)
		for _, ax := range n.data.([]int) {
			offset += (n.shape.Dimensions[ax] - 1) * st[ax]
			strides[ax] = -st[ax]
		}
		return src, offset, strides
	}
	return n, 0, contiguousStrides(n.shape.Dimensions)
}

type concatViewsData struct {
	axis  int
	parts []stridedView
	dims  [][]int
}

// forkConcatenate builds a float32 Concatenate that reads its operands
// through strided views (see traceView), or returns nil to let upstream build
// the node (hook: Concatenate in ops.go).
func (b *Builder) forkConcatenate(axis int, outputShape shapes.Shape, operands []*Node) *Node {
	if outputShape.DType != dtypes.Float32 || b.backend.reference {
		return nil
	}
	if axis < 0 {
		axis += outputShape.Rank()
	}
	data := &concatViewsData{axis: axis}
	var inputs []*Node
	for _, op := range operands {
		src, off, st := traceView(op)
		idx := slices.Index(inputs, src)
		if idx < 0 {
			idx = len(inputs)
			inputs = append(inputs, src)
		}
		data.parts = append(data.parts, stridedView{input: idx, offset: off, strides: st})
		data.dims = append(data.dims, op.shape.Dimensions)
	}
	node := b.newNode(backends.OpTypeConcatenate, outputShape, inputs...)
	node.data = data
	return node
}

func execConcatenateViews(backend *Backend, node *Node, inputs []*Buffer, data *concatViewsData) (*Buffer, error) {
	output := backend.getBufferForShape(node.shape)
	o := output.flat.([]float32)
	outStrides := contiguousStrides(node.shape.Dimensions)
	if concatInterleaved(o, node.shape.Dimensions, inputs, data) {
		return output, nil
	}
	pos := 0
	for i, part := range data.parts {
		copyStridedFloat32(o, pos*outStrides[data.axis], outStrides, inputs[part.input].flat.([]float32),
			part.offset, part.strides, data.dims[i])
		pos += data.dims[i][data.axis]
	}
	return output, nil
}

// Reverse implements backends.Builder.
func (b *Builder) Reverse(operandOp backends.Op, axes ...int) (backends.Op, error) {
	inputs, err := b.checkOps("Reverse", operandOp)
	if err != nil {
		return nil, err
	}
	x := inputs[0]
	axes = slices.Clone(axes)
	for i, ax := range axes {
		if ax < 0 {
			ax += x.shape.Rank()
		}
		if ax < 0 || ax >= x.shape.Rank() {
			return nil, errors.Errorf("Reverse: axis %d out of range for %s", axes[i], x.shape)
		}
		axes[i] = ax
	}
	node := b.newNode(backends.OpTypeReverse, x.shape.Clone(), x)
	node.data = axes
	return node, nil
}

func execReverse(backend *Backend, node *Node, inputs []*Buffer, _ []bool) (*Buffer, error) {
	x := inputs[0]
	output := backend.getBufferForShape(node.shape)
	st := contiguousStrides(node.shape.Dimensions)
	srcStrides := slices.Clone(st)
	offset := 0
	for _, ax := range node.data.([]int) {
		offset += (node.shape.Dimensions[ax] - 1) * st[ax]
		srcStrides[ax] = -st[ax]
	}
	if err := copyStridedAny(output.flat, 0, st, x.flat, offset, srcStrides, node.shape.Dimensions); err != nil {
		return nil, err
	}
	return output, nil
}

type padData struct {
	config []backends.PadAxis
	// When viewStrides != nil the operand is read as a strided view (see traceView)
	// with dimensions viewDims.
	viewOffset  int
	viewStrides []int
	viewDims    []int
}

// Pad implements backends.Builder: low/high padding (negative values crop) and
// interior padding along each axis.
func (b *Builder) Pad(operandOp, fillValueOp backends.Op, axesConfig ...backends.PadAxis) (backends.Op, error) {
	inputs, err := b.checkOps("Pad", operandOp, fillValueOp)
	if err != nil {
		return nil, err
	}
	x, fill := inputs[0], inputs[1]
	if fill.shape.Size() != 1 || fill.shape.DType != x.shape.DType {
		return nil, errors.Errorf("Pad: fill value must be a scalar of %s, got %s", x.shape.DType, fill.shape)
	}
	if len(axesConfig) > x.shape.Rank() {
		return nil, errors.Errorf("Pad: %d axes configured for operand %s", len(axesConfig), x.shape)
	}
	config := make([]backends.PadAxis, x.shape.Rank())
	copy(config, axesConfig)
	outShape := x.shape.Clone()
	for ax, c := range config {
		d := x.shape.Dimensions[ax]
		if c.Interior < 0 {
			return nil, errors.Errorf("Pad: negative interior padding %d", c.Interior)
		}
		nd := c.Start + c.End + d + max(d-1, 0)*c.Interior
		if nd < 0 {
			return nil, errors.Errorf("Pad: axis %d of %s would have dimension %d", ax, x.shape, nd)
		}
		outShape.Dimensions[ax] = nd
	}
	data := &padData{config: config}
	if x.shape.DType == dtypes.Float32 && !b.backend.reference {
		// Read the operand through its view (e.g. a Slice of a gradient).
		var src *Node
		src, data.viewOffset, data.viewStrides = traceView(x)
		data.viewDims = x.shape.Dimensions
		x = src
	}
	node := b.newNode(backends.OpTypePad, outShape, x, fill)
	node.data = data
	if data.viewStrides != nil {
		node.padSum = padSumOf(x, fill, data)
	}
	return node, nil
}

func execPad(backend *Backend, node *Node, inputs []*Buffer, _ []bool) (*Buffer, error) {
	if d, ok := node.data.(*col2imData); ok {
		return execCol2Im(backend, backend.getBufferForShape(node.shape), inputs[0], d)
	}
	x, fill := inputs[0], inputs[1]
	data := node.data.(*padData)
	config := data.config
	output := backend.getBufferForShape(node.shape)
	xDims := x.shape.Dimensions
	inStrides := contiguousStrides(xDims)
	srcOff := 0
	if data.viewStrides != nil {
		xDims, inStrides, srcOff = data.viewDims, slices.Clone(data.viewStrides), data.viewOffset
	}
	outDims := node.shape.Dimensions
	outStrides := contiguousStrides(outDims)
	// Fill everything (a broadcast copy of the scalar), then copy the operand's
	// elements that land inside the output.
	zeros := make([]int, len(outDims))
	if err := copyStridedAny(output.flat, 0, outStrides, fill.flat, 0, zeros, outDims); err != nil {
		return nil, err
	}
	dims := make([]int, len(outDims))
	dstStrides := make([]int, len(outDims))
	dstOff := 0
	for ax, c := range config {
		step := c.Interior + 1
		d := xDims[ax]
		// Input i lands at c.Start + i*step; keep 0 <= pos < outDims[ax].
		lo := 0
		if c.Start < 0 {
			lo = (-c.Start + step - 1) / step
		}
		hi := d - 1
		if last := c.Start + hi*step; last >= outDims[ax] {
			hi = (outDims[ax] - 1 - c.Start)
			if hi < 0 {
				return output, nil
			}
			hi /= step
		}
		if hi < lo {
			return output, nil
		}
		dims[ax] = hi - lo + 1
		srcOff += lo * inStrides[ax]
		dstOff += (c.Start + lo*step) * outStrides[ax]
		dstStrides[ax] = step * outStrides[ax]
	}
	if err := copyStridedAny(output.flat, dstOff, dstStrides, x.flat, srcOff, inStrides, dims); err != nil {
		return nil, err
	}
	return output, nil
}

// copyStridedAny dispatches copyStrided on the flat slice's element type.
func copyStridedAny(dst any, dstOff int, dstStrides []int, src any, srcOff int, srcStrides, dims []int) error {
	switch d := dst.(type) {
	case []float32:
		copyStrided(d, dstOff, dstStrides, src.([]float32), srcOff, srcStrides, dims)
	case []float64:
		copyStrided(d, dstOff, dstStrides, src.([]float64), srcOff, srcStrides, dims)
	case []int32:
		copyStrided(d, dstOff, dstStrides, src.([]int32), srcOff, srcStrides, dims)
	case []int64:
		copyStrided(d, dstOff, dstStrides, src.([]int64), srcOff, srcStrides, dims)
	case []int8:
		copyStrided(d, dstOff, dstStrides, src.([]int8), srcOff, srcStrides, dims)
	case []int16:
		copyStrided(d, dstOff, dstStrides, src.([]int16), srcOff, srcStrides, dims)
	case []uint8:
		copyStrided(d, dstOff, dstStrides, src.([]uint8), srcOff, srcStrides, dims)
	case []uint16:
		copyStrided(d, dstOff, dstStrides, src.([]uint16), srcOff, srcStrides, dims)
	case []uint32:
		copyStrided(d, dstOff, dstStrides, src.([]uint32), srcOff, srcStrides, dims)
	case []uint64:
		copyStrided(d, dstOff, dstStrides, src.([]uint64), srcOff, srcStrides, dims)
	case []bool:
		copyStrided(d, dstOff, dstStrides, src.([]bool), srcOff, srcStrides, dims)
	default:
		return errors.Errorf("unsupported buffer type %T", dst)
	}
	return nil
}

func init() {
	setNodeExecutor(backends.OpTypeReverse, priorityGeneric, execReverse)
	setNodeExecutor(backends.OpTypePad, priorityGeneric, execPad)
}

// concatInterleaved handles the common case where, for every index of the
// axes before the concatenation axis, each part contributes one contiguous
// block: it walks the output once, writing each output row from all parts in
// turn (instead of one strided pass per part, which re-reads every output
// cache line once per part). It returns false when the case does not apply.
func concatInterleaved(o []float32, outDims []int, inputs []*Buffer, data *concatViewsData) bool {
	axis := data.axis
	if axis == 0 {
		return false
	}
	nParts := len(data.parts)
	blockLens := make([]int, nParts)
	for i, part := range data.parts {
		dims := data.dims[i]
		want := contiguousStrides(dims[axis:])
		for j, st := range part.strides[axis:] {
			if st != want[j] && dims[axis+j] != 1 {
				return false
			}
		}
		blockLens[i] = 1
		for _, d := range dims[axis:] {
			blockLens[i] *= d
		}
	}
	rowLen := contiguousStrides(outDims)[axis-1]
	// Outer loop over outDims[:axis]: operand 0 is the output, then the parts.
	strides := make([][]int, nParts+1)
	strides[0] = contiguousStrides(outDims[:axis])
	for ax := range strides[0] {
		strides[0][ax] *= rowLen
	}
	base := make([]int, nParts+1)
	srcs := make([][]float32, nParts)
	for i, part := range data.parts {
		strides[i+1] = part.strides[:axis]
		base[i+1] = part.offset
		srcs[i] = inputs[part.input].flat.([]float32)
	}
	p := newNDPlan(outDims[:axis], strides...)
	n := p.inner()
	last := len(p.dims) - 1
	step := make([]int, nParts+1)
	for op := range step {
		step[op] = p.strides[op][last]
	}
	p.parallelRows(base, 1, func(offs []int) {
		for j := range n {
			d := offs[0] + j*step[0]
			for i, src := range srcs {
				l := blockLens[i]
				s := offs[i+1] + j*step[i+1]
				if l <= 16 {
					dr, sr := o[d:d+l], src[s:s+l]
					for k := range dr {
						dr[k] = sr[k]
					}
				} else {
					copy(o[d:d+l], src[s:s+l])
				}
				d += l
			}
		}
	})
	return true
}
