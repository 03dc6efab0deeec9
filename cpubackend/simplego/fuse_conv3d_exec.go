package simplego

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/protoseg-go/protoseg-go/cpubackend/gemm"
)

// Executors of the fused 3×3×3 convolution nodes (fuse_conv3d.go).

// vol3d is the geometry of a correlation with a 3×3×3 kernel: a source
// [n, sd, sh, sw, c] read at (z+kz−shift, y+ky−shift, x+kx−shift) for the
// output voxel (z, y, x) of an output [n, od, oh, ow, ·] (zero outside the
// source).
type vol3d struct {
	n, sd, sh, sw, c int
	od, oh, ow       int
	shift            int
}

// rows is the number of output rows (one per (b, z, y)).
func (g vol3d) rows() int { return g.n * g.od * g.oh }

// exec runs a fused 3D node.
func (op *conv3dOp) exec(backend *Backend, node *Node, inputs []*Buffer) (*Buffer, error) {
	output := backend.getBufferForShape(node.shape)
	o := output.flat.([]float32)
	same := vol3d{n: op.n, sd: op.d, sh: op.h, sw: op.w, c: op.cin, od: op.d, oh: op.h, ow: op.w, shift: 1}
	switch op.kind {
	case conv3dForward:
		parts := []gemm.Part3D{{Data: inputs[0].flat.([]float32), C: op.cin}}
		if op.parts != nil {
			parts = parts[:0]
			for i, c := range op.parts {
				parts = append(parts, gemm.Part3D{Data: inputs[i].flat.([]float32), C: c})
			}
		}
		same.correlateFoldedParts(backend, o, parts, inputs[len(parts)].flat.([]float32), op.cout)
	case conv3dWeightGrad:
		op.weightGrad(backend, o, inputs[0].flat.([]float32), inputs[1].flat.([]float32), same)
	case conv3dInputGrad:
		op.gatherInputGrad(o, inputs[0].flat.([]float32))
	case conv3dInputGradDirect, conv3dInputGradInterior:
		op.directInputGrad(backend, o, inputs[0].flat.([]float32), inputs[1].flat.([]float32))
	default:
		return nil, fmt.Errorf("simplego: fused 3×3×3 node of unknown kind %d (shape %s)", op.kind, node.shape)
	}
	return output, nil
}

// weightGrad writes o = col(x)ᵀ·G [27·cin, cout] (or Gᵀ·col(x), [cout,
// 27·cin]) from the kx-folded gradient [9·cin, 3·cout].
func (op *conv3dOp) weightGrad(backend *Backend, o, x, g []float32, geo vol3d) {
	w3 := geo.weightGradFolded(backend, x, g, op.cout)
	for kzy := range 9 {
		for kx := range 3 {
			for ch := range op.cin {
				row := (kzy*3+kx)*op.cin + ch // of [27·cin, cout]
				src := w3[(kzy*op.cin+ch)*3*op.cout+kx*op.cout : (kzy*op.cin+ch)*3*op.cout+(kx+1)*op.cout]
				if !op.colIsRHS {
					copy(o[row*op.cout:(row+1)*op.cout], src)
					continue
				}
				for c, v := range src {
					o[c*27*op.cin+row] = v
				}
			}
		}
	}
}

// directInputGrad computes the padded input gradient [n, d+2, h+2, w+2, cin]
// from G [n, d, h, w, cout] and W [27·cin, cout]: the full correlation of G
// with the flipped, transposed kernel W′[(26−k)·cout + o][i] = W[k·cin + i][o]
// (for conv3dInputGradInterior only its interior [n, d, h, w, cin]: the same
// correlation with the output shifted by one voxel).
func (op *conv3dOp) directInputGrad(backend *Backend, o, g, wt []float32) {
	kbuf := backend.getBuffer(dtypes.Float32, 27*op.cout*op.cin)
	defer backend.putBuffer(kbuf)
	kern := kbuf.flat.([]float32)
	for k := range 27 {
		for i := range op.cin {
			for c := range op.cout {
				kern[((26-k)*op.cout+c)*op.cin+i] = wt[(k*op.cin+i)*op.cout+c]
			}
		}
	}
	full := vol3d{n: op.n, sd: op.d, sh: op.h, sw: op.w, c: op.cout,
		od: op.d + 2, oh: op.h + 2, ow: op.w + 2, shift: 2}
	if op.kind == conv3dInputGradInterior { // voxel (z, y, x) of the interior is (z+1, y+1, x+1) of the full one
		full.od, full.oh, full.ow, full.shift = op.d, op.h, op.w, 1
	}
	full.correlateFolded(backend, o, g, kern, op.cin)
}

// gatherInputGrad computes the padded input gradient from the patch-matrix
// gradient D [n, d, h, w, 27·cin]: out[b, z′, y′, x′] = Σ_k D[b, z′−kz,
// y′−ky, x′−kx, k·cin : (k+1)·cin] over the terms inside D.
func (op *conv3dOp) gatherInputGrad(o, dcol []float32) {
	c, dp, hp, wp := op.cin, op.d+2, op.h+2, op.w+2
	parallelFor(op.n*dp*hp, wp*27*c, func(r0, r1 int) {
		for r := r0; r < r1; r++ {
			b, zp, yp := r/(dp*hp), r/hp%dp, r%hp
			row := o[r*wp*c : (r+1)*wp*c]
			clear(row)
			for k := range 27 {
				z, y := zp-k/9, yp-k/3%3
				if z < 0 || z >= op.d || y < 0 || y >= op.h {
					continue
				}
				kx := k % 3
				base := ((b*op.d+z)*op.h + y) * op.w
				for x := range op.w {
					src := dcol[(base+x)*27*c+k*c : (base+x)*27*c+(k+1)*c]
					dst := row[(x+kx)*c : (x+kx+1)*c]
					for i, v := range src {
						dst[i] += v
					}
				}
			}
		}
	})
}

// gradTimesWeights returns G and W when D is the gradient of the forward
// product of a 3×3×3 convolution with respect to its patch matrix: G·Wᵀ with
// G [n·d·h·w, cout] (or [n, d, h, w, cout]) and W [27·cin, cout], as a
// DotGeneral contracting their last axes, possibly behind Reshapes.
func gradTimesWeights(dcol *Node, op conv3dOp) (g, wt *Node, ok bool) {
	cur := dcol
	for cur.opType == backends.OpTypeReshape {
		cur = cur.inputs[0]
	}
	params, isDot := cur.data.(*dotGeneralNodeData)
	if cur.opType != backends.OpTypeDotGeneral || !isDot || len(cur.inputs) != 2 ||
		len(params.lhsBatchAxes) != 0 || len(params.rhsBatchAxes) != 0 {
		return nil, nil, false
	}
	g, wt = cur.inputs[0], cur.inputs[1]
	gr := g.shape.Rank()
	if g.shape.DType != dtypes.Float32 || wt.shape.DType != dtypes.Float32 || gr < 2 || wt.shape.Rank() != 2 ||
		!slices.Equal(params.lhsContractingAxes, []int{gr - 1}) || !slices.Equal(params.rhsContractingAxes, []int{1}) {
		return nil, nil, false
	}
	cout := g.shape.Dimensions[gr-1]
	if wt.shape.Dimensions[0] != 27*op.cin || wt.shape.Dimensions[1] != cout ||
		g.shape.Size() != op.n*op.d*op.h*op.w*cout {
		return nil, nil, false
	}
	return g, wt, true
}
