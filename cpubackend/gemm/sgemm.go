package gemm

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Blocking parameters (in float32 elements). They are variables only so that
// tests and benchmarks can tune them; production code must not change them
// while a Sgemm call is running.
var (
	// kcMax bounds the k extent of a packed block: a 6×kc A sliver plus a
	// kc×16 B panel stay in L1 (256·16·4 = 16 KiB for B).
	kcMax = 256
	// mcMax bounds the rows of A handled by one work item: a packed mc×kc A
	// block (144·256·4 = 144 KiB) stays in L2 while the item sweeps the B
	// panels.
	mcMax = 144
	// packBLimit bounds the packed B buffer (k × nc floats); wider B is
	// processed in column blocks of nc = packBLimit/k columns.
	packBLimit = 1 << 20
	// packAMinPanels and packAMinLd: A is packed only when it is stored
	// transposed with a row stride of at least packAMinLd elements (so that
	// reading it in place would touch a new page for every k) and a work
	// item sweeps at least packAMinPanels B panels. Otherwise the kernel
	// reads A in place: measured on the U-Net shapes, packing costs a pass
	// over A that the extra locality does not repay (e.g. 640×128×576:
	// ~135 GFLOP/s packed vs ~165 in place; 1024³ with transA: 170 packed vs
	// 108 in place).
	packAMinPanels = 3
	packAMinLd     = 1024
	// serialFlops: products below this many flops (2·m·n·k) run on the
	// calling goroutine only.
	serialFlops = 1 << 19
	// kSplitMaxMN and kSplitMinK select the split-K strategy for small outputs
	// with a long reduction (e.g. a convolution's weight gradient).
	kSplitMaxMN = 1 << 15
	kSplitMinK  = 1024
)

var maxThreads atomic.Int64

// SetMaxThreads sets how many goroutines one Sgemm, SgemmBatched, Im2Col3x3
// or Col2Im3x3 call may use (including the caller). n <= 0 restores the
// default, runtime.GOMAXPROCS(0). It returns the previous setting (0 for the
// default).
func SetMaxThreads(n int) int {
	if n < 0 {
		n = 0
	}
	return int(maxThreads.Swap(int64(n)))
}

func threads() int {
	if t := int(maxThreads.Load()); t > 0 {
		return t
	}
	return runtime.GOMAXPROCS(0)
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C on row-major float32 matrices,
// where op(X) is X, or Xᵀ when the matching trans flag is set; op(A) is m×k,
// op(B) is k×n and C is m×n. lda, ldb and ldc are the row strides (in
// elements) of the matrices as stored: A is m×k (k×m if transA) with
// lda ≥ max(1, its columns), and likewise for B and C. As in BLAS, when
// beta == 0 C is not read (NaNs in C are overwritten), and when alpha == 0 or
// k == 0 A and B are not read (their lengths are still checked).
//
// The work is spread over up to SetMaxThreads goroutines (default GOMAXPROCS);
// small products run on the calling goroutine. Sgemm never waits on a shared
// worker pool, so it may be called concurrently from many goroutines.
//
// Sgemm panics, with a message naming the argument, if a dimension is
// negative, a leading dimension is too small, or a slice is shorter than the
// matrix it holds. C must not overlap A or B.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	p := newPlan(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	if p == nil {
		return
	}
	nw := threads()
	if 2*float64(m)*float64(n)*float64(k) < float64(serialFlops) {
		nw = 1
	}
	p.run(nw)
}

// SgemmBatched computes batch independent products
//
//	C_i = alpha·op(A_i)·op(B_i) + beta·C_i,  i = 0..batch-1
//
// with the same shapes and semantics as Sgemm, where A_i starts at
// a[i*strideA:], B_i at b[i*strideB:] and C_i at c[i*strideC:]. A stride of 0
// shares one operand across the batch (allowed for A and B only); the C_i must
// not overlap. Small products are spread over goroutines one product at a
// time; large ones run one after another, each using all threads. It panics
// under the same conditions as Sgemm, and if batch or a stride is negative.
func SgemmBatched(batch int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda, strideA int, b []float32, ldb, strideB int, beta float32, c []float32, ldc, strideC int) {
	if batch < 0 || strideA < 0 || strideB < 0 || strideC < 0 {
		panic(fmt.Sprintf("gemm: SgemmBatched: negative batch or stride (batch=%d strideA=%d strideB=%d strideC=%d)", batch, strideA, strideB, strideC))
	}
	if batch == 0 {
		return
	}
	if batch > 1 && strideC == 0 && m > 0 && n > 0 {
		panic("gemm: SgemmBatched: strideC == 0 with batch > 1 would overlap outputs")
	}
	sub := func(s []float32, i, stride int) []float32 {
		off := i * stride
		if off > len(s) {
			off = len(s)
		}
		return s[off:]
	}
	plans := make([]*plan, batch)
	for i := range plans {
		plans[i] = newPlan(transA, transB, m, n, k, alpha, sub(a, i, strideA), lda, sub(b, i, strideB), ldb, beta, sub(c, i, strideC), ldc)
	}
	if plans[0] == nil {
		return
	}
	nw := threads()
	flops := 2 * float64(m) * float64(n) * float64(k)
	if nw > 1 && flops < 8*float64(serialFlops) {
		parallelFor(batch, nw, func(i int, _ *workspace) { plans[i].run(1) })
		return
	}
	if flops*float64(batch) < float64(serialFlops) {
		nw = 1
	}
	for _, p := range plans {
		p.run(nw)
	}
}

// plan is one validated Sgemm problem.
type plan struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	c              []float32
	ldc            int
	// noSplitK forbids the split-K strategy, whose summation order depends
	// on the thread count.
	noSplitK bool
}

func checkMatrix(name string, x []float32, rows, cols, ld int) {
	if ld < max(1, cols) {
		panic(fmt.Sprintf("gemm: Sgemm: ld%s=%d < max(1, %d columns)", name, ld, cols))
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("gemm: Sgemm: len(%s)=%d < %d needed for %d×%d with ld%s=%d", name, len(x), (rows-1)*ld+cols, rows, cols, name, ld))
	}
}

// newPlan validates the arguments; it returns nil when nothing is left to do
// after handling the degenerate cases (empty C, alpha == 0, k == 0).
func newPlan(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) *plan {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("gemm: Sgemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("a", a, ar, ac, lda)
	checkMatrix("b", b, br, bc, ldb)
	checkMatrix("c", c, m, n, ldc)
	if m == 0 || n == 0 {
		return nil
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return nil
	}
	return &plan{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc}
}

func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// workspace holds one goroutine's packing buffers.
type workspace struct {
	pa   []float32 // packed A block: ceil(mc/mr) panels of kc×mr (allocated when first needed)
	ea   []float32 // one zero-padded edge sliver of A, kc×mr
	tile [2 * mr * nr]float32
	col  []float32 // Conv3x3's patch rows
}

var wsPool = sync.Pool{New: func() any { return new(workspace) }}

func getWS() *workspace {
	ws := wsPool.Get().(*workspace)
	if len(ws.ea) < mr*kcMax {
		ws.ea = make([]float32, mr*kcMax)
	}
	return ws
}

var bufPool sync.Pool // of *[]float32

func getBuf(n int) *[]float32 {
	if v := bufPool.Get(); v != nil {
		bp := v.(*[]float32)
		if cap(*bp) >= n {
			*bp = (*bp)[:n]
			return bp
		}
	}
	s := make([]float32, n)
	return &s
}

// parallelFor runs body(i) for i in [0, items) on up to nw goroutines (the
// caller included), handing out items through an atomic counter so that a
// slow core does not hold the others back. It starts plain goroutines and
// waits for them: nothing here blocks on a bounded pool, so calls may nest.
func parallelFor(items, nw int, body func(item int, ws *workspace)) {
	if nw > items {
		nw = items
	}
	if nw <= 1 {
		ws := getWS()
		for i := 0; i < items; i++ {
			body(i, ws)
		}
		wsPool.Put(ws)
		return
	}
	var next atomic.Int64
	worker := func() {
		ws := getWS()
		for {
			i := int(next.Add(1) - 1)
			if i >= items {
				break
			}
			body(i, ws)
		}
		wsPool.Put(ws)
	}
	var wg sync.WaitGroup
	wg.Add(nw - 1)
	for w := 0; w < nw-1; w++ {
		go func() {
			defer wg.Done()
			worker()
		}()
	}
	worker()
	wg.Wait()
}

// kBlock splits k into equal blocks of at most kcMax.
func kBlock(k int) int {
	nb := (k + kcMax - 1) / kcMax
	return (k + nb - 1) / nb
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }

// run executes the plan on up to nw goroutines.
func (p *plan) run(nw int) {
	if nw > 1 && !p.noSplitK && p.k >= kSplitMinK && p.m*p.n <= kSplitMaxMN && p.k >= 4*max(p.m, p.n) {
		p.runSplitK(nw)
		return
	}
	// A very long reduction is cut so that one packed 16-column panel of B
	// stays within packBLimit; later slices accumulate (beta = 1).
	if kTop := max(kcMax, packBLimit/nr); p.k > kTop {
		for k0 := 0; k0 < p.k; k0 += kTop {
			sub := p.kSlice(k0, min(p.k, k0+kTop))
			if k0 > 0 {
				sub.beta = 1
			}
			sub.run(nw)
		}
		return
	}
	// Column blocks of B, each packed once (in parallel) and shared.
	nc := max(nr, packBLimit/p.k/nr*nr)
	for j0 := 0; j0 < p.n; j0 += nc {
		p.runColumns(nw, j0, min(nc, p.n-j0))
	}
}

// kSlice returns the plan restricted to the reduction range [k0, k1).
func (p *plan) kSlice(k0, k1 int) plan {
	sub := *p
	sub.k = k1 - k0
	if p.transA {
		sub.a = p.a[k0*p.lda:]
	} else {
		sub.a = p.a[k0:]
	}
	if p.transB {
		sub.b = p.b[k0:]
	} else {
		sub.b = p.b[k0*p.ldb:]
	}
	return sub
}

// runSplitK splits the reduction over goroutines, each accumulating into a
// private m×n buffer, then sums the buffers into C.
func (p *plan) runSplitK(nw int) {
	parts := nw
	kp := roundUp((p.k+parts-1)/parts, 8)
	parts = (p.k + kp - 1) / kp
	mn := p.m * p.n
	buf := getBuf(parts * mn)
	parallelFor(parts, nw, func(i int, _ *workspace) {
		k0 := i * kp
		k1 := min(p.k, k0+kp)
		sub := p.kSlice(k0, k1)
		sub.alpha, sub.beta = 1, 0
		sub.c, sub.ldc = (*buf)[i*mn:(i+1)*mn], p.n
		sub.run(1)
	})
	part := *buf
	for i := 0; i < p.m; i++ {
		crow := p.c[i*p.ldc : i*p.ldc+p.n]
		for j := range crow {
			var s float32
			for q := 0; q < parts; q++ {
				s += part[q*mn+i*p.n+j]
			}
			if p.beta == 0 {
				crow[j] = p.alpha * s
			} else {
				crow[j] = p.alpha*s + p.beta*crow[j]
			}
		}
	}
	bufPool.Put(buf)
}

// panelWidth returns the packed width (16 or 8) of a panel holding w ≤ 16
// columns.
func panelWidth(w int) int {
	if w <= nrHalf {
		return nrHalf
	}
	return nr
}

// runColumns computes C[:, j0:j0+nb].
func (p *plan) runColumns(nw, j0, nb int) {
	np := (nb + nr - 1) / nr
	bp := getBuf(np * nr * p.k)
	pb := *bp
	// Pack B: panel q holds columns j0+16q.. as a k×w row-major block at
	// offset q*16*k.
	if nw > 1 && np > 1 && nb*p.k >= 1<<16 {
		parallelFor(np, nw, func(q int, _ *workspace) { p.packBPanel(pb, j0, nb, q) })
	} else {
		for q := 0; q < np; q++ {
			p.packBPanel(pb, j0, nb, q)
		}
	}

	// Work items: mc rows × a chunk of panels.
	mc := mcMax
	if nw > 1 {
		mc = min(mcMax, max(4*mr, roundUp((p.m+4*nw-1)/(4*nw), mr)))
	}
	mItems := (p.m + mc - 1) / mc
	nChunks := 1
	if nw > 1 && mItems < 2*nw && np > 1 {
		nChunks = min(np, (2*nw+mItems-1)/mItems)
	}
	qPer := (np + nChunks - 1) / nChunks
	nChunks = (np + qPer - 1) / qPer
	parallelFor(mItems*nChunks, nw, func(it int, ws *workspace) {
		im, iq := it/nChunks, it%nChunks
		i0 := im * mc
		q0 := iq * qPer
		p.computeItem(ws, pb, j0, nb, i0, min(p.m, i0+mc), q0, min(np, q0+qPer))
	})
	bufPool.Put(bp)
}

func (p *plan) packBPanel(pb []float32, j0, nb, q int) {
	jq := q * nr
	w := min(nr, nb-jq)
	pw := panelWidth(w)
	dst := pb[q*nr*p.k : q*nr*p.k+pw*p.k]
	col := j0 + jq
	if !p.transB && w == nr { // one strided copy, not a memmove per k
		copyStrided(dst, p.b[col:], p.k, nr, nr, p.ldb)
		return
	}
	if !p.transB {
		for pp := 0; pp < p.k; pp++ {
			d := dst[pp*pw : pp*pw+pw]
			copy(d, p.b[pp*p.ldb+col:pp*p.ldb+col+w])
			clear(d[w:])
		}
		return
	}
	if w < pw {
		clear(dst)
	}
	for jj := 0; jj < w; jj++ {
		src := p.b[(col+jj)*p.ldb : (col+jj)*p.ldb+p.k]
		for pp, v := range src {
			dst[pp*pw+jj] = v
		}
	}
}

// packA packs rows [i0, i1) and columns [p0, p0+kc) of op(A) into dst as
// panels of mr rows: panel r holds a kc×mr block (mr contiguous values per
// k), the last one zero-padded.
func (p *plan) packA(dst []float32, i0, i1, p0, kc int) {
	for i := i0; i < i1; i += mr {
		rows := min(mr, i1-i)
		d := dst[(i-i0)*kc : (i-i0)*kc+kc*mr]
		if rows < mr {
			clear(d)
		}
		if p.transA && rows == mr { // one strided copy, not a memmove per k
			copyStrided(d, p.a[p0*p.lda+i:], kc, mr, mr, p.lda)
			continue
		}
		if p.transA {
			for pp := 0; pp < kc; pp++ {
				off := (p0+pp)*p.lda + i
				copy(d[pp*mr:pp*mr+rows], p.a[off:off+rows])
			}
			continue
		}
		for r := 0; r < rows; r++ {
			src := p.a[(i+r)*p.lda+p0 : (i+r)*p.lda+p0+kc]
			for pp, v := range src {
				d[pp*mr+r] = v
			}
		}
	}
}

// computeItem computes C[i0:i1, cols of panels q0..q1 of the block at j0].
func (p *plan) computeItem(ws *workspace, pb []float32, j0, nb, i0, i1, q0, q1 int) {
	kc := kBlock(p.k)
	t := tileJob{ws: ws, pb: pb, j0: j0, nb: nb, i0: i0, i1: i1}
	t.packA = p.transA && p.lda >= packAMinLd && q1-q0 >= packAMinPanels
	iEdge := i0 + (i1-i0)/mr*mr // first row of the partial sliver, if any
	for p0 := 0; p0 < p.k; p0 += kc {
		t.p0, t.kcur = p0, min(kc, p.k-p0)
		t.beta = p.beta
		if p0 > 0 {
			t.beta = 1
		}
		if t.packA {
			if need := roundUp(i1-i0, mr) * t.kcur; len(ws.pa) < need {
				ws.pa = make([]float32, roundUp(mcMax, mr)*kcMax)
			}
			p.packA(ws.pa, i0, i1, p0, t.kcur)
		} else if iEdge < i1 {
			p.packA(ws.ea, iEdge, i1, p0, t.kcur)
		}
		for q := q0; q < q1; {
			if kern12x32 != nil && q+1 < q1 && p.nb16(nb, q+1) {
				// Two full panels at once, 12 rows at a time; the rows
				// left (< 12) panel by panel.
				i := p.pairRows(&t, q)
				p.panelRows(&t, q, i)
				p.panelRows(&t, q+1, i)
				q += 2
				continue
			}
			p.panelRows(&t, q, i0)
			q++
		}
	}
}

// nb16 reports whether panel q of a block of nb columns is a full 16 wide.
func (p *plan) nb16(nb, q int) bool { return nb-q*nr >= nr }

// tileJob is the state computeItem shares with panelRows and pairRows: the
// rows [i0, i1), the k block [p0, p0+kcur) with its beta, and the buffers.
type tileJob struct {
	ws       *workspace
	pb       []float32
	packA    bool
	j0, nb   int
	i0, i1   int
	p0, kcur int
	beta     float32
}

// pairRows computes the 12×32 tiles of panels q, q+1 (both full) for rows
// i0.. in steps of 12 with kern12x32, and returns the first row left.
func (p *plan) pairRows(t *tileJob, q int) int {
	b := unsafe.Pointer(&t.pb[q*nr*p.k+t.p0*nr])
	b2 := unsafe.Pointer(&t.pb[(q+1)*nr*p.k+t.p0*nr])
	col := t.j0 + q*nr
	i := t.i0
	for ; t.i1-i >= 2*mr; i += 2 * mr {
		ap, rs, cs := p.aSliver(t.ws, t.packA, t.i0, i, mr, t.p0, t.kcur)
		ap2, _, _ := p.aSliver(t.ws, t.packA, t.i0, i+mr, mr, t.p0, t.kcur)
		kern12x32(t.kcur, ap, ap2, rs, cs, b, b2, unsafe.Pointer(&p.c[i*p.ldc+col]), p.ldc, p.alpha, t.beta)
	}
	return i
}

// panelRows computes rows [i, i1) of panel q for the current k block.
func (p *plan) panelRows(t *tileJob, q, i int) {
	ws, i1, kcur, beta := t.ws, t.i1, t.kcur, t.beta
	jq := q * nr
	w := min(nr, t.nb-jq)
	pw := panelWidth(w)
	kern, k12 := kern16, kern12w
	if pw == nrHalf {
		kern, k12 = kern8, kern12
	}
	bptr := unsafe.Pointer(&t.pb[q*nr*p.k+t.p0*pw])
	col := t.j0 + jq
	for i < i1 {
		rows := min(mr, i1-i)
		ap, rs, cs := p.aSliver(ws, t.packA, t.i0, i, rows, t.p0, kcur)
		if k12 != nil && i1-i >= 2*mr {
			ap2, _, _ := p.aSliver(ws, t.packA, t.i0, i+mr, mr, t.p0, kcur)
			if w == pw {
				k12(kcur, ap, ap2, rs, cs, bptr, unsafe.Pointer(&p.c[i*p.ldc+col]), p.ldc, p.alpha, beta)
			} else {
				k12(kcur, ap, ap2, rs, cs, bptr, unsafe.Pointer(&ws.tile[0]), pw, 1, 0)
				p.mergeTile(ws.tile[:2*mr*pw], 2*mr, w, pw, i, col, beta)
			}
			i += 2 * mr
			continue
		}
		if rows == mr && w == pw {
			kern(kcur, ap, rs, cs, bptr, unsafe.Pointer(&p.c[i*p.ldc+col]), p.ldc, p.alpha, beta)
		} else {
			kern(kcur, ap, rs, cs, bptr, unsafe.Pointer(&ws.tile[0]), pw, 1, 0)
			p.mergeTile(ws.tile[:mr*pw], rows, w, pw, i, col, beta)
		}
		i += mr
	}
}

// aSliver returns the address and strides of the 6-row sliver of A starting
// at row i (rows valid rows) for the k block at p0: in the packed block, in
// the edge buffer, or in place.
func (p *plan) aSliver(ws *workspace, packA bool, i0, i, rows, p0, kcur int) (unsafe.Pointer, int, int) {
	switch {
	case packA:
		return unsafe.Pointer(&ws.pa[(i-i0)*kcur]), 1, mr
	case rows < mr:
		return unsafe.Pointer(&ws.ea[0]), 1, mr
	case p.transA:
		return unsafe.Pointer(&p.a[p0*p.lda+i]), 1, p.lda
	default:
		return unsafe.Pointer(&p.a[i*p.lda+p0]), p.lda, 1
	}
}

// mergeTile stores rows×w of the scratch tile t (row stride pw, computed with
// alpha = 1, beta = 0) into C at (i, col), applying alpha and beta.
func (p *plan) mergeTile(t []float32, rows, w, pw, i, col int, beta float32) {
	for r := 0; r < rows; r++ {
		crow := p.c[(i+r)*p.ldc+col : (i+r)*p.ldc+col+w]
		trow := t[r*pw : r*pw+w]
		if beta == 0 {
			for j, v := range trow {
				crow[j] = p.alpha * v
			}
		} else {
			for j, v := range trow {
				crow[j] = p.alpha*v + beta*crow[j]
			}
		}
	}
}
