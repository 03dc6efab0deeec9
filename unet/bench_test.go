package unet

import (
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/protoseg-go/protoseg-go/bench/cputime"
)

// benchBatch is a batch of 10 disc images of the given size with 1 channel.
func benchBatch(b *testing.B, size int) (images, masks *tensors.Tensor) {
	ds := discs(10, size, 5)
	all := append(ds.Train, ds.Test...)
	images, masks, err := ds.Batch(all[:10])
	if err != nil {
		b.Fatal(err)
	}
	return images, masks
}

// BenchmarkTrainStep measures one Adam step of the U-Net (batch 10), offline and
// online, reporting images/s.
func BenchmarkTrainStep(b *testing.B) {
	for _, mode := range Modes() {
		for _, base := range []int{8, 16} {
			for _, size := range []int{64, 128} {
				b.Run(fmt.Sprintf("%s/base=%d/size=%d", mode, base, size), func(b *testing.B) {
					benchTrainStep(b, mode, base, size)
				})
			}
		}
	}
}

// newTestTrainer builds an Adam trainer of the U-Net cfg with the loss of tc on
// the test backend (a fresh context), as train.go does.
func newTestTrainer(tb testing.TB, cfg Config, tc TrainConfig) *train.Trainer {
	tb.Helper()
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	if err := tc.fill(); err != nil {
		tb.Fatal(err)
	}
	return train.NewTrainer(testBackend(tb), context.New(),
		func(ctx *context.Context, _ any, inputs []*graph.Node) []*graph.Node {
			out := Model(ctx, cfg, inputs[0])
			return append([]*graph.Node{out.Logits}, out.Features...)
		},
		func(labels, predictions []*graph.Node) *graph.Node {
			return Loss(&Output{Logits: predictions[0], Features: predictions[1:]}, labels[0], tc)
		},
		optimizers.Adam().Done(), nil, nil)
}

// benchTrainStep measures Adam steps of a U-Net of the given Base on batches of 10
// images of the given size, reporting images/s.
func benchTrainStep(b *testing.B, mode Mode, base, size int) {
	trainer := newTestTrainer(b, Config{Base: base, InChannels: 1}, TrainConfig{Mode: mode})
	images, masks := benchBatch(b, size)
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
	b.ReportMetric(float64(10*b.N)/b.Elapsed().Seconds(), "images/s")
	b.ReportMetric((cputime.Process()-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/op")
}

// BenchmarkInference measures a forward pass with all 18 features (batch 10),
// each pass's prediction released (Prediction.Release) as a loop over
// batches does, so the backend reuses its buffers.
func BenchmarkInference(b *testing.B) {
	for _, base := range []int{8, 16} {
		for _, size := range []int{64, 128} {
			b.Run(fmt.Sprintf("base=%d/size=%d", base, size), func(b *testing.B) {
				backend := testBackend(b)
				cfg := Config{Base: base, InChannels: 1}
				if err := cfg.Validate(); err != nil {
					b.Fatal(err)
				}
				net, err := newNetwork(backend, context.New(), cfg, "")
				if err != nil {
					b.Fatal(err)
				}
				images, _ := benchBatch(b, size)
				if _, err := net.Forward(images); err != nil {
					b.Fatal(err)
				}
				cpu0 := cputime.Process()
				b.ResetTimer()
				for range b.N {
					pred, err := net.Forward(images)
					if err != nil {
						b.Fatal(err)
					}
					if err := pred.Release(); err != nil { // as a loop over batches does
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(10*b.N)/b.Elapsed().Seconds(), "images/s")
				b.ReportMetric((cputime.Process()-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/op")
			})
		}
	}
}
