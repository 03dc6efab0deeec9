package gemm

// Conv3x3 without a patch matrix: the row-triple layout.
//
// For each output image row y, a work item builds R[x'][ky][c] =
// src[y+ky-1][x'-1][c] for the padded columns x' = 0..w+1 (zero outside the
// image): three copies of the input instead of the patch matrix's nine, in
// runs of cin floats. The 9·cin patch values of output pixel (y, x), ordered
// (kx, ky, c), are then the contiguous floats of R starting at pixel x' = x,
// so the patch matrix is a strided view of R (row stride 3·cin, column
// stride 1) that the micro-kernels read in place; the weights are permuted
// to the same (kx, ky, c) order once per call. Rows of R follow each other,
// so an item of several image rows is one product over "virtual pixels"
// v = (y-y0)·(w+2) + x; the two virtual pixels per row at x = w, w+1 are
// computed and dropped (2/(w+2) of the work), the others are copied to dst.
// Each output is one FMA chain over k in (kx, ky, c) order whatever the
// threads.

// convRowTripleMinW and wgradRowTripleMinW are the narrowest images for
// which Conv3x3 and ConvWeightGrad3x3 use the row-triple layout; narrower
// images, where the dropped columns cost more than the patch copy saves,
// expand patch rows. Measured on the U-Net shapes (whole benchmark process,
// CPU time, new/old): Conv3x3 0.95 at w = 64, 0.98 at 32, 1.07 at 16;
// ConvWeightGrad3x3 0.94, 0.98 and 0.88 (it also skips packing A).
// Variables so that tests can force both paths.
var (
	convRowTripleMinW  = 32
	wgradRowTripleMinW = 16
)

// permuteKxKy returns the HWIO weights wt [3,3,cin,cout] with their rows in
// (kx, ky, c) order, in buf.
func permuteKxKy(buf, wt []float32, cin, cout int) []float32 {
	rc := cin * cout
	for ky := 0; ky < 3; ky++ {
		for kx := 0; kx < 3; kx++ {
			copy(buf[(kx*3+ky)*rc:(kx*3+ky+1)*rc], wt[(ky*3+kx)*rc:(ky*3+kx+1)*rc])
		}
	}
	return buf[:9*rc]
}

// rowTriple writes R for image rows y0..y1-1 of image b into r (see above):
// rowTripleParts (conv_parts.go) of src as the one part.
func rowTriple(r, src []float32, b, y0, y1, h, w, c int) {
	rowTripleParts(r, []ConvPart{{Data: src, C: c}}, b, y0, y1, h, w, c)
}

// conv3x3RowTriple is Conv3x3 through the row-triple layout on up to nw
// goroutines (conv3x3RowTripleFill with the rows of src): each work item is
// a few rows of one image; its valid pixels are copied to dst and post (if
// not nil) runs on them.
func conv3x3RowTriple(dst, src, wt []float32, n, h, w, cin, cout, nw int, post func([]float32)) {
	fill := func(r []float32, b, y0, y1 int) { rowTriple(r, src, b, y0, y1, h, w, cin) }
	conv3x3RowTripleFill(dst, wt, n, h, w, cin, cout, nw, fill, nil, post)
}

// conv3x3RowTripleFill runs a 3×3 convolution through the row-triple
// layout on up to nw goroutines. Each work item is a few rows of one image:
// fill writes their row-triple rows (image b, rows y0..y1-1), the product
// runs into a scratch C (blocks of at most mcMax virtual pixels), epi writes
// the valid pixels of each image row to dst from the scratch rows (a plain
// copy when nil), and post (if not nil) runs on the item's rows of dst.
func conv3x3RowTripleFill(dst, wt []float32, n, h, w, cin, cout, nw int, fill func(r []float32, b, y0, y1 int), epi func(out, in []float32), post func([]float32)) {
	wp, k := w+2, 9*cin
	np := (cout + nr - 1) / nr
	bufs := getBuf(np*nr*k + k*cout)
	pb := (*bufs)[:np*nr*k]
	base := plan{n: cout, k: k, alpha: 1, b: permuteKxKy((*bufs)[np*nr*k:], wt, cin, cout), ldb: cout, lda: 3 * cin, ldc: cout}
	for q := 0; q < np; q++ {
		base.packBPanel(pb, 0, cout, q)
	}
	per := min(h, max(1, (2*mcMax+wp-1)/wp)) // image rows per item
	if nw > 1 {
		per = min(per, max(1, n*h/(4*nw)))
	}
	chunks := (h + per - 1) / per
	parallelFor(n*chunks, nw, func(it int, ws *workspace) {
		b, y0 := it/chunks, it%chunks*per
		y1 := min(h, y0+per)
		m := (y1-y0)*wp - 2 // virtual pixels from (y0, 0) to (y1-1, w-1)
		rn, cn := (y1-y0)*wp*3*cin, m*cout
		if cap(ws.col) < rn+cn {
			ws.col = make([]float32, rn+cn)
		}
		r, cv := ws.col[:rn], ws.col[rn:rn+cn]
		fill(r, b, y0, y1)
		p := base
		p.m, p.a, p.c = m, r, cv
		for i0 := 0; i0 < m; i0 += mcMax {
			p.computeItem(ws, pb, 0, cout, i0, min(m, i0+mcMax), 0, np)
		}
		for y := y0; y < y1; y++ {
			out, in := dst[(b*h+y)*w*cout:(b*h+y+1)*w*cout], cv[(y-y0)*wp*cout:(y-y0)*wp*cout+w*cout]
			if epi == nil {
				copy(out, in)
			} else {
				epi(out, in)
			}
		}
		if post != nil {
			post(dst[(b*h+y0)*w*cout : (b*h+y1)*w*cout])
		}
	})
	bufPool.Put(bufs)
}

// wgradRowTriple accumulates into acc [9·cin, cout], rows in (kx, ky, c)
// order, the weight gradient of image rows [r0, r1) of the batch (rows
// counted over n·h) through the row-triple layout: blocks of at most per
// rows of one image, each acc += Rᵀ·gv where R is the block's row triple
// (read in place: row stride 3·cin, no patch matrix, no packing) and gv the
// block's output gradient on the virtual pixels, zero on the two dropped
// ones per row (they contribute exact zeros).
func wgradRowTriple(acc, src, g []float32, ws *workspace, r0, r1, h, w, cin, cout, per int) {
	wp, k := w+2, 9*cin
	for c0 := r0; c0 < r1; {
		b, y0 := c0/h, c0%h
		y1 := min(h, y0+per, y0+r1-c0)
		m := (y1-y0)*wp - 2
		rn, gn := (y1-y0)*wp*3*cin, m*cout
		if cap(ws.col) < rn+gn {
			ws.col = make([]float32, rn+gn)
		}
		r, gv := ws.col[:rn], ws.col[rn:rn+gn]
		rowTriple(r, src, b, y0, y1, h, w, cin)
		for y := y0; y < y1; y++ {
			d := gv[(y-y0)*wp*cout:]
			copy(d[:w*cout], g[(b*h+y)*w*cout:(b*h+y+1)*w*cout])
			if y < y1-1 {
				clear(d[w*cout : wp*cout])
			}
		}
		p := plan{transA: true, m: k, n: cout, k: m, alpha: 1, beta: 1,
			a: r, lda: 3 * cin, b: gv, ldb: cout, c: acc, ldc: cout}
		p.run(1)
		c0 += y1 - y0
	}
}
