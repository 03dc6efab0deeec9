package gemm

import "unsafe"

// Weight gradient of a 3×3 convolution on small maps (the deep U-Net levels,
// e.g. 8×8 and 4×4 at batch 10) as one tile-major product.
//
// convWeightGradShared expands a block of image rows, then runs a threaded
// Sgemm that reads and writes the whole [9·cin, cout] result once per block:
// with thin blocks (64–112 pixels) and a result of 0.6–1.2 MB, that traffic,
// the per-block packing and two synchronisations per block held these shapes
// to about 80 GFLOP/s, a quarter of it in the strided repacking of each
// block's patches. smallWeightGrad packs the output gradient once and gives
// each work item a fixed band of result rows that it carries through every
// block while it stays in cache; the item expands its band of patches, block
// by block, straight into the packed layout the micro-kernels read. It calls the
// same micro-kernels on the same reduction segments with the same alpha and
// beta as convWeightGradShared, so every element is summed in the same order:
// the bits are identical, and independent of the thread count.

// smallWGradRows is the band of result rows per work item (a multiple of
// 2·mr, at most mcMax): a 96×cout band of C stays in L1/L2 across blocks.
const smallWGradRows = 96

// smallWGradMaxKc bounds a reduction segment (kcMax, unless a test lowered
// it) for packPatchSlivers' table of source offsets.
const smallWGradMaxKc = 256

// smallWGradMaxB bounds the packed output gradient (floats) smallWeightGrad
// holds at once: 4 MiB (the maps it is meant for take 82–164 KiB).
const smallWGradMaxB = 1 << 20

// smallWeightGradFits reports whether smallWeightGrad handles the shape
// (pix pixels, cout output channels).
func smallWeightGradFits(pix, cout int, transposed bool) bool {
	return !transposed && kcMax <= smallWGradMaxKc && pix*roundUp(cout, nr) <= smallWGradMaxB
}

// smallWeightGrad is convWeightGradShared (not transposed) for a small
// output gradient (smallWeightGradFits): dst [9·cin, cout] = colᵀ·g,
// reduced in blocks of per image rows. Each work item expands its band of
// the patch matrix, segment by segment, straight into the packed layout the
// micro-kernels read (packPatchSlivers), so neither the patch matrix nor the
// strided repacking of each block (a quarter of the old path's time) is
// needed, and the packed block is still in L1 when the kernels read it.
func smallWeightGrad(dst, src, g []float32, n, h, w, cin, cout, per, nw int) {
	k, rows := 9*cin, n*h
	pix := rows * w
	segs := smallWGradSegments(rows, w, per)
	p := plan{transA: true, m: k, n: cout, k: pix, alpha: 1, beta: 0,
		b: g, ldb: cout, c: dst, ldc: cout}
	np := (cout + nr - 1) / nr
	bp := getBuf(np * nr * pix)
	pb := *bp
	for q := range np {
		p.packBPanel(pb, 0, cout, q)
	}
	items := (k + smallWGradRows - 1) / smallWGradRows
	parallelFor(items, nw, func(it int, ws *workspace) {
		i0 := it * smallWGradRows
		i1 := min(k, i0+smallWGradRows)
		if len(ws.pa) < roundUp(mcMax, mr)*kcMax {
			ws.pa = make([]float32, roundUp(mcMax, mr)*kcMax)
		}
		t := tileJob{ws: ws, pb: pb, j0: 0, nb: cout, i0: i0, i1: i1, packA: true}
		for _, s := range segs {
			packPatchSlivers(ws.pa, src, s, i0/mr, (i1+mr-1)/mr, h, w, cin)
			t.p0, t.kcur, t.beta = s.p0, s.kc, s.beta
			p.computePanels(&t, np)
		}
	})
	bufPool.Put(bp)
}

// packPatchSlivers writes slivers [v0, v1) of segment s of the packed patch
// matrix into blk: sliver v (patch-matrix columns 6v..6v+5, i.e. (ky, kx,
// c) indices, zero past 9·cin) holds, for each pixel pp of the segment, the
// 6 values at blk[((v−v0)·kc + pp)·6 ...] (the layout packA gives).
func packPatchSlivers(blk, src []float32, s wgradSegment, v0, v1, h, w, cin int) {
	var offs [9 * smallWGradMaxKc]int32 // source offset of each (tap, pixel), −1 outside
	for pp := range s.kc {
		px := s.p0 + pp
		b, y, x := px/(h*w), (px/w)%h, px%w
		for tap := range 9 {
			sy, sx := y+tap/3-1, x+tap%3-1
			o := int32(-1)
			if sy >= 0 && sy < h && sx >= 0 && sx < w {
				o = int32(((b*h+sy)*w + sx) * cin)
			}
			offs[tap*smallWGradMaxKc+pp] = o
		}
	}
	k := 9 * cin
	for v := v0; v < v1; v++ {
		d := blk[(v-v0)*s.kc*mr : (v-v0+1)*s.kc*mr]
		kk := v * mr
		if tap, c := kk/cin, kk%cin; kk+mr <= k && c+mr <= cin {
			to := offs[tap*smallWGradMaxKc : tap*smallWGradMaxKc+s.kc]
			_ = d[len(to)*mr-1]
			for pp, o := range to {
				dp := (*[mr / 2]uint64)(unsafe.Pointer(&d[pp*mr]))
				if o < 0 {
					dp[0], dp[1], dp[2] = 0, 0, 0
					continue
				}
				sp := (*[mr / 2]uint64)(unsafe.Pointer(&src[int(o)+c+mr-1])) // bounds-checked at the sliver's end
				sp = (*[mr / 2]uint64)(unsafe.Add(unsafe.Pointer(sp), -4*(mr-1)))
				dp[0], dp[1], dp[2] = sp[0], sp[1], sp[2]
			}
			continue
		}
		for r := range mr {
			kr := kk + r
			for pp := range s.kc {
				var val float32
				if kr < k {
					if o := offs[(kr/cin)*smallWGradMaxKc+pp]; o >= 0 {
						val = src[int(o)+kr%cin]
					}
				}
				d[pp*mr+r] = val
			}
		}
	}
}

// wgradSegment is one reduction segment [p0, p0+kc) of pixels with the beta
// its product is accumulated with.
type wgradSegment struct {
	p0, kc int
	beta   float32
}

// smallWGradSegments lists the reduction segments convWeightGradShared
// uses: blocks of per image rows (the first with beta 0, the others 1), each
// cut by computeItem into kBlock pieces (beta 1 after the first piece).
func smallWGradSegments(rows, w, per int) []wgradSegment {
	var segs []wgradSegment
	for c0 := 0; c0 < rows; c0 += per {
		m := (min(rows, c0+per) - c0) * w
		kc := kBlock(m)
		for p0 := 0; p0 < m; p0 += kc {
			beta := float32(1)
			if c0 == 0 && p0 == 0 {
				beta = 0
			}
			segs = append(segs, wgradSegment{p0: c0*w + p0, kc: min(kc, m-p0), beta: beta})
		}
	}
	return segs
}

// computePanels is computeItem's sweep over all np panels of the single
// column block for the current k block of t (A packed).
func (p *plan) computePanels(t *tileJob, np int) {
	for q := 0; q < np; {
		if kern12x32 != nil && q+1 < np && p.nb16(t.nb, q+1) {
			i := p.pairRows(t, q)
			p.panelRows(t, q, i)
			p.panelRows(t, q+1, i)
			q += 2
			continue
		}
		p.panelRows(t, q, t.i0)
		q++
	}
}
