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

// BenchmarkConv3x3 compares the fused Conv3x3 with Im2Col3x3 + Sgemm.
func BenchmarkConv3x3(b *testing.B) {
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

// BenchmarkConvWeightGrad3x3 compares ConvWeightGrad3x3 with the per-image
// Im2Col3x3 + Sgemm accumulation it replaced in the fork's weight-gradient
// fusion, on the U-Net shapes and the Base 16 ones.
func BenchmarkConvWeightGrad3x3(b *testing.B) {
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
