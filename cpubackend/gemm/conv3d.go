package gemm

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// 3×3×3 correlations with the kx taps folded into the product's columns:
//
//	Q[x′] = Σ_{kz,ky,c} src[z+kz−s, y+ky−s, x′, c] · W3[(kz,ky,c), (kx,o)]
//	dst[x][o] = Σ_kx Q[x+kx−s][(kx,o)]
//
// For each output row (b, z, y) a work item builds the row nonuple
// R[x′][(kz,ky,c)]: for every source column x′ the c channels of the nine
// source rows (z+kz−s, y+ky−s) side by side (zero outside the source), nine
// runs of c floats copied from the channels-last source, no transpose. The
// micro-kernels read R in place as the [voxels, 9·c] left operand (row
// stride 9·c); the folded weights W3 [9·c, 3·cout] are permuted and packed
// once per call. The product Q [voxels, 3·cout] is then added into dst with
// its three kx shifts, (Q₀ + Q₁) + Q₂ per element. Each output is the same
// computation whatever the threads: blocks of output rows are independent,
// and each product element is one FMA chain per k block of the same fixed
// blocking as Sgemm.

// Geom3D is the geometry of a correlation with a 3×3×3 kernel: a
// channels-last source [N, D, H, W, C] read at (z+kz−Shift, y+ky−Shift,
// x+kx−Shift) for the output voxel (z, y, x) of an output [N, OD, OH, OW, ·]
// (zero outside the source). Shift 1 with the output the source's size is a
// "same" convolution; Shift 2 with OD = D+2 (and so on) the full one.
type Geom3D struct {
	N, D, H, W, C int
	OD, OH, OW    int
	Shift         int
}

// rows is the number of output rows (one per (b, z, y)).
func (g Geom3D) rows() int { return g.N * g.OD * g.OH }

// foldedBlockVoxels is the number of source voxels of a block's product: the
// fastest m on the development machine (256: ~40 % faster than 128).
const foldedBlockVoxels = 256

// FoldKernel3x3x3 writes into w3 [9·c, 3·cout] the kx-folded weights of the
// kernel kern [27·c, cout] (rows in (kz, ky, kx, c) order):
// w3[(kz,ky,c)][(kx,o)] = kern[(kz,ky,kx,c)][o].
func FoldKernel3x3x3(w3, kern []float32, c, cout int) {
	for kzy := range 9 {
		for kx := range 3 {
			for ch := range c {
				src := kern[((kzy*3+kx)*c+ch)*cout : ((kzy*3+kx)*c+ch+1)*cout]
				copy(w3[(kzy*c+ch)*3*cout+kx*cout:], src)
			}
		}
	}
}

// Correlate3x3x3Scratch returns the length of a scratch buffer with which
// Correlate3x3x3 allocates nothing for geometry g and cout output channels on
// the current number of threads (SetMaxThreads).
func Correlate3x3x3Scratch(g Geom3D, cout int) int {
	fixed, perWorker := correlateScratch(g, cout)
	return fixed + threads()*perWorker
}

// correlateScratch returns the scratch floats Correlate3x3x3 needs once (the
// folded weights, packed whole and in two halves of k) and per worker (a
// block's row nonuple, its product and a second product for split blocks).
func correlateScratch(g Geom3D, cout int) (fixed, perWorker int) {
	k9, c3 := 9*g.C, 3*cout
	np := (c3 + nr - 1) / nr
	mb := max(1, foldedBlockVoxels/max(g.W, 1)) * g.W
	return 2*np*nr*k9 + k9*c3, mb * (k9 + 2*c3)
}

// halvesK returns where Sgemm on two threads splits the reduction of an
// m×n×k product (runSplitK: two parts, the first kp long), or 0 where it
// does not split.
func halvesK(m, n, k int) int {
	if k >= kSplitMinK && m*n <= kSplitMaxMN && k >= 4*max(m, n) && 2*float64(m)*float64(n)*float64(k) >= float64(serialFlops) {
		return roundUp((k+1)/2, 8)
	}
	return 0
}

// corr3 is the product of Correlate3x3x3's blocks: q = r·W3 with W3 packed
// whole (pb) and, for blocks whose product Sgemm on two threads splits in k
// (halvesK), in its two halves (pbLo, pbHi).
type corr3 struct {
	base           plan // n, k, b, lda, ldc set
	np             int
	pb, pbLo, pbHi []float32
	kp             int // the split of k (0: never split)
}

// newCorr3 folds kern into w3 and packs it into pack (2·np·16·k9 floats).
func newCorr3(w3, pack, kern []float32, c, cout int) *corr3 {
	k9, c3 := 9*c, 3*cout
	FoldKernel3x3x3(w3, kern, c, cout)
	cr := &corr3{base: plan{n: c3, k: k9, alpha: 1, b: w3, ldb: c3, lda: k9, ldc: c3}, np: (c3 + nr - 1) / nr}
	cr.pb = pack[:cr.np*nr*k9]
	for q := range cr.np {
		cr.base.packBPanel(cr.pb, 0, c3, q)
	}
	if k9 >= kSplitMinK {
		cr.kp = roundUp((k9+1)/2, 8)
		lo, hi := cr.base, cr.base
		lo.k, hi.k, hi.b = cr.kp, k9-cr.kp, w3[cr.kp*c3:]
		cr.pbLo, cr.pbHi = pack[cr.np*nr*k9:cr.np*nr*(k9+cr.kp)], pack[cr.np*nr*(k9+cr.kp):2*cr.np*nr*k9]
		for q := range cr.np {
			lo.packBPanel(cr.pbLo, 0, c3, q)
			hi.packBPanel(cr.pbHi, 0, c3, q)
		}
	}
	return cr
}

// product writes q [mb, 3·cout] = r [mb, 9·c]·W3: one FMA chain per element
// (per k block), or where Sgemm on two threads split the reduction, its two
// halves computed the same way and summed as it summed them, so that the
// bits are those that the 2-core machine computed with Sgemm and do not
// depend on the threads. tmp holds mb·3·cout floats.
func (cr *corr3) product(ws *workspace, q, r, tmp []float32, mb int) {
	p := cr.base
	p.m, p.a, p.c = mb, r, q
	if cr.kp == 0 || halvesK(mb, p.n, p.k) == 0 {
		for i0 := 0; i0 < mb; i0 += mcMax {
			p.computeItem(ws, cr.pb, 0, p.n, i0, min(mb, i0+mcMax), 0, cr.np)
		}
		return
	}
	lo, hi := p.kSlice(0, cr.kp), p.kSlice(cr.kp, p.k)
	hi.c = tmp
	for i0 := 0; i0 < mb; i0 += mcMax {
		lo.computeItem(ws, cr.pbLo, 0, p.n, i0, min(mb, i0+mcMax), 0, cr.np)
		hi.computeItem(ws, cr.pbHi, 0, p.n, i0, min(mb, i0+mcMax), 0, cr.np)
	}
	for i, v := range tmp[:mb*p.n] {
		var s float32
		s += q[i]
		s += v
		q[i] = s
	}
}

// Correlate3x3x3 writes into dst [N, OD, OH, OW, cout] the correlation of
// the channels-last src [N, D, H, W, C] with kern [27·C, cout] (rows in
// (kz, ky, kx, c) order) of geometry g:
//
//	dst[b,z,y,x,o] = Σ_{kz,ky,kx,c} src[b, z+kz−s, y+ky−s, x+kx−s, c] · kern[((kz·3+ky)·3+kx)·C + c, o]
//
// computed with the kx taps folded (see above). Its working memory comes
// from scratch when it holds at least Correlate3x3x3Scratch floats (fewer
// threads are used when it holds less), else from the package's pool. Its
// bits do not depend on the number of threads. It panics if a dimension is
// negative or a slice is too short.
func Correlate3x3x3(dst, src, kern, scratch []float32, g Geom3D, cout int) {
	Correlate3x3x3Parts(dst, []Part3D{{Data: src, C: g.C}}, kern, scratch, g, cout)
}

// Part3D is a channels-last tensor [N, D, H, W, C] that is a block of C
// channels of a correlation's source.
type Part3D struct {
	Data []float32
	C    int
}

// Correlate3x3x3Parts is Correlate3x3x3 of the source whose channels are
// those of parts side by side (their C add up to g.C): the concatenation is
// read from the parts as the row nonuple is built, never materialised. The
// result is bit-identical to Correlate3x3x3 of the concatenated source.
func Correlate3x3x3Parts(dst []float32, parts []Part3D, kern, scratch []float32, g Geom3D, cout int) {
	bad := g.N < 0 || g.D < 0 || g.H < 0 || g.W < 0 || g.C < 0 || g.OD < 0 || g.OH < 0 || g.OW < 0 || cout < 0 ||
		len(dst) < g.rows()*g.OW*cout || len(kern) < 27*g.C*cout
	c := 0
	for _, p := range parts {
		bad = bad || p.C < 0 || len(p.Data) < g.N*g.D*g.H*g.W*p.C
		c += p.C
	}
	if bad || c != g.C {
		panic(fmt.Sprintf("gemm: Correlate3x3x3: bad geometry %+v, cout %d, parts of %d channels or short slice (dst %d, kern %d)",
			g, cout, c, len(dst), len(kern)))
	}
	rows, k9, c3 := g.rows(), 9*g.C, 3*cout
	if rows == 0 || g.OW == 0 || cout == 0 {
		return
	}
	if k9 == 0 || g.W == 0 {
		clear(dst[:rows*g.OW*cout])
		return
	}
	per := max(1, foldedBlockVoxels/g.W) // output rows per work item
	items := (rows + per - 1) / per
	nw := min(threads(), items)
	if 2*float64(rows*g.W)*float64(c3)*float64(k9) < float64(serialFlops) {
		nw = 1
	}
	fixed, perWorker := correlateScratch(g, cout)
	if len(scratch) < fixed+perWorker {
		bufs := getBuf(fixed + nw*perWorker)
		defer bufPool.Put(bufs)
		scratch = *bufs
	}
	nw = min(nw, (len(scratch)-fixed)/perWorker)
	cr := newCorr3(scratch[:k9*c3], scratch[k9*c3:fixed], kern, g.C, cout)
	forWorkers(items, nw, func(w, it int, ws *workspace) {
		r0, r1 := it*per, min(rows, (it+1)*per)
		mb := (r1 - r0) * g.W
		buf := scratch[fixed+w*perWorker : fixed+(w+1)*perWorker]
		r, q, tmp := buf[:mb*k9], buf[mb*k9:mb*(k9+c3)], buf[mb*(k9+c3):mb*(k9+2*c3)]
		g.rowNonupleParts(r, parts, r0, r1)
		cr.product(ws, q, r, tmp, mb)
		g.addShifted(dst, q, r0, r1, cout)
	})
}

// forWorkers runs body(w, item, ws) for item in [0, items) on nw goroutines
// (the caller is worker nw−1), w being the worker's index, handing out items
// through an atomic counter.
func forWorkers(items, nw int, body func(w, item int, ws *workspace)) {
	var next atomic.Int64
	worker := func(w int) {
		ws := getWS()
		defer wsPool.Put(ws)
		for {
			it := int(next.Add(1) - 1)
			if it >= items {
				return
			}
			body(w, it, ws)
		}
	}
	var wg sync.WaitGroup
	wg.Add(nw - 1)
	for w := range nw - 1 {
		go func() {
			defer wg.Done()
			worker(w)
		}()
	}
	worker(nw - 1)
	wg.Wait()
}

// RowNonuple writes into r [(r1−r0)·W, 9·C] the row nonuple of output rows
// r0…r1−1: r[(r, x′)][(kz,ky,c)] = src[b, z+kz−s, y+ky−s, x′, c] (0
// outside the source). It is the left operand of Correlate3x3x3's product
// and, transposed, of the folded weight gradient.
func (g Geom3D) RowNonuple(r, src []float32, r0, r1 int) {
	g.rowNonupleParts(r, []Part3D{{Data: src, C: g.C}}, r0, r1)
}

// rowNonupleParts is RowNonuple of the source made of parts (see
// Correlate3x3x3Parts).
func (g Geom3D) rowNonupleParts(r []float32, parts []Part3D, r0, r1 int) {
	k9 := 9 * g.C
	for row := r0; row < r1; row++ {
		b, z, y := row/(g.OD*g.OH), row/g.OH%g.OD, row%g.OH
		dst := r[(row-r0)*g.W*k9 : (row-r0+1)*g.W*k9]
		for kzy := range 9 {
			zz, yy := z+kzy/3-g.Shift, y+kzy%3-g.Shift
			if zz < 0 || zz >= g.D || yy < 0 || yy >= g.H {
				for x := range g.W {
					clear(dst[x*k9+kzy*g.C : x*k9+(kzy+1)*g.C])
				}
				continue
			}
			pix, ch := ((b*g.D+zz)*g.H+yy)*g.W, kzy*g.C
			for _, p := range parts {
				copyStrided(dst[ch:], p.Data[pix*p.C:(pix+g.W)*p.C], g.W, p.C, k9, p.C)
				ch += p.C
			}
		}
	}
}

// addShifted writes dst[x] = Σ_kx Q[x+kx−s][kx·cout : (kx+1)·cout] for the
// output rows r0…r1−1, from q [(r1−r0)·W, 3·cout]: ((Q₀ + Q₁) + Q₂) where
// all three taps lie in the source row (strided vector copies and adds),
// the terms inside the row added to 0 in kx order at the ends.
func (g Geom3D) addShifted(dst, q []float32, r0, r1, cout int) {
	c3 := 3 * cout
	// Output columns [lo, hi) have their three taps x−s, x−s+1, x−s+2 inside.
	lo, hi := min(g.OW, g.Shift), max(0, min(g.OW, g.W-2+g.Shift))
	for r := r0; r < r1; r++ {
		qr := q[(r-r0)*g.W*c3 : (r-r0+1)*g.W*c3]
		orow := dst[r*g.OW*cout : (r+1)*g.OW*cout]
		if hi > lo {
			x0 := lo - g.Shift
			copyStrided(orow[lo*cout:], qr[x0*c3:], hi-lo, cout, cout, c3)
			addStrided(orow[lo*cout:], qr[(x0+1)*c3+cout:], hi-lo, cout, cout, c3)
			addStrided(orow[lo*cout:], qr[(x0+2)*c3+2*cout:], hi-lo, cout, cout, c3)
		}
		for x := range g.OW {
			if x >= lo && x < hi {
				continue
			}
			o := orow[x*cout : (x+1)*cout]
			clear(o)
			for kx := range 3 {
				if xs := x - g.Shift + kx; xs >= 0 && xs < g.W {
					for i, v := range qr[xs*c3+kx*cout : xs*c3+(kx+1)*cout] {
						o[i] += v
					}
				}
			}
		}
	}
}
