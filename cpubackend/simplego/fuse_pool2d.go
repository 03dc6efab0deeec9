package simplego

import (
	"math"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// 2×2 max-pooling in one strided pass.
//
// package unet pools an image batch x [N, H, W, C] as ReduceMax(Reshape(x,
// N, H/2, 2, W/2, 2, C), 2, 4). Here each output row (b, y) reads the two
// input rows 2y and 2y+1 directly and takes the maximum of the 4 values of
// each output pixel and channel in the generic reduction's order (from −Inf,
// then (dy, dx) in row-major order) with Go's max, so the result is
// bit-identical to it, ±0, ±Inf and NaN payloads included (as the 2×2×2
// pass of fuse_pool3d.go). Where the channels are a multiple of 8, an AVX2
// kernel (pool2d_amd64.s) runs the instructions Go compiles max to on 8
// lanes at once: the same bits; tests force both paths.

func init() {
	// Above the 2×2×2 pass (fuse_pool3d.go, priorityArch+1), which this
	// executor calls for every other reduction.
	setNodeExecutor(backends.OpTypeReduceMax, priorityArch+2, execReduceMaxPool2D)
}

// execReduceMaxPool2D runs a ReduceMax that is a 2×2 pooling (see above) as
// one strided pass, and any other one as execReduceMaxPool3D does.
func execReduceMaxPool2D(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	dims := inputs[0].shape.Dimensions
	axes, _ := node.data.([]int)
	if backend.reference || node.shape.DType != dtypes.Float32 || len(dims) != 6 || dims[2] != 2 || dims[4] != 2 ||
		len(axes) != 2 || !slices.Contains(axes, 2) || !slices.Contains(axes, 4) {
		return execReduceMaxPool3D(backend, node, inputs, inputsOwned)
	}
	inferFusionCounts.pool2D.Add(1)
	output := backend.getBufferForShape(node.shape)
	pool2x2(output.flat.([]float32), inputs[0].flat.([]float32), dims[0]*dims[1], dims[3], dims[5])
	return output, nil
}

// pool2x2 writes into out [rows, w, c] the maximum of each 2×2 block of x
// [2·rows, 2w, c]: output row r reads the input rows 2r and 2r+1.
func pool2x2(out, x []float32, rows, w, c int) {
	ri, ro := 2*w*c, w*c // floats of an input and an output row
	negInf := float32(math.Inf(-1))
	parallelFor(rows, 4*ro, func(r0, r1 int) {
		for r := r0; r < r1; r++ {
			a0, a1 := x[2*r*ri:(2*r+1)*ri], x[(2*r+1)*ri:(2*r+2)*ri]
			o := out[r*ro : (r+1)*ro]
			if pool2x2RowSIMD(o, a0, a1, w, c) {
				continue
			}
			for xo := range w {
				i := 2 * xo * c
				p0, q0 := a0[i:i+c], a0[i+c:i+2*c]
				p1, q1 := a1[i:i+c], a1[i+c:i+2*c]
				oc := o[xo*c : (xo+1)*c]
				for ch := range oc {
					v := max(negInf, p0[ch])
					v = max(v, q0[ch])
					v = max(v, p1[ch])
					oc[ch] = max(v, q1[ch])
				}
			}
		}
	})
}
