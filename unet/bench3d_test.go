package unet

import (
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/protoseg-go/protoseg-go/bench/cputime"
)

// bench3DBatch is a batch of n ball volumes d×h×w with 1 channel.
func bench3DBatch(b *testing.B, n, d, h, w int) (images, masks *tensors.Tensor) {
	ds := balls(n, d, h, w, 5)
	all := append(ds.Train, ds.Test...)
	images, masks, err := ds.Batch(all[:n])
	if err != nil {
		b.Fatal(err)
	}
	return images, masks
}

// bench3DShapes are the 3D benchmark's shapes: Base 8, 32×64×64 volumes,
// batch 2 (bench/compare3d.sh runs PyTorch's Conv3d U-Net on the same).
var bench3DShapes = []struct{ base, batch, d, h, w int }{{8, 2, 32, 64, 64}}

// BenchmarkTrainStep3D measures one offline Adam step of the 3D U-Net,
// reporting volumes/s.
func BenchmarkTrainStep3D(b *testing.B) {
	for _, s := range bench3DShapes {
		b.Run(fmt.Sprintf("base=%d/size=%dx%dx%d/batch=%d", s.base, s.d, s.h, s.w, s.batch), func(b *testing.B) {
			trainer := newTestTrainer(b, Config{Base: s.base, InChannels: 1, Dims: 3}, TrainConfig{Mode: Offline})
			images, masks := bench3DBatch(b, s.batch, s.d, s.h, s.w)
			step := func() {
				if _, err := trainer.TrainStep(nil, []*tensors.Tensor{images}, []*tensors.Tensor{masks}); err != nil {
					b.Fatal(err)
				}
			}
			step() // compile
			cpu0 := cputime.Process()
			b.ResetTimer()
			for range b.N {
				step()
			}
			b.ReportMetric(float64(s.batch*b.N)/b.Elapsed().Seconds(), "volumes/s")
			b.ReportMetric((cputime.Process()-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkInference3D measures a forward pass of the 3D U-Net with all 18
// features, reporting volumes/s.
func BenchmarkInference3D(b *testing.B) {
	for _, s := range bench3DShapes {
		b.Run(fmt.Sprintf("base=%d/size=%dx%dx%d/batch=%d", s.base, s.d, s.h, s.w, s.batch), func(b *testing.B) {
			cfg := Config{Base: s.base, InChannels: 1, Dims: 3}
			if err := cfg.Validate(); err != nil {
				b.Fatal(err)
			}
			net, err := newNetwork(testBackend(b), context.New(), cfg, "")
			if err != nil {
				b.Fatal(err)
			}
			images, _ := bench3DBatch(b, s.batch, s.d, s.h, s.w)
			if _, err := net.Forward(images); err != nil {
				b.Fatal(err)
			}
			cpu0 := cputime.Process()
			b.ResetTimer()
			for range b.N {
				if _, err := net.Forward(images); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(s.batch*b.N)/b.Elapsed().Seconds(), "volumes/s")
			b.ReportMetric((cputime.Process()-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/op")
		})
	}
}
