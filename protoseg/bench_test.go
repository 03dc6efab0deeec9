package protoseg

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// unetShapes are the (spatial size, channels) of the 18 layers of the paper's U-Net
// for a 64×64 input at Base 8.
func unetShapes(size, base int) [][2]int {
	mult := []int{1, 1, 2, 2, 4, 4, 8, 8, 16, 16, 8, 8, 4, 4, 2, 2, 1, 1}
	shapes := make([][2]int, len(mult))
	for i, m := range mult {
		level := map[int]int{1: 0, 2: 1, 4: 2, 8: 3, 16: 4}[m]
		shapes[i] = [2]int{size >> level, base * m}
	}
	return shapes
}

// BenchmarkAnalyzeUNet measures the whole ProtoSeg analysis of one batch of 10
// images: layer SA of all 18 layers plus unit SA of all units of all 18 layers, with
// the features of a Base-8 U-Net at 64×64 (docs/design.md §5: it should cost less than one
// forward pass).
func BenchmarkAnalyzeUNet(b *testing.B) {
	for _, base := range []int{8, 16} {
		b.Run(fmt.Sprintf("base=%d/size=64", base), func(b *testing.B) {
			const n, size = 10, 64
			a, err := NewAnalyzer(testBackend(b), Bilinear)
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 1))
			var feats []*tensors.Tensor
			for _, s := range unetShapes(size, base) {
				v := make([]float32, n*s[0]*s[0]*s[1])
				for i := range v {
					v[i] = float32(rng.Float64())
				}
				feats = append(feats, tensors.FromFlatDataAndDimensions(v, n, s[0], s[0], s[1]))
			}
			mask := make([]float32, n*size*size)
			for i := range mask {
				if (i%size)/16 == 1 {
					mask[i] = 1
				}
			}
			m := tensors.FromFlatDataAndDimensions(mask, n, size, size)
			analyse := func() {
				for l, f := range feats {
					if _, err := a.Layer(fmt.Sprint(l), f, m, m, nil); err != nil {
						b.Fatal(err)
					}
					if _, err := a.Units(fmt.Sprint(l), f, m, m, nil, false); err != nil {
						b.Fatal(err)
					}
				}
			}
			analyse() // compile every shape once
			b.ResetTimer()
			for range b.N {
				analyse()
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
