package gemm

import (
	"fmt"
	"testing"
)

// BenchmarkCorrelate3x3x3 measures Correlate3x3x3 on the forward
// convolutions of the Base-8 3D U-Net at 32×64×64, batch 2 (one of each
// distinct shape: [d, h, w, cin, cout]), reporting GFLOP/s of the 27-tap
// convolution and the fraction of the machine's FMA peak.
func BenchmarkCorrelate3x3x3(b *testing.B) {
	for _, s := range [][5]int{{32, 64, 64, 1, 8}, {32, 64, 64, 8, 8}, {32, 64, 64, 16, 8}, {16, 32, 32, 8, 16},
		{16, 32, 32, 16, 16}, {16, 32, 32, 32, 16}, {8, 16, 16, 32, 32}, {4, 8, 8, 64, 64}, {2, 4, 4, 128, 128}} {
		g := Geom3D{N: 2, D: s[0], H: s[1], W: s[2], C: s[3], OD: s[0], OH: s[1], OW: s[2], Shift: 1}
		cout := s[4]
		src, kern := make([]float32, 2*s[0]*s[1]*s[2]*s[3]), make([]float32, 27*s[3]*cout)
		for i := range src {
			src[i] = float32(i%9) - 4
		}
		for i := range kern {
			kern[i] = float32(i%7) - 3
		}
		dst, scratch := make([]float32, 2*s[0]*s[1]*s[2]*cout), make([]float32, Correlate3x3x3Scratch(g, cout))
		b.Run(fmt.Sprintf("d=%d,h=%d,w=%d,cin=%d,cout=%d", s[0], s[1], s[2], s[3], cout), func(b *testing.B) {
			for b.Loop() {
				Correlate3x3x3(dst, src, kern, scratch, g, cout)
			}
			gf := 2 * float64(len(dst)) * float64(27*s[3]) * float64(b.N) / b.Elapsed().Seconds() / 1e9
			b.ReportMetric(gf, "GFLOP/s")
			if pk := peakGFLOPS(); pk > 0 {
				b.ReportMetric(100*gf/pk, "%peak")
			}
		})
	}
}
