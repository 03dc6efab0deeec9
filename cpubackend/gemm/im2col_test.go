package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

func naiveIm2Col(src []float32, n, h, w, c int) []float32 {
	dst := make([]float32, n*h*w*9*c)
	for b := 0; b < n; b++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for ky := 0; ky < 3; ky++ {
					for kx := 0; kx < 3; kx++ {
						for ch := 0; ch < c; ch++ {
							yy, xx := y+ky-1, x+kx-1
							var v float32
							if yy >= 0 && yy < h && xx >= 0 && xx < w {
								v = src[((b*h+yy)*w+xx)*c+ch]
							}
							dst[((b*h+y)*w+x)*9*c+(ky*3+kx)*c+ch] = v
						}
					}
				}
			}
		}
	}
	return dst
}

// naiveCol2Im scatters (the textbook adjoint), unlike Col2Im3x3's gather.
func naiveCol2Im(col []float32, n, h, w, c int) []float32 {
	dst := make([]float32, n*h*w*c)
	for b := 0; b < n; b++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for ky := 0; ky < 3; ky++ {
					for kx := 0; kx < 3; kx++ {
						yy, xx := y+ky-1, x+kx-1
						if yy < 0 || yy >= h || xx < 0 || xx >= w {
							continue
						}
						for ch := 0; ch < c; ch++ {
							dst[((b*h+yy)*w+xx)*c+ch] += col[((b*h+y)*w+x)*9*c+(ky*3+kx)*c+ch]
						}
					}
				}
			}
		}
	}
	return dst
}

var convShapes = [][4]int{{1, 1, 1, 1}, {1, 2, 3, 1}, {2, 5, 7, 3}, {3, 8, 8, 16}, {1, 17, 9, 5}, {2, 64, 64, 8}, {1, 3, 1, 9}, {2, 6, 33, 7}, {1, 16, 16, 32}}

func TestIm2Col3x3(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, nw := range []int{1, 2} {
		prev := SetMaxThreads(nw)
		for _, s := range convShapes {
			n, h, w, c := s[0], s[1], s[2], s[3]
			src := randSlice(r, n*h*w*c)
			want := naiveIm2Col(src, n, h, w, c)
			got := randSlice(r, len(want)) // garbage must be overwritten
			Im2Col3x3(got, src, n, h, w, c)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%v: dst[%d]=%v want %v", s, i, got[i], want[i])
				}
			}
		}
		SetMaxThreads(prev)
	}
}

func TestCol2Im3x3(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, nw := range []int{1, 2} {
		prev := SetMaxThreads(nw)
		for _, s := range convShapes {
			n, h, w, c := s[0], s[1], s[2], s[3]
			col := randSlice(r, n*h*w*9*c)
			want := naiveCol2Im(col, n, h, w, c)
			got := randSlice(r, len(want))
			Col2Im3x3(got, col, n, h, w, c)
			for i := range want {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("%v: dst[%d]=%v want %v", s, i, got[i], want[i])
				}
			}
		}
		SetMaxThreads(prev)
	}
}

// TestCol2ImAdjoint checks <Im2Col(x), y> == <x, Col2Im(y)>.
func TestCol2ImAdjoint(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	n, h, w, c := 2, 6, 5, 4
	x := randSlice(r, n*h*w*c)
	y := randSlice(r, n*h*w*9*c)
	ix := make([]float32, len(y))
	Im2Col3x3(ix, x, n, h, w, c)
	cy := make([]float32, len(x))
	Col2Im3x3(cy, y, n, h, w, c)
	var l, rr float64
	for i := range y {
		l += float64(ix[i]) * float64(y[i])
	}
	for i := range x {
		rr += float64(x[i]) * float64(cy[i])
	}
	if math.Abs(l-rr) > 1e-4*(1+math.Abs(l)) {
		t.Fatalf("<Im2Col x, y> = %v, <x, Col2Im y> = %v", l, rr)
	}
}

func TestAddStrided(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, cols := range []int{1, 3, 8, 9, 16, 21} {
		rows, ds, ss := 5, cols+2, 9*cols
		dst := randSlice(r, (rows-1)*ds+cols)
		src := randSlice(r, (rows-1)*ss+cols)
		want := append([]float32(nil), dst...)
		addStridedGo(want, src, rows, cols, ds, ss)
		addStrided(dst, src, rows, cols, ds, ss)
		for i := range want {
			if dst[i] != want[i] {
				t.Fatalf("cols=%d: dst[%d]=%v want %v", cols, i, dst[i], want[i])
			}
		}
	}
}

// TestConv3x3 checks Conv3x3 against a naive im2col + product on one and
// two threads, on both of its layouts (patch rows, and the row-triple layout
// forced for every width), on every kernel path.
func TestConv3x3(t *testing.T) {
	defer func(v int) { convRowTripleMinW = v }(convRowTripleMinW)
	for _, k := range [][2]bool{{false, false}, {true, false}, {true, true}} {
		restore := UseKernels(k[0], k[1])
		for _, minW := range []int{1, 1 << 30} {
			convRowTripleMinW = minW
			t.Run(fmt.Sprintf("%s/rowTripleMinW=%d", KernelName(), minW), testConv3x3)
		}
		restore()
	}
}

func testConv3x3(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, nw := range []int{1, 2} {
		prev := SetMaxThreads(nw)
		for _, s := range convShapes {
			n, h, w, cin := s[0], s[1], s[2], s[3]
			for _, cout := range []int{1, 8, 13, 40, 64} {
				src := randSlice(r, n*h*w*cin)
				wt := randSlice(r, 9*cin*cout)
				col := naiveIm2Col(src, n, h, w, cin)
				want := make([]float32, n*h*w*cout)
				naiveSgemm(false, false, n*h*w, cout, 9*cin, 1, col, 9*cin, wt, cout, 0, want, cout)
				got := randSlice(r, len(want))
				Conv3x3(got, src, wt, n, h, w, cin, cout)
				tol := 1e-5 * (1 + math.Sqrt(float64(9*cin))) * 4
				for i := range want {
					if d := math.Abs(float64(got[i] - want[i])); d > tol*(1+math.Abs(float64(want[i]))) {
						t.Fatalf("%v cout=%d: dst[%d]=%v want %v", s, cout, i, got[i], want[i])
					}
				}
			}
		}
		SetMaxThreads(prev)
	}
}

func TestCopyStrided(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, cols := range []int{1, 3, 8, 9, 24, 27} {
		rows, ds, ss := 4, 9*cols, cols
		src := randSlice(r, (rows-1)*ss+cols)
		dst := randSlice(r, (rows-1)*ds+cols)
		want := append([]float32(nil), dst...)
		copyStridedGo(want, src, rows, cols, ds, ss)
		copyStrided(dst, src, rows, cols, ds, ss)
		for i := range want {
			if dst[i] != want[i] {
				t.Fatalf("cols=%d: dst[%d]=%v want %v", cols, i, dst[i], want[i])
			}
		}
	}
}

// TestConvWeightGrad3x3 checks ConvWeightGrad3x3 against Im2Col3x3 and a naive
// colᵀ·g (and gᵀ·col), on one and two threads, on both of its layouts
// (patch rows, and the row-triple layout forced for every width) and on
// every kernel path.
func TestConvWeightGrad3x3(t *testing.T) {
	defer func(v int) { wgradRowTripleMinW = v }(wgradRowTripleMinW)
	for _, k := range [][2]bool{{false, false}, {true, false}, {true, true}} {
		restore := UseKernels(k[0], k[1])
		for _, minW := range []int{1, 1 << 30} {
			wgradRowTripleMinW = minW
			t.Run(fmt.Sprintf("%s/rowTripleMinW=%d", KernelName(), minW), testConvWeightGrad3x3)
		}
		restore()
	}
}

func testConvWeightGrad3x3(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, nw := range []int{1, 2} {
		prev := SetMaxThreads(nw)
		for _, s := range append(convShapes, [4]int{3, 40, 20, 5}, [4]int{2, 5, 6, 100}, [4]int{3, 7, 30, 12}) {
			n, h, w, cin := s[0], s[1], s[2], s[3]
			for _, cout := range []int{1, 8, 13, 40} {
				src, g := randSlice(r, n*h*w*cin), randSlice(r, n*h*w*cout)
				col := naiveIm2Col(src, n, h, w, cin)
				want := make([]float32, 9*cin*cout)
				naiveSgemm(true, false, 9*cin, cout, n*h*w, 1, col, 9*cin, g, cout, 0, want, cout)
				for _, transposed := range []bool{false, true} {
					got := randSlice(r, len(want))
					ConvWeightGrad3x3(got, src, g, n, h, w, cin, cout, transposed)
					tol := 1e-5 * (1 + math.Sqrt(float64(n*h*w))) * 4
					for i := range 9 * cin {
						for j := range cout {
							gv := got[i*cout+j]
							if transposed {
								gv = got[j*9*cin+i]
							}
							if d := math.Abs(float64(gv - want[i*cout+j])); d > tol*(1+math.Abs(float64(want[i*cout+j]))) {
								t.Fatalf("%v cout=%d transposed=%v nw=%d: [%d,%d]=%v want %v", s, cout, transposed, nw, i, j, gv, want[i*cout+j])
							}
						}
					}
				}
			}
		}
		SetMaxThreads(prev)
	}
}

// TestConvDeterministic checks that Conv3x3 and ConvWeightGrad3x3 give
// bit-identical results on 1, 2 and 3 threads and from run to run, on U-Net
// shapes (small and large widths, both weight-gradient strategies) and odd
// ones.
func TestConvDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, s := range [][5]int{{10, 32, 32, 8, 16}, {10, 16, 16, 32, 8}, {10, 8, 8, 64, 128}, {10, 4, 4, 128, 256}, {3, 9, 19, 5, 13}, {1, 64, 64, 1, 8}} {
		n, h, w, cin, cout := s[0], s[1], s[2], s[3], s[4]
		src, wt, g := randSlice(r, n*h*w*cin), randSlice(r, 9*cin*cout), randSlice(r, n*h*w*cout)
		var ref [2][]float32
		for run, nw := range []int{1, 2, 3, 2} {
			prev := SetMaxThreads(nw)
			y := make([]float32, n*h*w*cout)
			Conv3x3(y, src, wt, n, h, w, cin, cout)
			dw := make([]float32, 9*cin*cout)
			ConvWeightGrad3x3(dw, src, g, n, h, w, cin, cout, run%2 == 1)
			if run%2 == 1 { // transposed: back to [9·cin, cout] to compare
				dw = transpose(dw, cout, 9*cin)
			}
			SetMaxThreads(prev)
			if run == 0 {
				ref = [2][]float32{y, dw}
				continue
			}
			for i, out := range [][]float32{y, dw} {
				for j, v := range out {
					if math.Float32bits(v) != math.Float32bits(ref[i][j]) {
						t.Fatalf("%v threads=%d: output %d [%d] = %v, want %v (1 thread)", s, nw, i, j, v, ref[i][j])
					}
				}
			}
		}
	}
}

// transpose returns the [cols, rows] transpose of the row-major x [rows, cols].
func transpose(x []float32, rows, cols int) []float32 {
	y := make([]float32, len(x))
	for i := range rows {
		for j := range cols {
			y[j*rows+i] = x[i*cols+j]
		}
	}
	return y
}

// TestConv3x3Post checks that Conv3x3Post hands every output pixel to its
// epilogue exactly once, in whole pixels, and that the result is Conv3x3's
// followed by the epilogue bit for bit, on both layouts and one and two
// threads.
func TestConv3x3Post(t *testing.T) {
	defer func(v int) { convRowTripleMinW = v }(convRowTripleMinW)
	r := rand.New(rand.NewPCG(21, 22))
	for _, minW := range []int{1, 1 << 30} {
		convRowTripleMinW = minW
		for _, nw := range []int{1, 2} {
			prev := SetMaxThreads(nw)
			for _, s := range convShapes {
				n, h, w, cin := s[0], s[1], s[2], s[3]
				for _, cout := range []int{1, 8, 13} {
					testConv3x3PostShape(t, r, n, h, w, cin, cout)
				}
			}
			SetMaxThreads(prev)
		}
	}
}

func testConv3x3PostShape(t *testing.T, r *rand.Rand, n, h, w, cin, cout int) {
	t.Helper()
	src, wt := randSlice(r, n*h*w*cin), randSlice(r, 9*cin*cout)
	want := make([]float32, n*h*w*cout)
	Conv3x3(want, src, wt, n, h, w, cin, cout)
	for i, v := range want {
		want[i] = max(2*v+1, 0)
	}
	got := randSlice(r, len(want))
	var mu sync.Mutex
	seen := 0
	Conv3x3Post(got, src, wt, n, h, w, cin, cout, func(o []float32) {
		if len(o)%max(cout, 1) != 0 {
			t.Errorf("epilogue on %d floats, not whole pixels of %d", len(o), cout)
		}
		for i, v := range o {
			o[i] = max(2*v+1, 0)
		}
		mu.Lock()
		seen += len(o)
		mu.Unlock()
	})
	if seen != len(want) {
		t.Fatalf("[%d %d %d %d]→%d: epilogue saw %d floats, want %d", n, h, w, cin, cout, seen, len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("[%d %d %d %d]→%d: dst[%d]=%v want %v", n, h, w, cin, cout, i, got[i], want[i])
		}
	}
}

// TestConv3x3Winograd checks Conv3x3Winograd against the naive direct
// convolution on even shapes (and its fallback on odd ones), one and two
// threads, every kernel path. Tolerance: the transforms combine inputs
// before the products, so the error is relative to the sum of the absolute
// terms, not to each output: 1e-5 · (|w|·|x| summed) with a margin of 4,
// the same budget as TestConv3x3's.
func TestConv3x3Winograd(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, k := range [][2]bool{{false, false}, {true, false}, {true, true}} {
		restore := UseKernels(k[0], k[1])
		for _, nw := range []int{1, 2} {
			prev := SetMaxThreads(nw)
			for _, s := range [][4]int{{1, 2, 2, 1}, {2, 4, 6, 3}, {3, 8, 8, 16}, {1, 3, 5, 2}, {2, 16, 16, 32}, {1, 4, 4, 64}} {
				n, h, w, cin := s[0], s[1], s[2], s[3]
				for _, cout := range []int{1, 8, 13, 40} {
					src, wt := randSlice(r, n*h*w*cin), randSlice(r, 9*cin*cout)
					col := naiveIm2Col(src, n, h, w, cin)
					want := make([]float32, n*h*w*cout)
					naiveSgemm(false, false, n*h*w, cout, 9*cin, 1, col, 9*cin, wt, cout, 0, want, cout)
					got := randSlice(r, len(want))
					Conv3x3Winograd(got, src, wt, n, h, w, cin, cout, nil)
					tol := 1e-5 * float64(9*cin) * 4
					for i := range want {
						if d := math.Abs(float64(got[i] - want[i])); d > tol {
							t.Fatalf("%s %v cout=%d: dst[%d]=%v want %v", KernelName(), s, cout, i, got[i], want[i])
						}
					}
				}
			}
			SetMaxThreads(prev)
		}
		restore()
	}
}
