package simplego

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// flipTransposeTapsNaive is flipTransposeTaps as one scatter per tap (the
// loop it replaced).
func flipTransposeTapsNaive(wt, w []float32, cin, cout int) {
	for k := range 9 {
		src := w[(8-k)*cin*cout : (9-k)*cin*cout]
		dst := wt[k*cin*cout : (k+1)*cin*cout]
		for c := range cin {
			for o, v := range src[c*cout : (c+1)*cout] {
				dst[o*cin+c] = v
			}
		}
	}
}

// TestFlipTransposeTaps checks the blocked, parallel tap transpose of the
// fused input gradient (fuse_convgrad.go) against the plain loop, for
// channel counts around its block and tile sizes.
func TestFlipTransposeTaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 72))
	for _, s := range [][2]int{{1, 1}, {3, 5}, {8, 8}, {16, 16}, {17, 33}, {64, 128}, {72, 24}, {130, 70}, {256, 256}} {
		cin, cout := s[0], s[1]
		w := make([]float32, 9*cin*cout)
		for i := range w {
			w[i] = rng.Float32()
		}
		got, want := make([]float32, len(w)), make([]float32, len(w))
		flipTransposeTaps(got, w, cin, cout)
		flipTransposeTapsNaive(want, w, cin, cout)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("cin %d cout %d: element %d: %g, want %g", cin, cout, i, got[i], want[i])
			}
		}
	}
}

// TestFlipTransposeTapsKernelPaths runs TestFlipTransposeTaps on the Go
// tiles (simdOn off) and the AVX2 8×8 kernel (skipped without AVX2).
func TestFlipTransposeTapsKernelPaths(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(map[bool]string{false: "go", true: "avx2"}[on], func(t *testing.T) {
			if on && !hasSIMD {
				t.Skip("no AVX2")
			}
			defer forceSIMD(on)()
			TestFlipTransposeTaps(t)
		})
	}
}

// BenchmarkFlipTransposeTaps compares the blocked tap transpose with the
// plain loop on the U-Net's largest weights.
func BenchmarkFlipTransposeTaps(b *testing.B) {
	for _, s := range [][2]int{{256, 256}, {128, 128}, {16, 16}} {
		cin, cout := s[0], s[1]
		w, wt := make([]float32, 9*cin*cout), make([]float32, 9*cin*cout)
		for name, f := range map[string]func([]float32, []float32, int, int){"blocked": flipTransposeTaps, "naive": flipTransposeTapsNaive} {
			b.Run(fmt.Sprintf("%dx%d/%s", cin, cout, name), func(b *testing.B) {
				for b.Loop() {
					f(wt, w, cin, cout)
				}
			})
		}
	}
}
