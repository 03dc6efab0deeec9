package gemm

import (
	"slices"
	"testing"
	"time"

	"github.com/protoseg-go/protoseg-go/bench/cputime"
)

// unetInferenceShapes returns the distinct 3×3 convolutions of U-Net
// inference at batch 10, 64×64, Base 8 and 16: per level l (c = base·2^l at
// h = 64/2^l) c/2→c (1→base at l = 0), c→c and, below the bottleneck, the
// decoder's 2c→c. Shapes are {n, h, w, cin, cout}.
func unetInferenceShapes() [][5]int {
	var s [][5]int
	for _, base := range []int{8, 16} {
		for l := 0; l < 5; l++ {
			c, h := base<<l, 64>>l
			in := []int{c / 2, c, 2 * c}
			if l == 0 {
				in[0] = 1
			}
			if l == 4 {
				in = in[:2]
			}
			for _, ci := range in {
				s = append(s, [5]int{10, h, h, ci, c})
			}
		}
	}
	return dedupe(s)
}

// BenchmarkWinogradPaired times, per U-Net inference shape, the direct
// convolution (Conv3x3Post) and Conv3x3Winograd in turn within each
// iteration, so that a drift of the shared machine's speed hits both alike,
// and reports the medians of the per-iteration ratios direct/winograd of
// wall time and of CPU time (> 1: Winograd faster; CPU time is the steadier
// figure when other processes share the cores), the median direct time and
// whether WinogradWins picks Winograd, on the AVX-512 path and (kernels and
// transforms forced) the AVX2 path: the measurements behind WinogradWins.
func BenchmarkWinogradPaired(b *testing.B) {
	for _, path := range []string{"avx512", "avx2"} {
		restore := UseKernels(true, path == "avx512")
		restoreW := useWinograd(true, path == "avx512")
		for _, s := range unetInferenceShapes() {
			benchPaired(b, path, s)
		}
		restoreW()
		restore()
	}
}

// benchPaired is BenchmarkWinogradPaired for one shape.
func benchPaired(b *testing.B, path string, s [5]int) {
	src, wt, dst := convOperands(s)
	n, h, w, cin, cout := s[0], s[1], s[2], s[3], s[4]
	b.Run(path+"/"+convName(s), func(b *testing.B) {
		var dt, rw, rc []float64
		for b.Loop() {
			t0, c0 := time.Now(), cputime.Process()
			Conv3x3Post(dst, src, wt, n, h, w, cin, cout, nil)
			t1, c1 := time.Now(), cputime.Process()
			Conv3x3Winograd(dst, src, wt, n, h, w, cin, cout, nil)
			d, wi := float64(t1.Sub(t0)), float64(time.Since(t1))
			dt, rw = append(dt, d), append(rw, d/wi)
			if cw := float64(cputime.Process() - c1); cw > 0 {
				rc = append(rc, float64(c1-c0)/cw)
			}
		}
		b.ReportMetric(median(dt)/1e3, "direct-us")
		b.ReportMetric(median(rw), "direct/winograd")
		if len(rc) > 0 {
			b.ReportMetric(median(rc), "cpu-direct/winograd")
		}
		pick := 0.0
		if WinogradWins(n, h, w, cin, cout) {
			pick = 1
		}
		b.ReportMetric(pick, "wins")
	})
}

// median returns the median of x (x is reordered).
func median(x []float64) float64 {
	slices.Sort(x)
	if len(x)%2 == 1 {
		return x[len(x)/2]
	}
	return (x[len(x)/2-1] + x[len(x)/2]) / 2
}
