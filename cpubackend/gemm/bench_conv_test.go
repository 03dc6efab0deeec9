package gemm

import (
	"fmt"
	"testing"
)

// convBenchShapes are 3×3 convolutions of a U-Net at batch 10, 64×64
// (Base 8 and 16): {n, h, w, cin, cout}.
var convBenchShapes = [][5]int{
	{10, 64, 64, 1, 8},
	{10, 64, 64, 8, 8},
	{10, 64, 64, 16, 16},
	{10, 32, 32, 16, 32},
	{10, 16, 16, 32, 64},
	{10, 8, 8, 64, 128},
}

// unetConvShapes returns the 3×3 convolutions of one training step of the
// U-Net at batch 10, 64×64, Base base (widths c = base·2^l at h = 64/2^l):
// fwd are the distinct Conv3x3 calls — the forward convolutions (c/2→c or
// 1→base first, c→c, and 2c→c after the decoder's concatenation) and the
// input gradients (c→c, c→c/2, c→2c) — and wgrad the distinct
// ConvWeightGrad3x3 calls (one per forward layer). Shapes are
// {n, h, w, cin, cout}.
func unetConvShapes(base int) (fwd, wgrad [][5]int) {
	for l := 0; l < 5; l++ {
		c, h := base<<l, 64>>l
		in := []int{c / 2, c, 2 * c}
		if l == 0 {
			in[0] = 1
		}
		if l == 4 {
			in = in[:2] // the bottleneck has no decoder layer
		}
		for i, ci := range in {
			fwd = append(fwd, [5]int{10, h, h, ci, c})
			wgrad = append(wgrad, [5]int{10, h, h, ci, c})
			if i > 0 || l > 0 { // no input gradient for the image
				fwd = append(fwd, [5]int{10, h, h, c, ci})
			}
		}
	}
	return dedupe(fwd), dedupe(wgrad)
}

// dedupe drops repeated shapes, keeping the first.
func dedupe(s [][5]int) [][5]int {
	seen := map[[5]int]bool{}
	var out [][5]int
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func convName(s [5]int) string {
	return fmt.Sprintf("n=%d,h=%d,w=%d,cin=%d,cout=%d", s[0], s[1], s[2], s[3], s[4])
}

func reportConv(b *testing.B, s [5]int) {
	flops := 2 * float64(s[0]*s[1]*s[2]) * float64(9*s[3]) * float64(s[4]) * float64(b.N)
	gf := flops / b.Elapsed().Seconds() / 1e9
	b.ReportMetric(gf, "GFLOP/s")
	if pk := peakGFLOPS(); pk > 0 {
		b.ReportMetric(100*gf/pk, "%peak")
	}
}

// convOperands returns deterministic src, wt (or g) and dst slices for s.
func convOperands(s [5]int) (src, wt, dst []float32) {
	n, h, w, cin, cout := s[0], s[1], s[2], s[3], s[4]
	src = make([]float32, n*h*w*cin)
	for i := range src {
		src[i] = float32(i%9) - 4
	}
	wt = make([]float32, max(9*cin*cout, n*h*w*cout))
	for i := range wt {
		wt[i] = float32(i%7) - 3
	}
	return src, wt, make([]float32, max(9*cin*cout, n*h*w*cout))
}

// benchUNetConvs runs fn on every shape of shapes as sub-benchmarks
// "unet/base=B/<shape>", then on all of them in turn ("unet/base=B/all",
// whose GFLOP/s is the total flops over the total time).
func benchUNetConvs(b *testing.B, base int, shapes [][5]int, fn func(s [5]int, src, wt, dst []float32)) {
	var total float64
	ops := make([][3][]float32, len(shapes))
	for i, s := range shapes {
		src, wt, dst := convOperands(s)
		ops[i] = [3][]float32{src, wt, dst}
		total += 2 * float64(s[0]*s[1]*s[2]) * float64(9*s[3]) * float64(s[4])
		b.Run(fmt.Sprintf("unet/base=%d/%s", base, convName(s)), func(b *testing.B) {
			for b.Loop() {
				fn(s, src, wt, dst)
			}
			reportConv(b, s)
		})
	}
	b.Run(fmt.Sprintf("unet/base=%d/all", base), func(b *testing.B) {
		for b.Loop() {
			for i, s := range shapes {
				fn(s, ops[i][0], ops[i][1], ops[i][2])
			}
		}
		b.ReportMetric(total*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}

// BenchmarkConv3x3 measures Conv3x3 on every Conv3x3 call of a U-Net
// training step (Base 8 and 16: forward and input-gradient convolutions,
// "unet/…"), and compares it with Im2Col3x3 + Sgemm on a few shapes.
func BenchmarkConv3x3(b *testing.B) {
	for _, base := range []int{8, 16} {
		fwd, _ := unetConvShapes(base)
		benchUNetConvs(b, base, fwd, func(s [5]int, src, wt, dst []float32) {
			Conv3x3(dst, src, wt, s[0], s[1], s[2], s[3], s[4])
		})
	}
	for _, s := range convBenchShapes {
		n, h, w, cin, cout := s[0], s[1], s[2], s[3], s[4]
		src := make([]float32, n*h*w*cin)
		for i := range src {
			src[i] = float32(i%9) - 4
		}
		wt := make([]float32, 9*cin*cout)
		dst := make([]float32, n*h*w*cout)
		col := make([]float32, n*h*w*9*cin)
		b.Run("fused/"+convName(s), func(b *testing.B) {
			for b.Loop() {
				Conv3x3(dst, src, wt, n, h, w, cin, cout)
			}
			reportConv(b, s)
		})
		b.Run("im2col+sgemm/"+convName(s), func(b *testing.B) {
			for b.Loop() {
				Im2Col3x3(col, src, n, h, w, cin)
				Sgemm(false, false, n*h*w, cout, 9*cin, 1, col, 9*cin, wt, cout, 0, dst, cout)
			}
			reportConv(b, s)
		})
	}
}

// BenchmarkIm2Col measures Im2Col3x3 and Col2Im3x3; MB/s counts the patch
// matrix written (Im2Col) or read (Col2Im).
func BenchmarkIm2Col(b *testing.B) {
	for _, s := range convBenchShapes[1:3] {
		n, h, w, c := s[0], s[1], s[2], s[3]
		img := make([]float32, n*h*w*c)
		col := make([]float32, n*h*w*9*c)
		b.Run("im2col/"+convName(s), func(b *testing.B) {
			b.SetBytes(int64(4 * len(col)))
			for b.Loop() {
				Im2Col3x3(col, img, n, h, w, c)
			}
		})
		b.Run("col2im/"+convName(s), func(b *testing.B) {
			b.SetBytes(int64(4 * len(col)))
			for b.Loop() {
				Col2Im3x3(img, col, n, h, w, c)
			}
		})
	}
}

// BenchmarkConvWeightGrad3x3 measures ConvWeightGrad3x3 on every weight
// gradient of a U-Net training step (Base 8 and 16, "unet/…"), and compares
// it with the per-image Im2Col3x3 + Sgemm accumulation it replaced in the
// fork's weight-gradient fusion on a few shapes.
func BenchmarkConvWeightGrad3x3(b *testing.B) {
	for _, base := range []int{8, 16} {
		_, wg := unetConvShapes(base)
		benchUNetConvs(b, base, wg, func(s [5]int, src, g, dst []float32) {
			ConvWeightGrad3x3(dst, src, g, s[0], s[1], s[2], s[3], s[4], false)
		})
	}
	shapes := append(convBenchShapes[1:], [5]int{10, 64, 64, 32, 16}, [5]int{10, 8, 8, 256, 128}, [5]int{10, 4, 4, 256, 256})
	for _, s := range shapes {
		n, h, w, cin, cout := s[0], s[1], s[2], s[3], s[4]
		src := make([]float32, n*h*w*cin)
		g := make([]float32, n*h*w*cout)
		for i := range src {
			src[i] = float32(i%9) - 4
		}
		for i := range g {
			g[i] = float32(i%7) - 3
		}
		dst := make([]float32, 9*cin*cout)
		b.Run("blocked/"+convName(s), func(b *testing.B) {
			for b.Loop() {
				ConvWeightGrad3x3(dst, src, g, n, h, w, cin, cout, false)
			}
			reportConv(b, s)
		})
		col := make([]float32, h*w*9*cin)
		b.Run("per-image/"+convName(s), func(b *testing.B) {
			hw, k := h*w, 9*cin
			for b.Loop() {
				for i := range n {
					Im2Col3x3(col, src[i*hw*cin:(i+1)*hw*cin], 1, h, w, cin)
					beta := float32(1)
					if i == 0 {
						beta = 0
					}
					Sgemm(true, false, k, cout, hw, 1, col, k, g[i*hw*cout:(i+1)*hw*cout], cout, beta, dst, cout)
				}
			}
			reportConv(b, s)
		})
	}
}

// BenchmarkConv3x3Winograd times Conv3x3Winograd against Conv3x3 on U-Net
// shapes (batch 10; Base 8 and 16 levels); BenchmarkWinogradPaired
// alternates the two per iteration and is the evidence behind WinogradWins.
func BenchmarkConv3x3Winograd(b *testing.B) {
	for _, s := range [][5]int{{10, 64, 64, 8, 8}, {10, 64, 64, 16, 16}, {10, 32, 32, 32, 32}, {10, 16, 16, 64, 64}, {10, 8, 8, 128, 128}, {10, 8, 8, 256, 128}, {10, 4, 4, 256, 256}} {
		src, wt, dst := convOperands(s)
		b.Run(convName(s)+"/direct", func(b *testing.B) {
			for b.Loop() {
				Conv3x3(dst, src, wt, s[0], s[1], s[2], s[3], s[4])
			}
		})
		b.Run(convName(s)+"/winograd", func(b *testing.B) {
			for b.Loop() {
				Conv3x3Winograd(dst, src, wt, s[0], s[1], s[2], s[3], s[4], nil)
			}
		})
	}
}
