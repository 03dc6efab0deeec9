package simplego

// Matrix–vector products for float32 DotGeneral: products where one operand
// has no cross axes (lhsCross or rhsCross is 1), e.g. ProtoSeg's prototypes
// [N,1,s]·[N,s,C] and its layer logit [N,s,C]·[N,C]. The general gemm packs
// both operands into panels and tiles; for a vector side that is a full extra
// pass over the matrix for one useful column, so these products read the
// matrix once, in place.
//
// Each output element is summed in a fixed order that does not depend on the
// thread count or the instruction set, so the plain-Go and AVX2 kernels agree
// bit for bit (gemvSIMD picks one; tests force each):
//
//   - matrix [K, M] (contracting axes first, "cols"): out[i] = Σ_k v[k]·A[k,i]
//     summed sequentially over k, each product rounded, then added;
//   - matrix [M, K] ("rows"): eight lane sums l = 0…7 over the k < K−K%8 with
//     k%8 = l, sequential per lane, combined as ((l0+l4)+(l2+l6)) +
//     ((l1+l5)+(l3+l7)), then the last K%8 products added in order.
//
// Products are rounded before the addition (no FMA), as in Go's float32
// arithmetic with explicit conversions.

// gemvSIMD selects the AVX2 kernels when the CPU has them (tests switch it).
var gemvSIMD = hasSIMD

// gemvColBlock is the widest column block the "cols" kernel keeps in registers.
const gemvColBlock = 32

// execDotGeneralGemv runs a float32 DotGeneral with exactly one cross side of
// size 1 whose operands need no transpose, and reports whether it did.
func execDotGeneralGemv(backend *Backend, lhs, rhs *Buffer, params *dotGeneralNodeData, output *Buffer) bool {
	plan := params.gemmPlan
	if plan == nil || backend.dotGeneralNoGemm || backend.reference || plan.lhs.perm != nil || plan.rhs.perm != nil {
		return false
	}
	if (params.lhsCrossSize == 1) == (params.rhsCrossSize == 1) {
		return false // a gemm, or batched dot products (execDotGeneralDots)
	}
	// The vector side is [batch, K]; the matrix side [batch, M, K] ("rows") or
	// [batch, K, M] (contracting axes first).
	v, a := rhs.flat.([]float32), lhs.flat.([]float32)
	m, rowsLayout := params.lhsCrossSize, !plan.lhs.contractFirst
	if params.lhsCrossSize == 1 {
		v, a = a, v
		m, rowsLayout = params.rhsCrossSize, !plan.rhs.contractFirst
	}
	gemvBatched(output.flat.([]float32), v, a, params.batchSize, m, params.contractingSize, rowsLayout)
	return true
}

// gemvBatched sets out[b·m + i] = Σ_k v[b·k + k']·A_b[i, k'] for each batch b,
// A_b stored [m, k] (rowsLayout) or [k, m], split over goroutines by output
// rows (never by k, so the sums do not depend on the split).
func gemvBatched(out, v, a []float32, batch, m, k int, rowsLayout bool) {
	if rowsLayout {
		parallelFor(batch*m, k, func(r0, r1 int) {
			for r := r0; r < r1; {
				b, i := r/m, r%m
				end := min(r1-b*m, m)
				gemvRows(out[b*m+i:b*m+end], v[b*k:(b+1)*k], a[(b*m+i)*k:(b*m+end)*k], k)
				r = b*m + end
			}
		})
		return
	}
	blocks := (m + gemvColBlock - 1) / gemvColBlock
	parallelFor(batch*blocks, k*gemvColBlock, func(t0, t1 int) {
		for t := t0; t < t1; t++ {
			b, j0 := t/blocks, t%blocks*gemvColBlock
			j1 := min(j0+gemvColBlock, m)
			gemvCols(out[b*m+j0:b*m+j1], v[b*k:(b+1)*k], a[b*k*m+j0:], k, m)
		}
	})
}

// gemvCols sets out[j] = Σ_p v[p]·a[p·lda + j] for j < len(out) ≤
// gemvColBlock, sequentially over p.
func gemvCols(out, v, a []float32, k, lda int) {
	n := len(out)
	done := 0
	if gemvSIMD && k > 0 {
		for ; done+gemvColBlock <= n; done += gemvColBlock {
			gemvCols32(out[done:], v, a[done:], k, lda)
		}
		for ; done+8 <= n; done += 8 {
			gemvCols8(out[done:], v, a[done:], k, lda)
		}
	}
	if done < n {
		gemvColsGo(out[done:], v, a[done:], k, lda)
	}
}

// gemvColsGo is gemvCols in Go.
func gemvColsGo(out, v, a []float32, k, lda int) {
	clear(out)
	for p := range k {
		s, row := v[p], a[p*lda:p*lda+len(out)]
		for j, x := range row {
			out[j] += float32(s * x)
		}
	}
}

// gemvRows sets out[i] = the eight-lane dot product of row i of a ([len(out),
// k]) with v (the order in the file comment).
func gemvRows(out, v, a []float32, k int) {
	k8 := k / 8 * 8
	if gemvSIMD && k8 > 0 && len(out) > 0 {
		gemvRows8(out, v, a, len(out), k, k8)
	} else {
		gemvRowsGo(out, v, a, k, k8)
	}
	if k8 == k {
		return
	}
	for i := range out {
		s, row := out[i], a[i*k:(i+1)*k]
		for p := k8; p < k; p++ {
			s += float32(row[p] * v[p])
		}
		out[i] = s
	}
}

// gemvRowsGo is the eight-lane part of gemvRows in Go (k8 = k − k%8).
func gemvRowsGo(out, v, a []float32, k, k8 int) {
	for i := range out {
		var l [8]float32
		row := a[i*k : i*k+k8]
		for p := 0; p < k8; p += 8 {
			for q := range 8 {
				l[q] += float32(row[p+q] * v[p+q])
			}
		}
		out[i] = ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]))
	}
}
