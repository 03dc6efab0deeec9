package simplego

import (
	"math"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// 2×2×2 max-pooling in one strided pass.
//
// package unet pools a volume x [N, D, H, W, C] as ReduceMax(Reshape(x, N,
// D/2, 2, H/2, 2, W/2, 2, C), 2, 4, 6). The generic reduction walks that
// rank-8 view in rows of C values; here each output row (b, z, y) reads the
// four input rows (2z+dz, 2y+dy) directly and takes the maximum of the 8
// values of each output voxel and channel, in the generic reduction's order
// (from −Inf, then (dz, dy, dx) in row-major order), so the result is
// bit-identical to it, NaN payloads included (Go's max merges the bits of
// a NaN with those of the other operand).

func init() {
	// Above the fork's own ReduceMax (fastReduce, priorityArch), which this
	// executor calls for every other reduction.
	setNodeExecutor(backends.OpTypeReduceMax, priorityArch+1, execReduceMaxPool3D)
}

// execReduceMaxPool3D runs a ReduceMax that is a 2×2×2 pooling (see above)
// as one strided pass, and any other one as fastReduce does.
func execReduceMaxPool3D(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	dims := inputs[0].shape.Dimensions
	axes, _ := node.data.([]int)
	if backend.reference || node.shape.DType != dtypes.Float32 || len(dims) != 8 || dims[2] != 2 || dims[4] != 2 || dims[6] != 2 ||
		len(axes) != 3 || !slices.Contains(axes, 2) || !slices.Contains(axes, 4) || !slices.Contains(axes, 6) {
		return fastReduce(backend, node, inputs, inputsOwned)
	}
	fusion3DCounts.pool.Add(1)
	output := backend.getBufferForShape(node.shape)
	pool2x2x2(output.flat.([]float32), inputs[0].flat.([]float32), dims[0]*dims[1], dims[3], dims[5], dims[7])
	return output, nil
}

// pool2x2x2 writes into out [planes, h, w, c] the maximum of each 2×2×2
// block of x [2·planes, 2h, 2w, c]: output row (p, y) reads the input rows
// 2y and 2y+1 of the input planes 2p and 2p+1.
func pool2x2x2(out, x []float32, planes, h, w, c int) {
	ri, ro := 2*w*c, w*c // floats of an input and an output row
	negInf := float32(math.Inf(-1))
	parallelFor(planes*h, 8*ro, func(r0, r1 int) {
		for r := r0; r < r1; r++ {
			p, y := r/h, r%h
			a := x[((2*p)*2*h+2*y)*ri:]
			b := x[((2*p+1)*2*h+2*y)*ri:]
			a0, a1, b0, b1 := a[:ri], a[ri:2*ri], b[:ri], b[ri:2*ri]
			o := out[r*ro : (r+1)*ro]
			for xo := range w {
				i := 2 * xo * c
				oc := o[xo*c : (xo+1)*c]
				for ch := range oc {
					j, k := i+ch, i+c+ch
					v := max(negInf, a0[j])
					v = max(v, a0[k])
					v = max(v, a1[j])
					v = max(v, a1[k])
					v = max(v, b0[j])
					v = max(v, b0[k])
					v = max(v, b1[j])
					oc[ch] = max(v, b1[k])
				}
			}
		}
	})
}
