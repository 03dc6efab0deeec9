package gemm

import "fmt"

func checkConvArgs(fn string, dstLen, srcLen, n, h, w, c, dstNeed, srcNeed int) {
	if n < 0 || h < 0 || w < 0 || c < 0 {
		panic(fmt.Sprintf("gemm: %s: negative dimension n=%d h=%d w=%d c=%d", fn, n, h, w, c))
	}
	if dstLen < dstNeed || srcLen < srcNeed {
		panic(fmt.Sprintf("gemm: %s: len(dst)=%d (need %d), len(src)=%d (need %d) for n=%d h=%d w=%d c=%d",
			fn, dstLen, dstNeed, srcLen, srcNeed, n, h, w, c))
	}
}

// rowChunks returns how many image rows each parallel item covers so that an
// item moves at least ~64 KiB.
func rowChunks(rows, rowFloats int) int {
	per := max(1, (1<<14)/max(1, rowFloats))
	return min(per, rows)
}

// Im2Col3x3 expands the channels-last image batch src [n, h, w, c] into the
// patch matrix dst [n·h·w, 9·c] of a 3×3 convolution with stride 1 and
// zero padding 1:
//
//	dst[(b·h + y)·w + x][(ky·3 + kx)·c + ch] = src[b][y+ky-1][x+kx-1][ch]
//
// (zero outside the image). The column order (ky, kx, ch) matches HWIO
// weights [3, 3, c, cout] flattened to [9·c, cout]. Rows of the output are
// spread over goroutines. It panics if a dimension is negative or a slice is
// too short.
func Im2Col3x3(dst, src []float32, n, h, w, c int) {
	checkConvArgs("Im2Col3x3", len(dst), len(src), n, h, w, c, n*h*w*9*c, n*h*w*c)
	rows := n * h
	if rows == 0 || w == 0 || c == 0 {
		return
	}
	per := rowChunks(rows, w*9*c)
	items := (rows + per - 1) / per
	nw := threads()
	if n*h*w*9*c < 1<<15 {
		nw = 1
	}
	parallelFor(items, nw, func(it int, _ *workspace) {
		for r := it * per; r < min(rows, (it+1)*per); r++ {
			im2colRow(dst[r*w*9*c:], src, r/h, r%h, h, w, c)
		}
	})
}

// im2colRow writes the w patch rows of image row y of image b.
//
// dst starts at the row's first patch row.
func im2colRow(dst, src []float32, b, y, h, w, c int) {
	c3, c9 := 3*c, 9*c
	for ky := 0; ky < 3; ky++ {
		yy := y + ky - 1
		if yy < 0 || yy >= h {
			for x := 0; x < w; x++ {
				clear(dst[x*c9+ky*c3 : x*c9+ky*c3+c3])
			}
			continue
		}
		srow := src[(b*h+yy)*w*c : (b*h+yy+1)*w*c]
		// Interior pixels x = 1..w-2 take 3c contiguous source values each.
		if w > 2 {
			copyStrided(dst[c9+ky*c3:], srow, w-2, c3, c9, c)
		}
		for e := 0; e < min(w, 2); e++ { // border pixels x = 0 and x = w-1
			x := e * (w - 1)
			d := dst[x*c9+ky*c3 : x*c9+ky*c3+c3]
			for kx := 0; kx < 3; kx++ {
				xx := x + kx - 1
				if xx < 0 || xx >= w {
					clear(d[kx*c : kx*c+c])
				} else {
					copy(d[kx*c:kx*c+c], srow[xx*c:xx*c+c])
				}
			}
		}
	}
}

// Col2Im3x3 is the adjoint of Im2Col3x3: it sums the patch-matrix gradient
// col [n·h·w, 9·c] back onto the image gradient dst [n, h, w, c]:
//
//	dst[b][y][x][ch] = Σ_{ky,kx} col[(b·h + y-ky+1)·w + x-kx+1][(ky·3 + kx)·c + ch]
//
// over the (y-ky+1, x-kx+1) inside the image. dst is overwritten, not
// accumulated into. Each output row is gathered by one goroutine, so there
// are no write conflicts. It panics if a dimension is negative or a slice is
// too short.
func Col2Im3x3(dst, col []float32, n, h, w, c int) {
	checkConvArgs("Col2Im3x3", len(dst), len(col), n, h, w, c, n*h*w*c, n*h*w*9*c)
	rows := n * h
	if rows == 0 || w == 0 || c == 0 {
		return
	}
	per := rowChunks(rows, w*9*c)
	items := (rows + per - 1) / per
	nw := threads()
	if n*h*w*9*c < 1<<15 {
		nw = 1
	}
	parallelFor(items, nw, func(it int, _ *workspace) {
		for r := it * per; r < min(rows, (it+1)*per); r++ {
			col2imRow(dst, col, r/h, r%h, h, w, c)
		}
	})
}

// col2imRow gathers image row y of image b.
func col2imRow(dst, col []float32, b, y, h, w, c int) {
	c9 := 9 * c
	d := dst[(b*h+y)*w*c : (b*h+y+1)*w*c]
	clear(d)
	for ky := 0; ky < 3; ky++ {
		ys := y - ky + 1 // source patch row
		if ys < 0 || ys >= h {
			continue
		}
		srcBase := (b*h + ys) * w * c9
		for kx := 0; kx < 3; kx++ {
			// Output x takes patch x-kx+1 for x in [x0, x1).
			x0, x1 := max(0, kx-1), min(w, w+kx-1)
			if x0 >= x1 {
				continue
			}
			off := srcBase + (x0-kx+1)*c9 + (ky*3+kx)*c
			addStrided(d[x0*c:], col[off:], x1-x0, c, c, c9)
		}
	}
}

// addStrided adds rows×cols blocks: dst[r*ds+j] += src[r*ss+j].
func addStrided(dst, src []float32, rows, cols, ds, ss int) {
	if rows == 0 || cols == 0 {
		return
	}
	_ = dst[(rows-1)*ds+cols-1]
	_ = src[(rows-1)*ss+cols-1]
	addStridedImpl(dst, src, rows, cols, ds, ss)
}

// copyStrided copies rows×cols blocks: dst[r*ds+j] = src[r*ss+j].
func copyStrided(dst, src []float32, rows, cols, ds, ss int) {
	if rows == 0 || cols == 0 {
		return
	}
	_ = dst[(rows-1)*ds+cols-1]
	_ = src[(rows-1)*ss+cols-1]
	copyStridedImpl(dst, src, rows, cols, ds, ss)
}

func copyStridedGo(dst, src []float32, rows, cols, ds, ss int) {
	for r := 0; r < rows; r++ {
		copy(dst[r*ds:r*ds+cols], src[r*ss:r*ss+cols])
	}
}

func addStridedGo(dst, src []float32, rows, cols, ds, ss int) {
	for r := 0; r < rows; r++ {
		d := dst[r*ds : r*ds+cols]
		s := src[r*ss : r*ss+cols]
		for j, v := range s {
			d[j] += v
		}
	}
}

// addStridedImpl and copyStridedImpl are the Go versions or, on amd64 with
// AVX2, the assembly ones. Callers (addStrided, copyStrided) have checked the
// bounds.
var (
	addStridedImpl  = addStridedGo
	copyStridedImpl = copyStridedGo
)
