package simplego

import (
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/protoseg-go/protoseg-go/cpubackend/gemm"
)

// DotGeneral for float32 through gemm.SgemmBatched.
//
// Each operand is viewed as a batch of row-major matrices: [batch, cross,
// contracting] ("XC") or [batch, contracting, cross] ("CX", handled with the
// transpose flag). When the operand's memory layout is neither — batch axes not
// outermost, or its contracting/batch axes in another order than the other
// operand's — it is first transposed into [batch, cross, contracting].

type dgGemmOperand struct {
	perm          []int // nil: use in place; else Transpose permutation into [batch, cross, contracting]
	permDims      []int // dimensions of the operand (for the transpose)
	contractFirst bool  // layout [batch, contracting, cross]
}

type dgGemmPlan struct {
	lhs, rhs dgGemmOperand
}

// newDgGemmPlan computes how to run a float32 DotGeneral with gemm.
func newDgGemmPlan(lhsShape, rhsShape shapes.Shape, params *dotGeneralNodeData) *dgGemmPlan {
	// Pairs of (lhs, rhs) axes with dimension > 1.
	type pair struct{ l, r int }
	var cPairs, bPairs []pair
	for i, l := range params.lhsContractingAxes {
		if lhsShape.Dimensions[l] != 1 {
			cPairs = append(cPairs, pair{l, params.rhsContractingAxes[i]})
		}
	}
	for i, l := range params.lhsBatchAxes {
		if lhsShape.Dimensions[l] != 1 {
			bPairs = append(bPairs, pair{l, params.rhsBatchAxes[i]})
		}
	}
	// Contracting pairs in lhs memory order; batch pairs keep their given order
	// (it is the order of the output's batch axes).
	slices.SortFunc(cPairs, func(a, b pair) int { return a.l - b.l })
	side := func(shape shapes.Shape, contract, batch, allContract, allBatch []int) dgGemmOperand {
		// Non-1 axes in memory order, classified.
		var seq []int // 0 batch, 1 cross, 2 contracting
		var bSeen, cSeen []int
		for ax, d := range shape.Dimensions {
			if d == 1 {
				continue
			}
			switch {
			case slices.Contains(batch, ax):
				seq = append(seq, 0)
				bSeen = append(bSeen, ax)
			case slices.Contains(contract, ax):
				seq = append(seq, 2)
				cSeen = append(cSeen, ax)
			default:
				seq = append(seq, 1)
			}
		}
		inOrder := slices.Equal(bSeen, batch) && slices.Equal(cSeen, contract)
		// Compress runs.
		var runs []int
		for _, t := range seq {
			if len(runs) == 0 || runs[len(runs)-1] != t {
				runs = append(runs, t)
			}
		}
		if runs != nil && runs[0] == 0 {
			runs = runs[1:]
		}
		okRuns := len(runs) <= 2 && !slices.Contains(runs, 0)
		if inOrder && okRuns {
			return dgGemmOperand{contractFirst: len(runs) > 0 && runs[0] == 2}
		}
		// Transpose into [batch (pair order), cross (memory order), contracting (pair order)],
		// with the size-1 batch/contracting axes put among the cross ones.
		perm := slices.Clone(batch)
		for ax := range shape.Rank() {
			if !slices.Contains(batch, ax) && !slices.Contains(contract, ax) {
				perm = append(perm, ax)
			}
		}
		perm = append(perm, contract...)
		_ = allContract
		_ = allBatch
		return dgGemmOperand{perm: perm, permDims: slices.Clone(shape.Dimensions)}
	}
	var lc, lb, rc, rb []int
	for _, p := range cPairs {
		lc, rc = append(lc, p.l), append(rc, p.r)
	}
	for _, p := range bPairs {
		lb, rb = append(lb, p.l), append(rb, p.r)
	}
	return &dgGemmPlan{
		lhs: side(lhsShape, lc, lb, params.lhsContractingAxes, params.lhsBatchAxes),
		rhs: side(rhsShape, rc, rb, params.rhsContractingAxes, params.rhsBatchAxes),
	}
}

// execDotGeneralGemm computes the normalised [batch, lhsCross, rhsCross] output.
func execDotGeneralGemm(backend *Backend, lhs, rhs *Buffer, params *dotGeneralNodeData, output *Buffer) {
	plan := params.gemmPlan
	a, b := lhs.flat.([]float32), rhs.flat.([]float32)
	var tmps []*Buffer
	if plan.lhs.perm != nil {
		t := backend.getBuffer(dtypes.Float32, len(a))
		transposeFloat32(t.flat.([]float32), a, plan.lhs.permDims, plan.lhs.perm)
		a = t.flat.([]float32)
		tmps = append(tmps, t)
	}
	if plan.rhs.perm != nil {
		t := backend.getBuffer(dtypes.Float32, len(b))
		transposeFloat32(t.flat.([]float32), b, plan.rhs.permDims, plan.rhs.perm)
		b = t.flat.([]float32)
		tmps = append(tmps, t)
	}
	batch, m, n, k := params.batchSize, params.lhsCrossSize, params.rhsCrossSize, params.contractingSize
	transA, lda := plan.lhs.contractFirst, k
	if transA {
		lda = m
	}
	transB, ldb := !plan.rhs.contractFirst, n
	if transB {
		ldb = k
	}
	c := output.flat.([]float32)
	if batch == 1 {
		gemm.Sgemm(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c, n)
	} else {
		gemm.SgemmBatched(batch, transA, transB, m, n, k, 1, a, lda, m*k, b, ldb, n*k, 0, c, n, m*n)
	}
	for _, t := range tmps {
		backend.putBuffer(t)
	}
}

// execDotGeneralDots computes a DotGeneral whose products are all 1×1 (no cross
// axes: batched dot products, e.g. a per-pixel or per-channel inner product)
// directly in the operands' layouts, without transposes or tiny gemm calls.
func execDotGeneralDots(lhs, rhs *Buffer, params *dotGeneralNodeData, output *Buffer) {
	lDims := lhs.shape.Dimensions
	rStrides := contiguousStrides(rhs.shape.Dimensions)
	rank := len(lDims)
	outS, rhsS := make([]int, rank), make([]int, rank)
	// Output strides of the batch axes, in the order listed.
	acc := 1
	for i := len(params.lhsBatchAxes) - 1; i >= 0; i-- {
		ax := params.lhsBatchAxes[i]
		outS[ax] = acc
		acc *= lDims[ax]
		rhsS[ax] = rStrides[params.rhsBatchAxes[i]]
	}
	for i, ax := range params.lhsContractingAxes {
		rhsS[ax] = rStrides[params.rhsContractingAxes[i]]
	}
	o, a, b := output.flat.([]float32), lhs.flat.([]float32), rhs.flat.([]float32)
	clear(o)
	p := newNDPlan(lDims, outS, contiguousStrides(lDims), rhsS)
	n := p.inner()
	last := len(p.dims) - 1
	os, as, bs := p.strides[0][last], p.strides[1][last], p.strides[2][last]
	// rowsFn accumulates into out the rows [r0, r1) of the plan.
	rowsFn := func(out []float32, r0, r1 int) {
		p.forRows(r0, r1, []int{0, 0, 0}, func(offs []int) {
			oo, ao, bo := offs[0], offs[1], offs[2]
			switch {
			case os == 0 && as == 1 && bs == 1:
				ar, br := a[ao:ao+n], b[bo:bo+n]
				var s0, s1, s2, s3 float32
				i := 0
				for ; i+4 <= n; i += 4 {
					s0 += ar[i] * br[i]
					s1 += ar[i+1] * br[i+1]
					s2 += ar[i+2] * br[i+2]
					s3 += ar[i+3] * br[i+3]
				}
				for ; i < n; i++ {
					s0 += ar[i] * br[i]
				}
				out[oo] += (s0 + s1) + (s2 + s3)
			case os == 0:
				var s0 float32
				for i := range n {
					s0 += a[ao+i*as] * b[bo+i*bs]
				}
				out[oo] += s0
			case os == 1 && as == 1 && bs == 1:
				orow, ar, br := out[oo:oo+n], a[ao:ao+n], b[bo:bo+n]
				for i := range orow {
					orow[i] += ar[i] * br[i]
				}
			default:
				for i := range n {
					out[oo+i*os] += a[ao+i*as] * b[bo+i*bs]
				}
			}
		})
	}
	rows := p.numRows()
	switch {
	case len(p.dims) > 1 && p.strides[0][0] != 0:
		// Outermost axis is a batch axis: disjoint outputs per chunk.
		align := rows / p.dims[0]
		parallelFor(p.dims[0], align*n, func(i0, i1 int) { rowsFn(o, i0*align, i1*align) })
	case len(p.dims) > 1 && len(o) <= 1<<14 && rows*n >= 4*parallelMinWork:
		// Outermost axis is contracted and the output small: a private partial
		// output per worker, summed at the end.
		align := rows / p.dims[0]
		half := (p.dims[0] + 1) / 2
		part := make([]float32, len(o))
		parallelFor(2, rows*n/2, func(w0, w1 int) {
			for w := w0; w < w1; w++ {
				dst := o
				if w == 1 {
					dst = part
				}
				rowsFn(dst, w*half*align, min((w+1)*half, p.dims[0])*align)
			}
		})
		for i, v := range part {
			o[i] += v
		}
	default:
		rowsFn(o, 0, rows)
	}
}
