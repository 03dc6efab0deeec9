package gemm

// Conv3x3 through Winograd's F(2×2, 3×3) algorithm.
//
// Each 2×2 block of output pixels (a tile) of a 3×3, pad-1 convolution is
// computed from the 4×4 input patch d around it as Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d
// B)]A per input/output channel pair, summed over the input channels; the
// sum over channels of the 16 element-wise products is 16 independent
// products [tiles × cin]·[cin × cout] (V[ξ]·U[ξ], ξ the 16 positions of the
// 4×4 transform). That is 16·cin·cout multiplications per 4 output pixels
// against 36·cin·cout for the direct convolution (2.25× fewer), plus the
// transforms (O(cin + cout) per tile). Work items are runs of tile rows: the
// input transform writes V for the item, the 16 products run on the packed
// transformed weights, and the output transform writes whole image rows of
// dst, then post. The result differs from the direct convolution by float32
// rounding (the transforms add and subtract inputs of different sizes before
// the products): a few ulps of the largest terms, not of each output.
//
// Not used by the backend yet: measured on the U-Net's shapes (batch 10,
// BenchmarkConv3x3Winograd, 2 cores), it is 2.2–8× slower than Conv3x3, and
// a CPU profile puts ≈ 75 % of its time in the scalar Go transforms
// (winogradInputTile, winogradOutput) and ≈ 15 % in the 16 products. Its
// products alone do not yet beat the direct convolution at small cin either
// (k = cin, and V and M are 4× the input and output). Vectorising the
// transforms over channels (AVX-512: 16 channels per register, 16 loads, 32
// adds, 16 stores per tile) is the next step before wiring it into the
// inference convolution (simplego's conv+BatchNorm+ReLU node).

// winogradG is G of F(2×2, 3×3) (4×3).
var winogradG = [4][3]float32{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}

// winogradWeights returns U [16][cin][cout] = G g Gᵀ of the HWIO weights wt
// [3,3,cin,cout] in buf (loops over contiguous output channels).
func winogradWeights(buf, wt []float32, cin, cout int) []float32 {
	u := buf[:16*cin*cout]
	rc := cin * cout
	for i := 0; i < cin; i++ {
		var g [9][]float32 // g[ky*3+kx][o]
		for k := range g {
			g[k] = wt[k*rc+i*cout : k*rc+(i+1)*cout]
		}
		var out [16][]float32
		for xi := range out {
			out[xi] = u[xi*rc+i*cout : xi*rc+(i+1)*cout]
		}
		for o := 0; o < cout; o++ {
			var tmp [4][3]float32 // G·g
			for c := 0; c < 3; c++ {
				g0, g1, g2 := g[c][o], g[3+c][o], g[6+c][o]
				tmp[0][c] = g0
				tmp[1][c] = 0.5 * (g0 + g1 + g2)
				tmp[2][c] = 0.5 * (g0 - g1 + g2)
				tmp[3][c] = g2
			}
			for r := 0; r < 4; r++ { // ·Gᵀ
				t0, t1, t2 := tmp[r][0], tmp[r][1], tmp[r][2]
				out[r*4][o] = t0
				out[r*4+1][o] = 0.5 * (t0 + t1 + t2)
				out[r*4+2][o] = 0.5 * (t0 - t1 + t2)
				out[r*4+3][o] = t2
			}
		}
	}
	return u
}

// Conv3x3Winograd is Conv3x3Post through F(2×2, 3×3) for even h and w (it
// falls back to Conv3x3Post otherwise). See the comment above for its
// rounding: it is not bit-identical to Conv3x3. The result does not depend
// on the number of threads.
func Conv3x3Winograd(dst, src, wt []float32, n, h, w, cin, cout int, post func(out []float32)) {
	checkConvArgs("Conv3x3Winograd", len(dst), len(src), n, h, w, cin, n*h*w*cout, n*h*w*cin)
	if cout < 0 || len(wt) < 9*cin*cout {
		panic("gemm: Conv3x3Winograd: cout < 0 or len(wt) < 9·cin·cout")
	}
	if h%2 != 0 || w%2 != 0 || n*h*w == 0 || cin == 0 || cout == 0 {
		Conv3x3Post(dst, src, wt, n, h, w, cin, cout, post)
		return
	}
	nw := threads()
	if 2*float64(n*h*w)*float64(cout)*float64(4*cin) < float64(serialFlops) {
		nw = 1
	}
	np := (cout + nr - 1) / nr
	panel := np * nr * cin
	bufs := getBuf(16*panel + 16*cin*cout)
	u := winogradWeights((*bufs)[16*panel:], wt, cin, cout)
	base := plan{n: cout, k: cin, alpha: 1, ldb: cout, lda: cin, ldc: cout}
	for xi := 0; xi < 16; xi++ {
		base.b = u[xi*cin*cout:]
		for q := 0; q < np; q++ {
			base.packBPanel((*bufs)[xi*panel:], 0, cout, q)
		}
	}
	tw, rows := w/2, n*h/2 // tiles per tile row, tile rows
	// Tile rows per item: at least mcMax tiles (each packed U[ξ] brought in
	// serves many tiles), more while V and M fit in about 1 MiB.
	per := min(rows, max((mcMax+tw-1)/tw, (256<<10)/(16*tw*(cin+cout))))
	if nw > 1 {
		per = min(per, max(1, rows/(4*nw)))
	}
	items := (rows + per - 1) / per
	parallelFor(items, nw, func(it int, ws *workspace) {
		r0, r1 := it*per, min(rows, (it+1)*per)
		m := (r1 - r0) * tw
		vn, mn := 16*m*cin, 16*m*cout
		if cap(ws.col) < vn+mn {
			ws.col = make([]float32, vn+mn)
		}
		v, mm := ws.col[:vn], ws.col[vn:vn+mn]
		for r := r0; r < r1; r++ {
			winogradInput(v, src, (r-r0)*tw, m, r, h, w, cin)
		}
		p := base
		p.m = m
		for xi := 0; xi < 16; xi++ {
			p.a, p.c = v[xi*m*cin:], mm[xi*m*cout:]
			pb := (*bufs)[xi*panel : (xi+1)*panel]
			for i0 := 0; i0 < m; i0 += mcMax {
				p.computeItem(ws, pb, 0, cout, i0, min(m, i0+mcMax), 0, np)
			}
		}
		out := dst[2*r0*w*cout : 2*r1*w*cout]
		for r := r0; r < r1; r++ {
			winogradOutput(out[2*(r-r0)*w*cout:], mm, (r-r0)*tw, m, tw, w, cout)
		}
		if post != nil {
			post(out)
		}
	})
	bufPool.Put(bufs)
}

// winogradInput writes V[ξ][t0+tx][:] = (Bᵀ d B)[ξ] for the tiles of tile
// row r (image r/(h/2), tile row r%(h/2)), d the zero-padded 4×4 input patch
// of each tile; V has m tiles per ξ. Loops run over contiguous channels.
func winogradInput(v, src []float32, t0, m, r, h, w, cin int) {
	th := h / 2
	b, ty := r/th, r%th
	var rowsIn [4][]float32 // input rows y = 2ty-1 .. 2ty+2, nil outside
	for i := range rowsIn {
		if y := 2*ty - 1 + i; y >= 0 && y < h {
			rowsIn[i] = src[(b*h+y)*w*cin : (b*h+y+1)*w*cin]
		}
	}
	zero := make([]float32, cin)
	var d [16][]float32
	var out [16][]float32
	for tx := 0; tx < w/2; tx++ {
		t := t0 + tx
		for i := 0; i < 4; i++ {
			for j := 0; j < 4; j++ {
				x := 2*tx - 1 + j
				if rowsIn[i] == nil || x < 0 || x >= w {
					d[i*4+j] = zero
				} else {
					d[i*4+j] = rowsIn[i][x*cin : (x+1)*cin]
				}
			}
		}
		for xi := range out {
			out[xi] = v[(xi*m+t)*cin : (xi*m+t+1)*cin]
		}
		winogradInputTile(&out, &d, cin)
	}
}

// winogradInputTile writes out[ξ][c] = (Bᵀ d B)[ξ] for each channel c, d[k]
// the channels of the patch's pixel k.
func winogradInputTile(out, d *[16][]float32, cin int) {
	for c := 0; c < cin; c++ {
		var e [16]float32
		for j := 0; j < 4; j++ { // Bᵀ d
			d0, d1, d2, d3 := d[j][c], d[4+j][c], d[8+j][c], d[12+j][c]
			e[j] = d0 - d2
			e[4+j] = d1 + d2
			e[8+j] = d2 - d1
			e[12+j] = d1 - d3
		}
		for i := 0; i < 4; i++ { // ·B
			e0, e1, e2, e3 := e[i*4], e[i*4+1], e[i*4+2], e[i*4+3]
			out[i*4][c] = e0 - e2
			out[i*4+1][c] = e1 + e2
			out[i*4+2][c] = e2 - e1
			out[i*4+3][c] = e1 - e3
		}
	}
}

// winogradOutput writes the two image rows of tile row t0/tw of the item
// into out (2·w·cout floats): Y = Aᵀ M A for each of the tw tiles (loops
// over contiguous output channels).
func winogradOutput(out, mm []float32, t0, m, tw, w, cout int) {
	var q [16][]float32
	for tx := 0; tx < tw; tx++ {
		t := t0 + tx
		for xi := range q {
			q[xi] = mm[(xi*m+t)*cout : (xi*m+t+1)*cout]
		}
		o00 := out[(2*tx)*cout : (2*tx+1)*cout]
		o01 := out[(2*tx+1)*cout : (2*tx+2)*cout]
		o10 := out[(w+2*tx)*cout : (w+2*tx+1)*cout]
		o11 := out[(w+2*tx+1)*cout : (w+2*tx+2)*cout]
		for o := 0; o < cout; o++ {
			var a0, a1 [4]float32 // Aᵀ q
			for j := 0; j < 4; j++ {
				a0[j] = q[j][o] + q[4+j][o] + q[8+j][o]
				a1[j] = q[4+j][o] - q[8+j][o] - q[12+j][o]
			}
			o00[o] = a0[0] + a0[1] + a0[2]
			o01[o] = a0[1] - a0[2] - a0[3]
			o10[o] = a1[0] + a1[1] + a1[2]
			o11[o] = a1[1] - a1[2] - a1[3]
		}
	}
}
