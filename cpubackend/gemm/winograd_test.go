package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// winoPaths are the transform paths a test can force: Go, AVX2, AVX-512
// (capped to what the CPU has; the names say which actually ran).
var winoPaths = [][2]bool{{false, false}, {true, false}, {true, true}}

// useWinograd forces the transforms of one path and returns the restore.
func useWinograd(avx2, avx512 bool) func() {
	ha, h5 := cpuKernels()
	selectWinograd(avx2 && ha, avx2 && avx512 && h5)
	return func() { selectWinograd(cpuKernels()) }
}

// winoRef returns, in float64, the exact convolution y and the bound's
// scale yabs: the Winograd computation on absolute values,
// |Aᵀ| (Σ_i (|G||g||G|ᵀ) ⊙ (|B|ᵀ|d||B|)) |A|, per output.
func winoRef(src, wt []float32, n, h, w, cin, cout int) (y, yabs []float64) {
	y, yabs = make([]float64, n*h*w*cout), make([]float64, n*h*w*cout)
	at := func(b, yy, xx, i int) float64 {
		if yy < 0 || yy >= h || xx < 0 || xx >= w {
			return 0
		}
		return float64(src[((b*h+yy)*w+xx)*cin+i])
	}
	absB := [4][4]float64{{1, 0, 0, 0}, {0, 1, 1, 1}, {1, 1, 1, 0}, {0, 0, 0, 1}} // |B|, d·|B|
	absG := [4][3]float64{{1, 0, 0}, {.5, .5, .5}, {.5, .5, .5}, {0, 0, 1}}
	absA := [4][2]float64{{1, 0}, {1, 1}, {1, 1}, {0, 1}}
	uabs := make([][16]float64, cin*cout)
	for i := 0; i < cin*cout; i++ {
		var g [3][3]float64
		for k := 0; k < 9; k++ {
			g[k/3][k%3] = math.Abs(float64(wt[k*cin*cout+i]))
		}
		for r := 0; r < 4; r++ {
			for s := 0; s < 4; s++ {
				for a := 0; a < 3; a++ {
					for bb := 0; bb < 3; bb++ {
						uabs[i][r*4+s] += absG[r][a] * g[a][bb] * absG[s][bb]
					}
				}
			}
		}
	}
	for b := 0; b < n; b++ {
		for ty := 0; ty < h/2; ty++ {
			for tx := 0; tx < w/2; tx++ {
				mabs := make([][16]float64, cout)
				for i := 0; i < cin; i++ {
					var v [16]float64
					for r := 0; r < 4; r++ {
						for s := 0; s < 4; s++ {
							for a := 0; a < 4; a++ {
								for bb := 0; bb < 4; bb++ {
									v[r*4+s] += absB[a][r] * math.Abs(at(b, 2*ty-1+a, 2*tx-1+bb, i)) * absB[bb][s]
								}
							}
						}
					}
					for o := 0; o < cout; o++ {
						for xi := range v {
							mabs[o][xi] += uabs[i*cout+o][xi] * v[xi]
						}
					}
				}
				for o := 0; o < cout; o++ {
					for p := 0; p < 2; p++ {
						for q := 0; q < 2; q++ {
							var s float64
							for a := 0; a < 4; a++ {
								for bb := 0; bb < 4; bb++ {
									s += absA[a][p] * mabs[o][a*4+bb] * absA[bb][q]
								}
							}
							yabs[((b*h+2*ty+p)*w+2*tx+q)*cout+o] = s
						}
					}
				}
			}
		}
	}
	for b := 0; b < n; b++ {
		for yy := 0; yy < h; yy++ {
			for xx := 0; xx < w; xx++ {
				for o := 0; o < cout; o++ {
					var s float64
					for k := 0; k < 9; k++ {
						for i := 0; i < cin; i++ {
							s += at(b, yy+k/3-1, xx+k%3-1, i) * float64(wt[(k*cin+i)*cout+o])
						}
					}
					y[((b*h+yy)*w+xx)*cout+o] = s
				}
			}
		}
	}
	return y, yabs
}

// TestWinogradBound checks Conv3x3Winograd on every transform path (one
// and two threads) against the exact convolution with the first-order
// rounding bound of F(2×2, 3×3) in float32 (u = 2⁻²⁴):
//
//	|ŷ − y| ≤ (cin + 10)·u·yabs
//
// yabs (winoRef) is the computation on absolute values. The terms: V = Bᵀ d
// B, two levels of additions (2u); U = G g Gᵀ, two levels of up to three
// terms (4u; the halvings are exact); the sum over cin of products in one
// FMA chain (cin·u); Y = Aᵀ M A, two levels of three terms (4u). A factor
// 1.01 covers the second-order terms. It also checks that every path gives
// the same bits (same operation order everywhere).
func TestWinogradBound(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 23))
	shapes := [][5]int{{1, 2, 2, 1, 1}, {2, 4, 6, 3, 5}, {2, 8, 8, 16, 16}, {1, 6, 4, 8, 24}, {3, 4, 4, 32, 48}, {1, 8, 10, 19, 17}, {2, 4, 4, 64, 32}}
	worst := 0.0
	for _, s := range shapes {
		n, h, w, cin, cout := s[0], s[1], s[2], s[3], s[4]
		src, wt := randSlice(r, n*h*w*cin), randSlice(r, 9*cin*cout)
		y, yabs := winoRef(src, wt, n, h, w, cin, cout)
		var first []float32
		for _, nw := range []int{1, 2} {
			prev := SetMaxThreads(nw)
			for _, p := range winoPaths {
				restore := useWinograd(p[0], p[1])
				got := randSlice(r, len(y))
				Conv3x3Winograd(got, src, wt, n, h, w, cin, cout, nil)
				name := fmt.Sprintf("%v %s threads=%d", s, winoK.name, nw)
				restore()
				for i := range y {
					d, tol := math.Abs(float64(got[i])-y[i]), 1.01*float64(cin+10)*0x1p-24*yabs[i]
					if d > tol {
						t.Fatalf("%s: dst[%d]=%v want %v (err %.3g > bound %.3g)", name, i, got[i], y[i], d, tol)
					}
					if yabs[i] > 0 {
						worst = max(worst, d/(0x1p-24*yabs[i]*float64(cin+10)))
					}
				}
				if first == nil {
					first = got
					continue
				}
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(first[i]) {
						t.Fatalf("%s: dst[%d]=%v, other path %v", name, i, got[i], first[i])
					}
				}
			}
			SetMaxThreads(prev)
		}
	}
	t.Logf("largest error / bound: %.3f", worst)
}

// TestWinogradThreads checks that Conv3x3Winograd gives the same bits on 1,
// 2 and 3 threads (and on every transform path), and that post sees every output pixel
// once, on whole pixels, after the convolution wrote it.
func TestWinogradThreads(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 23))
	defer SetMaxThreads(SetMaxThreads(0))
	for _, s := range [][5]int{{4, 16, 16, 32, 32}, {10, 4, 4, 64, 64}, {3, 32, 32, 16, 8}} {
		n, h, w, cin, cout := s[0], s[1], s[2], s[3], s[4]
		src, wt := randSlice(r, n*h*w*cin), randSlice(r, 9*cin*cout)
		want := make([]float32, n*h*w*cout)
		Conv3x3Winograd(want, src, wt, n, h, w, cin, cout, nil)
		for _, k := range winoPaths {
			restore := useWinograd(k[0], k[1])
			for _, nw := range []int{1, 2, 3} {
				SetMaxThreads(nw)
				got := make([]float32, len(want))
				var mu sync.Mutex
				seen := 0
				Conv3x3Winograd(got, src, wt, n, h, w, cin, cout, func(o []float32) {
					if len(o)%cout != 0 {
						t.Errorf("%v: post got %d floats, not whole pixels", s, len(o))
					}
					for i := range o {
						o[i] = 2*o[i] + 1
					}
					mu.Lock()
					seen += len(o)
					mu.Unlock()
				})
				if seen != len(want) {
					t.Fatalf("%v threads=%d: post saw %d floats, want %d", s, nw, seen, len(want))
				}
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(2*want[i]+1) {
						t.Fatalf("%v %s threads=%d: dst[%d]=%v want %v", s, winoK.name, nw, i, got[i], 2*want[i]+1)
					}
				}
			}
			restore()
		}
	}
}

// TestWinogradWins checks the dispatch rule on the U-Net's shapes: direct
// for the first layer (cin = 1), odd sizes, channels not a multiple of 8,
// fewer than 40 tiles and the Go path; Winograd elsewhere.
func TestWinogradWins(t *testing.T) {
	for _, c := range []struct {
		s    [5]int
		want bool
	}{
		{[5]int{10, 64, 64, 1, 8}, false}, {[5]int{10, 64, 64, 8, 8}, true}, {[5]int{10, 64, 64, 16, 8}, true},
		{[5]int{10, 64, 64, 16, 16}, true}, {[5]int{10, 4, 4, 256, 256}, true}, {[5]int{1, 4, 4, 256, 256}, false},
		{[5]int{10, 63, 64, 32, 32}, false}, {[5]int{10, 16, 16, 20, 32}, false},
	} {
		if got := WinogradWins(c.s[0], c.s[1], c.s[2], c.s[3], c.s[4]); got != c.want && winoK.lanes > 0 {
			t.Errorf("WinogradWins%v = %v, want %v", c.s, got, c.want)
		}
	}
	defer useWinograd(false, false)()
	if WinogradWins(10, 16, 16, 64, 64) {
		t.Error("WinogradWins is true on the Go path")
	}
}
