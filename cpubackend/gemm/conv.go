package gemm

// Conv3x3 computes a 3×3, stride-1, pad-1 convolution of the channels-last
// batch src [n, h, w, cin] with HWIO weights wt [3, 3, cin, cout] into
// dst [n, h, w, cout] (overwritten):
//
//	dst[b][y][x][o] = Σ_{ky,kx,i} src[b][y+ky-1][x+kx-1][i] · wt[ky][kx][i][o]
//
// It equals Im2Col3x3 followed by Sgemm(false, false, n·h·w, cout, 9·cin, 1,
// col, 9·cin, wt, cout, 0, dst, cout) but never materialises the whole patch
// matrix: each goroutine expands a few image rows into an L2-sized buffer and
// multiplies it by the weights, packed once for the call. It panics if a
// dimension is negative or a slice is too short.
func Conv3x3(dst, src, wt []float32, n, h, w, cin, cout int) {
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
		return
	}
	nw := threads()
	if 2*float64(n*h*w)*float64(cout)*float64(k) < float64(serialFlops) {
		nw = 1
	}
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
			b, y := r/h, r%h
			im2colRow(col[(r-r0)*w*k:], src, b, y, h, w, cin)
		}
		p := base
		p.m = m
		p.a = col
		p.c = dst[r0*w*cout:]
		for i0 := 0; i0 < m; i0 += mcMax {
			p.computeItem(ws, pb, 0, cout, i0, min(m, i0+mcMax), 0, np)
		}
	})
	bufPool.Put(bp)
}
