package gemm

import "fmt"

// Conv3x3 of a channel concatenation read from its parts.
//
// A U-Net decoder's first convolution reads the skip connection's channel
// Concatenate [skip, up]. Conv3x3PartsPost builds its row-triple rows (or, for
// narrow images, its patch rows) from the parts directly, channel block by
// channel block, so the concatenated tensor is never written. The layout
// built, and so the product's reduction order, is exactly that of Conv3x3Post
// on the concatenated source: the results are bit-identical.

// ConvPart is a block of C channels of a convolution's source [n, h, w, cin].
type ConvPart struct {
	// Data holds the block [n, h, w, C]; with Up, the block before a 2×
	// depth-to-space instead, [n, h/2, w/2, 4·C] in (dy, dx, c) order:
	// channel c of pixel (y, x) is Data[b][y/2][x/2][((y%2)·2 + x%2)·C + c].
	Data []float32
	C    int
	// Up reads Data through the depth-to-space (h and w even).
	Up bool
	// Bias, with Up, is added to every value of Data (float32(v + Bias[i])
	// with i the index on Data's last axis, 4·C values) as it is read, as
	// an element-wise Add before the depth-to-space would.
	Bias []float32
}

// Conv3x3PartsPost is Conv3x3Post of the source [n, h, w, cin] whose channels
// are those of parts side by side (their C adding up to cin); wt are the
// HWIO weights [3, 3, cin, cout]. It is bit-identical to Conv3x3Post of the
// concatenated source (an Up part: of the depth-to-space of Data + Bias). It
// panics if a dimension is negative or a slice is too short.
func Conv3x3PartsPost(dst []float32, parts []ConvPart, wt []float32, n, h, w, cout int, post func(out []float32)) {
	epi := func(out, in []float32) {
		if &out[0] != &in[0] {
			copy(out, in)
		}
		if post != nil {
			post(out)
		}
	}
	Conv3x3PartsEpilogue(dst, parts, wt, n, h, w, cout, epi)
}

// Conv3x3PartsEpilogue is Conv3x3PartsPost with an epilogue that writes the
// output pixels itself: epi(out, in) must set out (consecutive whole pixels
// of dst) from in, the same pixels' convolution, which is either a scratch
// row still in cache or out itself (in place); calls may run concurrently
// on disjoint pixels, and every pixel is passed exactly once. An epilogue
// that reads its input once and writes its output once saves the copy from
// the scratch rows.
func Conv3x3PartsEpilogue(dst []float32, parts []ConvPart, wt []float32, n, h, w, cout int, epi func(out, in []float32)) {
	cin := checkParts("Conv3x3PartsPost", dst, parts, wt, n, h, w, cout)
	rows := n * h
	if rows == 0 || w == 0 || cout == 0 {
		return
	}
	k := 9 * cin
	if k == 0 {
		clear(dst[:n*h*w*cout])
		epi(dst[:n*h*w*cout], dst[:n*h*w*cout])
		return
	}
	nw := threads()
	if 2*float64(n*h*w)*float64(cout)*float64(k) < float64(serialFlops) {
		nw = 1
	}
	if w >= convRowTripleMinW {
		fill := func(r []float32, b, y0, y1 int) { rowTripleParts(r, parts, b, y0, y1, h, w, cin) }
		conv3x3RowTripleFill(dst, wt, n, h, w, cin, cout, nw, fill, epi, nil)
		return
	}
	fill := func(col []float32, b, y int) { im2colRowParts(col, parts, b, y, h, w, cin) }
	conv3x3PatchRows(dst, wt, n, h, w, cin, cout, nw, fill, func(out []float32) { epi(out, out) })
}

// checkParts returns the channel count of parts after checking the
// arguments of a parts convolution (it panics, naming fn, if a dimension is
// negative or a slice is too short).
func checkParts(fn string, dst []float32, parts []ConvPart, wt []float32, n, h, w, cout int) int {
	cin := 0
	bad := n < 0 || h < 0 || w < 0 || cout < 0 || len(dst) < n*h*w*cout
	for _, p := range parts {
		bad = bad || p.C < 0 || len(p.Data) < n*h*w*p.C || (p.Up && (h%2 != 0 || w%2 != 0)) || (p.Bias != nil && len(p.Bias) < 4*p.C)
		cin += p.C
	}
	if bad || len(wt) < 9*cin*cout {
		panic(fmt.Sprintf("gemm: %s: bad geometry n=%d h=%d w=%d cin=%d cout=%d or short slice (dst %d, wt %d)",
			fn, n, h, w, cin, cout, len(dst), len(wt)))
	}
	return cin
}

// Conv3x3PartsWinograd is Conv3x3Winograd of the concatenation of parts
// (Conv3x3PartsPost's arguments): the input transform reads each image row
// of the source built from the parts (once per work item's run of tile
// rows, in cache), the values Conv3x3PartsPost reads, so the result is
// bit-identical to Conv3x3Winograd of the concatenated source (an Up part:
// of the depth-to-space of Data + Bias), whatever the thread count. Odd
// sizes fall back to Conv3x3PartsPost, as Conv3x3Winograd falls back to
// Conv3x3Post. It panics if a dimension is negative or a slice is too
// short.
func Conv3x3PartsWinograd(dst []float32, parts []ConvPart, wt []float32, n, h, w, cout int, post func(out []float32)) {
	cin := checkParts("Conv3x3PartsWinograd", dst, parts, wt, n, h, w, cout)
	if h%2 != 0 || w%2 != 0 || n*h*w == 0 || cin == 0 || cout == 0 {
		Conv3x3PartsPost(dst, parts, wt, n, h, w, cout, post)
		return
	}
	c := winoConv{dst: dst, parts: parts, n: n, h: h, w: w, cin: cin, cout: cout, post: post}
	c.exec(wt)
}

// rowTripleParts writes the row triple R (conv_implicit.go) of image rows
// y0..y1-1 of image b of the concatenation of parts (cin channels in all)
// into r; rowTriple is its one-part case.
func rowTripleParts(r []float32, parts []ConvPart, b, y0, y1, h, w, cin int) {
	wp, c3 := w+2, 3*cin
	for y := y0; y < y1; y++ {
		row := r[(y-y0)*wp*c3 : (y-y0+1)*wp*c3]
		for ky := 0; ky < 3; ky++ {
			yy := y + ky - 1
			clear(row[ky*cin : ky*cin+cin])
			clear(row[(wp-1)*c3+ky*cin : (wp-1)*c3+ky*cin+cin])
			if yy < 0 || yy >= h {
				for x := 1; x <= w; x++ {
					clear(row[x*c3+ky*cin : x*c3+ky*cin+cin])
				}
				continue
			}
			off := 0
			for _, p := range parts {
				if p.C > 0 {
					p.copyRow(row[c3+ky*cin+off:], b, yy, h, w, 0, w, c3)
				}
				off += p.C
			}
		}
	}
}

// copyRow copies the pixels x0..x1-1 of source row yy of image b of the part
// (C values each) to dst, pixel x0 at dst[0] and one every ds floats.
func (p ConvPart) copyRow(dst []float32, b, yy, h, w, x0, x1, ds int) {
	c := p.C
	if !p.Up {
		copyStrided(dst, p.Data[((b*h+yy)*w+x0)*c:], x1-x0, c, ds, c)
		return
	}
	srow := p.Data[(b*(h/2)+yy/2)*(w/2)*4*c:]
	for px := 0; px < 2; px++ {
		xs := x0 + (px-x0%2+2)%2 // the first pixel ≥ x0 of parity px
		if xs >= x1 {
			continue
		}
		cnt, blk := (x1-xs+1)/2, ((yy%2)*2+px)*c
		d := dst[(xs-x0)*ds:]
		copyStrided(d, srow[(xs/2)*4*c+blk:], cnt, c, 2*ds, 4*c)
		if p.Bias != nil {
			addStrided(d, p.Bias[blk:], cnt, c, 2*ds, 0)
		}
	}
}

// im2colRowParts is im2colRow (im2col.go) of the concatenation of parts
// (cin channels in all): the w patch rows, (ky, kx, c) ordered, of image row
// y of image b.
func im2colRowParts(dst []float32, parts []ConvPart, b, y, h, w, cin int) {
	c3, c9 := 3*cin, 9*cin
	for ky := 0; ky < 3; ky++ {
		yy := y + ky - 1
		for kx := 0; kx < 3; kx++ {
			// Output pixel x reads source pixel x+kx-1: x in [x0, x1).
			x0, x1 := max(0, 1-kx), min(w, w+1-kx)
			if yy < 0 || yy >= h {
				x0, x1 = 0, 0
			}
			col := ky*c3 + kx*cin
			for x := 0; x < w; x++ {
				if x < x0 || x >= x1 {
					clear(dst[x*c9+col : x*c9+col+cin])
				}
			}
			if x0 >= x1 {
				continue
			}
			off := 0
			for _, p := range parts {
				if p.C > 0 {
					p.copyRow(dst[x0*c9+col+off:], b, yy, h, w, x0+kx-1, x1+kx-1, c9)
				}
				off += p.C
			}
		}
	}
}
