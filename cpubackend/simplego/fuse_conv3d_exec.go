package simplego

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/protoseg-go/protoseg-go/cpubackend/gemm"
)

// Executors of the fused 3×3×3 convolution nodes (fuse_conv3d.go).

// conv3dBlockVoxels bounds the output voxels of one block (the rows of its
// patch matrix), and conv3dBlockFlops its product, so that the patch block
// stays in L2 and its Sgemm runs on the calling goroutine (below gemm's
// serial threshold): blocks, not the products, are spread over the cores.
const (
	conv3dBlockVoxels = 256
	conv3dBlockFlops  = 1 << 19
)

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

// patches writes the patch rows of output rows r0…r1−1 (r = (b·od+z)·oh+y)
// into dst, [(r1−r0)·ow, 27·c] ordered (kz, ky, kx, ch).
func (g vol3d) patches(dst, src []float32, r0, r1 int) {
	k := 27 * g.c
	for r := r0; r < r1; r++ {
		g.patchRow(dst[(r-r0)*g.ow*k:(r-r0+1)*g.ow*k], src, r)
	}
}

// blockRows returns the output rows per block for a product with n columns:
// at least one row, else as many as conv3dBlockVoxels and conv3dBlockFlops
// allow.
func (g vol3d) blockRows(n int) int {
	k := 27 * g.c
	vox := min(conv3dBlockVoxels, conv3dBlockFlops/max(1, 2*n*k))
	return max(1, vox/g.ow)
}

// blocks runs fn on blocks [r0, r1) of per output rows, spread over the
// cores, each worker with its own patch buffer col.
func (g vol3d) blocks(backend *Backend, per int, fn func(col []float32, r0, r1 int)) {
	k := 27 * g.c
	nb := (g.rows() + per - 1) / per
	parallelFor(nb, per*g.ow*k, func(b0, b1 int) {
		buf := backend.getBuffer(dtypes.Float32, per*g.ow*k)
		defer backend.putBuffer(buf)
		col := buf.flat.([]float32)
		for blk := b0; blk < b1; blk++ {
			r0 := blk * per
			fn(col, r0, min(g.rows(), r0+per))
		}
	})
}

// patchRow writes the ow patch rows of output row r into dst.
func (g vol3d) patchRow(dst, src []float32, r int) {
	c, k := g.c, 27*g.c
	b, z, y := r/(g.od*g.oh), r/g.oh%g.od, r%g.oh
	for kz := range 3 {
		zz := z + kz - g.shift
		for ky := range 3 {
			yy := y + ky - g.shift
			blk := (3*kz + ky) * 3 * c // offset of (kz, ky, kx=0) in a patch row
			if zz < 0 || zz >= g.sd || yy < 0 || yy >= g.sh {
				for x := range g.ow {
					clear(dst[x*k+blk : x*k+blk+3*c])
				}
				continue
			}
			srow := src[((b*g.sd+zz)*g.sh+yy)*g.sw*c : ((b*g.sd+zz)*g.sh+yy+1)*g.sw*c]
			for x := range g.ow {
				d := dst[x*k+blk : x*k+blk+3*c]
				x0 := x - g.shift
				if x0 >= 0 && x0+3 <= g.sw {
					copy(d, srow[x0*c:(x0+3)*c])
					continue
				}
				for kx := range 3 {
					if xx := x0 + kx; xx >= 0 && xx < g.sw {
						copy(d[kx*c:(kx+1)*c], srow[xx*c:(xx+1)*c])
					} else {
						clear(d[kx*c : (kx+1)*c])
					}
				}
			}
		}
	}
}

// correlate computes out [n, od, oh, ow, cout] = patches(src) · kern, with
// kern [27·c, cout], block by block.
func (g vol3d) correlate(backend *Backend, out, src, kern []float32, cout int) {
	k := 27 * g.c
	g.blocks(backend, g.blockRows(cout), func(col []float32, r0, r1 int) {
		g.patches(col, src, r0, r1)
		gemm.Sgemm(false, false, (r1-r0)*g.ow, cout, k, 1, col, k, kern, cout, 0, out[r0*g.ow*cout:], cout)
	})
}

// exec runs a fused 3D node.
func (op *conv3dOp) exec(backend *Backend, node *Node, inputs []*Buffer) (*Buffer, error) {
	output := backend.getBufferForShape(node.shape)
	o := output.flat.([]float32)
	same := vol3d{n: op.n, sd: op.d, sh: op.h, sw: op.w, c: op.cin, od: op.d, oh: op.h, ow: op.w, shift: 1}
	switch op.kind {
	case conv3dForward:
		same.correlateAny(backend, o, inputs[0].flat.([]float32), inputs[1].flat.([]float32), op.cout)
	case conv3dWeightGrad:
		op.weightGrad(backend, o, inputs[0].flat.([]float32), inputs[1].flat.([]float32), same)
	case conv3dInputGrad:
		op.gatherInputGrad(o, inputs[0].flat.([]float32))
	case conv3dInputGradDirect:
		op.directInputGrad(backend, o, inputs[0].flat.([]float32), inputs[1].flat.([]float32))
	default:
		return nil, fmt.Errorf("simplego: fused 3×3×3 node of unknown kind %d (shape %s)", op.kind, node.shape)
	}
	return output, nil
}

// weightGrad accumulates o = col(x)ᵀ·G [27·cin, cout] (or Gᵀ·col(x)) over
// blocks of output rows, each worker into its own partial sum; the partial
// sums are added in block order, so the result does not depend on timing.
func (op *conv3dOp) weightGrad(backend *Backend, o, x, g []float32, geo vol3d) {
	k := 27 * op.cin
	per := geo.blockRows(op.cout)
	nb := (geo.rows() + per - 1) / per
	partial := make([][]float32, nb) // by first block of a worker
	parallelFor(nb, per*op.w*k, func(b0, b1 int) {
		buf := backend.getBuffer(dtypes.Float32, per*op.w*k)
		defer backend.putBuffer(buf)
		col, acc := buf.flat.([]float32), make([]float32, k*op.cout)
		partial[b0] = acc
		beta := float32(0)
		for blk := b0; blk < b1; blk++ {
			r0 := blk * per
			r1 := min(geo.rows(), r0+per)
			m := (r1 - r0) * op.w
			geo.patches(col, x, r0, r1)
			gb := g[r0*op.w*op.cout:]
			if op.colIsRHS {
				gemm.Sgemm(true, false, op.cout, k, m, 1, gb, op.cout, col, k, beta, acc, k)
			} else {
				gemm.Sgemm(true, false, k, op.cout, m, 1, col, k, gb, op.cout, beta, acc, op.cout)
			}
			beta = 1
		}
	})
	clear(o)
	for _, acc := range partial {
		for i, v := range acc {
			o[i] += v
		}
	}
}

// directInputGrad computes the padded input gradient [n, d+2, h+2, w+2, cin]
// from G [n, d, h, w, cout] and W [27·cin, cout]: the full correlation of G
// with the flipped, transposed kernel W′[(26−k)·cout + o][i] = W[k·cin + i][o].
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
	full.correlateAny(backend, o, g, kern, op.cin)
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
