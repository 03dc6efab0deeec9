package gemm

// Conv3x3 computes a 3×3, stride-1, pad-1 convolution of the channels-last
// batch src [n, h, w, cin] with HWIO weights wt [3, 3, cin, cout] into
// dst [n, h, w, cout] (overwritten):
//
//	dst[b][y][x][o] = Σ_{ky,kx,i} src[b][y+ky-1][x+kx-1][i] · wt[ky][kx][i][o]
//
// It equals Im2Col3x3 followed by Sgemm(false, false, n·h·w, cout, 9·cin, 1,
// col, 9·cin, wt, cout, 0, dst, cout) up to rounding, but never materialises
// the patch matrix: each goroutine builds the row-triple layout of a few
// image rows (w ≥ 32, see doc.go; the sum then runs in (kx, ky, c) order)
// or expands their patch rows into an L2-sized buffer, and multiplies it by
// the weights, packed once for the call. Each output is one FMA chain
// whatever the number of threads. It panics if a dimension is negative or a
// slice is too short.
func Conv3x3(dst, src, wt []float32, n, h, w, cin, cout int) {
	Conv3x3Post(dst, src, wt, n, h, w, cin, cout, nil)
}

// Conv3x3Post is Conv3x3 followed by an epilogue: when post is not nil, it
// is called, on the goroutine that computed them and while they are still in
// cache, on consecutive whole output pixels of dst (a slice of a multiple of
// cout floats, which post may rewrite in place). Every output pixel is passed
// to post exactly once; calls may run concurrently on disjoint slices.
func Conv3x3Post(dst, src, wt []float32, n, h, w, cin, cout int, post func(out []float32)) {
	checkConvArgs("Conv3x3", len(dst), len(src), n, h, w, cin, n*h*w*cout, n*h*w*cin)
	if cout < 0 || len(wt) < 9*cin*cout {
		panic("gemm: Conv3x3: cout < 0 or len(wt) < 9·cin·cout")
	}
	rows := n * h
	if rows == 0 || w == 0 || cout == 0 {
		return
	}
	k := 9 * cin
	if k == 0 {
		clear(dst[:n*h*w*cout])
		if post != nil {
			post(dst[:n*h*w*cout])
		}
		return
	}
	nw := threads()
	if 2*float64(n*h*w)*float64(cout)*float64(k) < float64(serialFlops) {
		nw = 1
	}
	if w >= convRowTripleMinW {
		conv3x3RowTriple(dst, src, wt, n, h, w, cin, cout, nw, post)
		return
	}
	fill := func(col []float32, b, y int) { im2colRow(col, src, b, y, h, w, cin) }
	conv3x3PatchRows(dst, wt, n, h, w, cin, cout, nw, fill, post)
}

// conv3x3PatchRows runs a 3×3 convolution through patch rows (im2col of
// whole image rows) on up to nw goroutines: each work item is a few image
// rows, whose w patch rows each fill writes (image b, row y), multiplied
// straight into dst; post (if not nil) then runs on the item's rows.
func conv3x3PatchRows(dst, wt []float32, n, h, w, cin, cout, nw int, fill func(col []float32, b, y int), post func([]float32)) {
	rows, k := n*h, 9*cin
	base := plan{m: n * h * w, n: cout, k: k, alpha: 1, beta: 0, b: wt, ldb: cout, lda: k, ldc: cout}
	np := (cout + nr - 1) / nr
	bp := getBuf(np * nr * k)
	pb := *bp
	for q := 0; q < np; q++ {
		base.packBPanel(pb, 0, cout, q)
	}
	// Image rows per item: at least mcMax pixels (so that each B panel
	// brought into L1 serves many tiles), else a patch buffer of ~96 KiB.
	per := max((mcMax+w-1)/w, (24<<10)/(w*k))
	if nw > 1 {
		per = min(per, max(1, rows/(4*nw)))
	}
	items := (rows + per - 1) / per
	parallelFor(items, nw, func(it int, ws *workspace) {
		r0, r1 := it*per, min(rows, (it+1)*per)
		m := (r1 - r0) * w
		if cap(ws.col) < m*k {
			ws.col = make([]float32, m*k)
		}
		col := ws.col[:m*k]
		for r := r0; r < r1; r++ {
			fill(col[(r-r0)*w*k:], r/h, r%h)
		}
		p := base
		p.m = m
		p.a = col
		p.c = dst[r0*w*cout:]
		for i0 := 0; i0 < m; i0 += mcMax {
			p.computeItem(ws, pb, 0, cout, i0, min(m, i0+mcMax), 0, np)
		}
		if post != nil {
			post(dst[r0*w*cout : r1*w*cout])
		}
	})
	bufPool.Put(bp)
}

// ConvWeightGrad3x3 computes the weight gradient of Conv3x3: with col the
// patch matrix of src [n, h, w, cin] (Im2Col3x3, [n·h·w, 9·cin]) and the
// output gradient g [n·h·w, cout],
//
//	dst = colᵀ·g   [9·cin, cout]   (or, when transposed, gᵀ·col [cout, 9·cin])
//
// (overwritten). It never materialises col. The image rows are cut into a
// number of parts that depends only on the shape (wgradParts); each part,
// on whichever goroutine takes it, expands a few rows at a time (at least
// 256 pixels) and accumulates their product into a private [9·cin, cout]
// sum, and the sums are added in part order. The result therefore depends
// only on the inputs, not on the thread count. A gradient too large for
// private sums (one part) is accumulated block after block into dst by a
// threaded Sgemm instead. It panics if a dimension is negative or a slice is
// too short.
func ConvWeightGrad3x3(dst, src, g []float32, n, h, w, cin, cout int, transposed bool) {
	checkConvArgs("ConvWeightGrad3x3", len(dst), len(src), n, h, w, cin, 9*cin*cout, n*h*w*cin)
	if cout < 0 || len(g) < n*h*w*cout {
		panic("gemm: ConvWeightGrad3x3: cout < 0 or len(g) < n·h·w·cout")
	}
	k, rows := 9*cin, n*h
	if k == 0 || cout == 0 {
		return
	}
	if rows == 0 || w == 0 {
		clear(dst[:k*cout])
		return
	}
	nw := threads()
	if 2*float64(n*h*w)*float64(cout)*float64(k) < float64(serialFlops) {
		nw = 1
	}
	per := max(1, (256+w-1)/w) // image rows expanded at a time
	parts := wgradParts(rows, w, k*cout)
	if parts == 1 {
		// One sum, each block's product split over the threads by rows
		// and columns (never split-K, so the bits do not depend on the
		// threads); blocks of at least 64 pixels, L2-sized when larger
		// (~512 KiB of patches).
		per = max((64+w-1)/w, min(per, (128<<10)/(w*k)))
		if smallWeightGradFits(rows*w, cout, transposed) { // small_wgrad.go: same bits
			smallWeightGrad(dst, src, g, n, h, w, cin, cout, per, nw)
			return
		}
		convWeightGradShared(dst, src, g, n, h, w, cin, cout, transposed, per, nw)
		return
	}
	rowTriple := w >= wgradRowTripleMinW
	sums := getBuf(parts * k * cout)
	parallelFor(parts, nw, func(part int, ws *workspace) {
		r0, r1 := part*rows/parts, (part+1)*rows/parts
		acc := (*sums)[part*k*cout : (part+1)*k*cout]
		clear(acc)
		if rowTriple {
			wgradRowTriple(acc, src, g, ws, r0, r1, h, w, cin, cout, per)
			return
		}
		for c0 := r0; c0 < r1; c0 += per {
			c1 := min(r1, c0+per)
			m := (c1 - c0) * w
			if cap(ws.col) < m*k {
				ws.col = make([]float32, m*k)
			}
			col := ws.col[:m*k]
			for r := c0; r < c1; r++ {
				im2colRow(col[(r-c0)*w*k:], src, r/h, r%h, h, w, cin)
			}
			p := plan{transA: true, m: k, n: cout, k: m, alpha: 1, beta: 1,
				a: col, lda: k, b: g[c0*w*cout:], ldb: cout, c: acc, ldc: cout}
			p.run(1)
		}
	})
	permCin := 0
	if rowTriple {
		permCin = cin
	}
	sumParts(dst, *sums, parts, k, cout, transposed, permCin, nw)
	bufPool.Put(sums)
}

// wgradParts returns how many private partial sums ConvWeightGrad3x3 uses
// for rows image rows of w pixels and a [k, cout] gradient of kn elements:
// up to 4, one per ≥ 256 pixels, and only while one sum fits in 512 KiB
// (half of L2; a larger sum is read and written back per block, e.g.
// [2304, 128] measured 1.23× slower than the shared product). It depends
// only on the shape, so the summation order does not depend on the threads.
func wgradParts(rows, w, kn int) int {
	if kn > 1<<17 {
		return 1
	}
	return max(1, min(4, rows, rows*w/256))
}

// convWeightGradShared is ConvWeightGrad3x3 for large gradients: blocks of
// per image rows expanded on nw goroutines, each block's product accumulated
// into dst by a threaded Sgemm (gᵀ·col directly when transposed).
func convWeightGradShared(dst, src, g []float32, n, h, w, cin, cout int, transposed bool, per, nw int) {
	k, rows := 9*cin, n*h
	buf := getBuf(per * w * k)
	col := *buf
	for c0 := 0; c0 < rows; c0 += per {
		c1 := min(rows, c0+per)
		m := (c1 - c0) * w
		parallelFor(c1-c0, nw, func(i int, _ *workspace) {
			r := c0 + i
			im2colRow(col[i*w*k:], src, r/h, r%h, h, w, cin)
		})
		beta := float32(1)
		if c0 == 0 {
			beta = 0
		}
		gb := g[c0*w*cout:]
		var p *plan
		if transposed {
			p = newPlan(true, false, cout, k, m, 1, gb, cout, col, k, beta, dst, k)
		} else {
			p = newPlan(true, false, k, cout, m, 1, col, k, gb, cout, beta, dst, cout)
		}
		p.noSplitK = true // same bits on any number of threads
		p.run(nw)
	}
	bufPool.Put(buf)
}

// sumParts writes into dst the sum, in order, of the np [k, cout] matrices in
// parts, transposed to [cout, k] when transposed. With permCin > 0 the rows
// of parts are in (kx, ky, c) order (the row-triple layout, k = 9·permCin)
// and are written back in (ky, kx, c) order. Rows of the result are spread
// over up to nw goroutines (each element's sum order is fixed).
func sumParts(dst, parts []float32, np, k, cout int, transposed bool, permCin, nw int) {
	kc := k * cout
	if kc*np < 1<<16 {
		nw = 1
	}
	const blk = 16 // rows of the result per item
	parallelFor((k+blk-1)/blk, nw, func(it int, _ *workspace) {
		for i := it * blk; i < min(k, (it+1)*blk); i++ {
			di := i // destination row
			if permCin > 0 {
				kxky, ch := i/permCin, i%permCin
				di = ((kxky%3)*3+kxky/3)*permCin + ch
			}
			row := parts[i*cout : (i+1)*cout]
			if transposed {
				for j := range cout {
					s := row[j]
					for q := 1; q < np; q++ {
						s += parts[q*kc+i*cout+j]
					}
					dst[j*k+di] = s
				}
				continue
			}
			d := dst[di*cout : (di+1)*cout]
			copy(d, row)
			for q := 1; q < np; q++ {
				for j, v := range parts[q*kc+i*cout : q*kc+(i+1)*cout] {
					d[j] += v
				}
			}
		}
	})
}
