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
// transforms (O(cin + cout) per tile), which run vectorised over channels
// (winograd_transforms.go; AVX-512, AVX2 or Go). The products run on the
// Sgemm micro-kernels over the transformed weights, packed once per call
// directly into the kernels' panel layout.
//
// Work items are runs of tile rows (a multiple of 12 tiles where possible:
// whole 12-row tiles of the micro-kernels): an item transforms its inputs
// into V, runs the 16 products into M and transforms M into whole image
// rows of dst, then calls post on them, while V and M are in L2. Each
// output is one fixed chain of operations whatever goroutine computes it,
// so the result does not depend on the thread count. (A phased schedule —
// the whole batch's V, then the 16 products over the cores one ξ at a time,
// then the output — measured slower on every U-Net shape but the 4×4
// ones, where it was within the machine's noise of this one.)
//
// The result differs from the direct convolution by float32 rounding (the
// transforms add and subtract inputs of different sizes before the
// products): see winograd_test.go for the bound. WinogradWins says, per
// shape, whether it is faster than Conv3x3Post on this machine's kind of CPU.

// winogradWeights returns U [16][cin][cout] = G g Gᵀ of the HWIO weights wt
// [3,3,cin,cout] in buf, G = [[1,0,0], [½,½,½], [½,−½,½], [0,0,1]] (the Go
// path of winoWeights; loops over contiguous output channels).
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
// falls back to Conv3x3Post otherwise): same arguments, same contract for
// post (every output pixel passed once, on whole pixels, possibly
// concurrently on disjoint slices). It is not bit-identical to Conv3x3 (see
// above), but its result does not depend on the number of threads. It
// panics if a dimension is negative or a slice is too short.
func Conv3x3Winograd(dst, src, wt []float32, n, h, w, cin, cout int, post func(out []float32)) {
	checkConvArgs("Conv3x3Winograd", len(dst), len(src), n, h, w, cin, n*h*w*cout, n*h*w*cin)
	if cout < 0 || len(wt) < 9*cin*cout {
		panic("gemm: Conv3x3Winograd: cout < 0 or len(wt) < 9·cin·cout")
	}
	if h%2 != 0 || w%2 != 0 || n*h*w == 0 || cin == 0 || cout == 0 {
		Conv3x3Post(dst, src, wt, n, h, w, cin, cout, post)
		return
	}
	c := winoConv{dst: dst, src: src, n: n, h: h, w: w, cin: cin, cout: cout, post: post}
	c.exec(wt)
}

// exec runs the convolution c (operands, shape and post set) with the HWIO
// weights wt: it sets the tiling, packs the transformed weights and runs
// the work items.
func (c *winoConv) exec(wt []float32) {
	n, h, w, cin, cout := c.n, c.h, c.w, c.cin, c.cout
	nw := threads()
	if 2*float64(n*h*w)*float64(cout)*float64(4*cin) < float64(serialFlops) {
		nw = 1
	}
	c.tw, c.th, c.np = w/2, h/2, (cout+nr-1)/nr
	c.panel = c.np * nr * cin
	tmpN := 0
	if winoK.lanes == 0 || cout%nr != 0 {
		tmpN = 16 * cin * cout
	}
	bufs := getBuf(16*c.panel + tmpN)
	c.u = (*bufs)[:16*c.panel]
	winoWeights(c.u, (*bufs)[16*c.panel:], wt, cin, cout, nw)
	c.run(nw)
	bufPool.Put(bufs)
}

// winoItemFloats is the V+M size (floats) a fused work item aims at: its
// tile rows' transformed inputs and products stay in L2 between the passes.
var winoItemFloats = 1 << 17

// winoConv is one Conv3x3Winograd call: operands, shape, tiling (tw tiles
// per tile row, th tile rows per image) and the packed transformed weights u
// (16 blocks of panel floats, np panels of 16 output channels each). With
// parts (Conv3x3PartsWinograd), the source is their concatenation instead
// of src.
type winoConv struct {
	dst, src           []float32
	parts              []ConvPart
	n, h, w, cin, cout int
	post               func([]float32)
	tw, th, np, panel  int
	u                  []float32
}

// run runs the work items on up to nw goroutines.
func (c *winoConv) run(nw int) {
	rows, tw := c.n*c.th, c.tw
	// Tile rows per item: at least mcMax tiles (each packed U[ξ] brought in
	// serves many tiles), more while V and M stay within winoItemFloats.
	per := min(rows, max((mcMax+tw-1)/tw, winoItemFloats/(16*tw*(c.cin+c.cout))))
	if nw > 1 {
		per = min(per, max(1, rows/(4*nw)))
	}
	// Whole 12-row tiles of the micro-kernels: per·tw a multiple of 12.
	per = min(rows, roundUp(per, 12/gcd(tw, 12)))
	items := (rows + per - 1) / per
	pn := (c.w + 16) * c.cin // inputRows' scratch
	if c.parts != nil {
		pn += 4 * c.w * c.cin // the ring of source rows built from the parts
	}
	parallelFor(items, nw, func(it int, ws *workspace) {
		r0, r1 := it*per, min(rows, (it+1)*per)
		m := (r1 - r0) * tw
		vs, ms := winoPlane(m*c.cin), winoPlane(m*c.cout)
		vn, mn := 16*vs, 16*ms
		if cap(ws.col) < vn+mn+pn {
			ws.col = make([]float32, vn+mn+pn)
		}
		v, mm, p := ws.col[:vn], ws.col[vn:vn+mn], ws.col[vn+mn:vn+mn+pn]
		c.inputRows(v, p, vs, r0, r0, r1)
		for xi := 0; xi < 16; xi++ {
			c.products(ws, v[xi*vs:], mm[xi*ms:], xi, m)
		}
		c.outputRows(mm, ms, r0, r0, r1)
	})
}

// inputRows transforms tile rows [r0, r1) of the batch into V (ξ stride vs;
// tile row r's tiles start at tile (r-rb)·tw). Interior tiles read the
// image rows in place; s (at least (w+16)·cin floats, 4·w·cin more with
// parts) holds a zero row and the zero-padded patch of each edge tile (and
// the ring of srcRows).
func (c *winoConv) inputRows(v, s []float32, vs, rb, r0, r1 int) {
	cin, w, h, tw := c.cin, c.w, c.h, c.tw
	zero, mini, ring := s[:w*cin], s[w*cin:(w+16)*cin], s[(w+16)*cin:]
	zeroed := false
	tags := [4]int{-1, -1, -1, -1}
	for r := r0; r < r1; r++ {
		b, ty := r/c.th, r%c.th
		var rows [4][]float32 // the tile row's 4 input rows, nil outside
		for i := range rows {
			if y := 2*ty - 1 + i; y >= 0 && y < h {
				rows[i] = c.srcRow(b, y, ring, &tags)
			}
		}
		vt := v[(r-rb)*tw*cin:]
		if tw > 2 {
			var in [4][]float32
			for i, row := range rows {
				if row == nil {
					if !zeroed {
						clear(zero)
						zeroed = true
					}
					row = zero
				}
				in[i] = row[cin : (w-1)*cin]
			}
			winoInput(vt[cin:], vs, &in, cin, tw-2)
		}
		for tx := 0; tx < tw; tx += max(1, tw-1) {
			var in [4][]float32
			for i := range in {
				in[i] = mini[4*i*cin : 4*(i+1)*cin]
				for j := 0; j < 4; j++ {
					d := in[i][j*cin : (j+1)*cin]
					if x := 2*tx - 1 + j; rows[i] != nil && x >= 0 && x < w {
						copy(d, rows[i][x*cin:(x+1)*cin])
					} else {
						clear(d)
					}
				}
			}
			winoInput(vt[tx*cin:], vs, &in, cin, 1)
		}
	}
}

// srcRow returns row y of image b of the source: in place in src, or, with
// parts, built in ring (4 rows of w·cin floats; tags[k] says which image
// row, b·h+y, slot k holds, −1 for none) by the parts' copyRow, the values
// Conv3x3PartsPost reads. A tile row's 4 rows fall in 4 different slots
// (y mod 4), and the next tile row's first two are its last two, so each
// row is built once per run of tile rows.
func (c *winoConv) srcRow(b, y int, ring []float32, tags *[4]int) []float32 {
	rl, key := c.w*c.cin, b*c.h+y
	if c.parts == nil {
		return c.src[key*rl : (key+1)*rl]
	}
	k := y % 4
	d := ring[k*rl : (k+1)*rl]
	if tags[k] != key {
		off := 0
		for _, p := range c.parts {
			if p.C > 0 {
				p.copyRow(d[off:], b, y, c.h, c.w, 0, c.w, c.cin)
			}
			off += p.C
		}
		tags[k] = key
	}
	return d
}

// products computes M[ξ] = V[ξ]·U[ξ] for the m tiles of an item (v and mm
// start at V[ξ] and M[ξ]).
func (c *winoConv) products(ws *workspace, v, mm []float32, xi, m int) {
	p := plan{m: m, n: c.cout, k: c.cin, alpha: 1, lda: c.cin, ldb: c.cout, ldc: c.cout, a: v, c: mm}
	pb := c.u[xi*c.panel : (xi+1)*c.panel]
	for j := 0; j < m; j += mcMax {
		p.computeItem(ws, pb, 0, c.cout, j, min(m, j+mcMax), 0, c.np)
	}
}

// winoPlane returns the ξ stride (floats) of a V or M block of n floats per
// ξ: n rounded up to 4 KiB plus one cache line, so that the 16 planes a
// transform reads or writes together fall in 16 different L1 sets (with a
// stride dividing 4 KiB they share few sets: the input transform alone
// measured 2.5× slower with a 1 KiB stride than with this one).
func winoPlane(n int) int { return roundUp(n, 1024) + 16 }

// outputRows transforms the products of tile rows [r0, r1) (tile row r's
// tiles at (r-rb)·tw in M, m tiles per ξ) into their image rows of dst and
// calls post on them.
func (c *winoConv) outputRows(mm []float32, ms, rb, r0, r1 int) {
	row := c.w * c.cout
	for r := r0; r < r1; r++ {
		winoOutput(c.dst[2*r*row:], row, mm[(r-rb)*c.tw*c.cout:], ms, c.cout, c.tw)
	}
	if c.post != nil {
		c.post(c.dst[2*r0*row : 2*r1*row])
	}
}

// gcd returns the greatest common divisor of a, b > 0.
func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// WinogradWins reports whether Conv3x3Winograd is expected to be faster
// than Conv3x3Post for a [n, h, w, cin] → cout convolution on this CPU's
// kernels. The rule comes from BenchmarkWinogradPaired on the U-Net's
// inference shapes (batch 10, Base 8 and 16, 64×64 down to 4×4; see
// winograd_bench_test.go): Winograd won on every shape with cin and cout
// multiples of 8 — by 1.2–1.4× with 8 channels on a side, 1.4–1.9× from 16
// on (CPU time, AVX-512 kernels; 1.0–1.3× and 1.3–1.9× with the AVX2 ones)
// — down to 40 tiles (4×4 images at batch 10); it lost (0.2–0.6×) on the
// first layer (cin = 1: the transforms' Go loops). Fewer tiles were not
// measured and stay direct, as do odd sizes and the Go path (never
// measured faster).
func WinogradWins(n, h, w, cin, cout int) bool {
	if winoK.lanes == 0 || h%2 != 0 || w%2 != 0 || cin%8 != 0 || cout%8 != 0 || cin == 0 || cout == 0 {
		return false
	}
	return n*h*w/4 >= 40
}
