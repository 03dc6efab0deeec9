// Command scaling times one U-Net configuration on the project's CPU backend:
// an offline Adam training step and an inference pass (logits and the 18
// feature maps), batch 10 of size×size single-channel images, as
// unet/bench_test.go does. Run it once per configuration under
// /usr/bin/time -v to read the peak RSS:
//
//	/usr/bin/time -v go run ./bench/scaling -base 16 -size 128 -steps 3
//
// It prints one line: base, size, the median training step and inference
// times in ms (after one untimed step each, which compiles the graph).
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/protoseg-go/protoseg-go/cpubackend"
	"github.com/protoseg-go/protoseg-go/unet"
)

func main() {
	base := flag.Int("base", 8, "U-Net Base (channels of the first layer)")
	size := flag.Int("size", 64, "image height and width (a multiple of 16)")
	steps := flag.Int("steps", 3, "timed repetitions of each measurement")
	batch := flag.Int("batch", 10, "batch size")
	only := flag.String("only", "", `"train" or "infer" to time only one of them`)
	flag.Parse()
	if err := run(*base, *size, *steps, *batch, *only); err != nil {
		log.Fatal(err)
	}
}

// run times the configuration and prints its line.
func run(base, size, steps, batch int, only string) error {
	backend, err := cpubackend.New("")
	if err != nil {
		return fmt.Errorf("scaling: backend: %w", err)
	}
	cfg := unet.Config{Base: base, InChannels: 1}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("scaling: %w", err)
	}
	images, masks := batchOf(batch, size)
	trainMs, inferMs := -1.0, -1.0
	if only != "infer" {
		if trainMs, err = timeTrain(backend, cfg, images, masks, steps); err != nil {
			return err
		}
	}
	if only != "train" {
		if inferMs, err = timeInference(backend, cfg, images, steps); err != nil {
			return err
		}
	}
	fmt.Printf("base=%d size=%d batch=%d train_ms=%.1f infer_ms=%.1f\n", base, size, batch, trainMs, inferMs)
	return nil
}

// batchOf returns n noise images [n, size, size, 1] and masks [n, size, size]
// (a centred square): the values do not change the timing.
func batchOf(n, size int) (images, masks *tensors.Tensor) {
	rng := rand.New(rand.NewPCG(1, 2))
	img := make([]float32, n*size*size)
	for i := range img {
		img[i] = rng.Float32()
	}
	m := make([]float32, n*size*size)
	for i := range m {
		y, x := (i/size)%size, i%size
		if y > size/4 && y < 3*size/4 && x > size/4 && x < 3*size/4 {
			m[i] = 1
		}
	}
	images = tensors.FromFlatDataAndDimensions(img, n, size, size, 1)
	masks = tensors.FromFlatDataAndDimensions(m, n, size, size)
	return images, masks
}

// timeTrain returns the median time of an offline Adam step in ms.
func timeTrain(backend backends.Backend, cfg unet.Config, images, masks *tensors.Tensor, steps int) (float64, error) {
	tc := unet.TrainConfig{Mode: unet.Offline}
	trainer := train.NewTrainer(backend, context.New(),
		func(ctx *context.Context, _ any, inputs []*Node) []*Node {
			out := unet.Model(ctx, cfg, inputs[0])
			return append([]*Node{out.Logits}, out.Features...)
		},
		func(labels, predictions []*Node) *Node {
			return unet.Loss(&unet.Output{Logits: predictions[0], Features: predictions[1:]}, labels[0], tc)
		},
		optimizers.Adam().Done(), nil, nil)
	return medianMs(steps, func() error {
		_, err := trainer.TrainStep(nil, []*tensors.Tensor{images}, []*tensors.Tensor{masks})
		if err != nil {
			return fmt.Errorf("scaling: train step: %w", err)
		}
		return nil
	})
}

// timeInference returns the median time in ms of a forward pass returning the
// logits and the 18 feature maps (fresh variables).
func timeInference(backend backends.Backend, cfg unet.Config, images *tensors.Tensor, steps int) (float64, error) {
	exec, err := context.NewExec(backend, context.New().Checked(false), func(ctx *context.Context, x *Node) []*Node {
		out := unet.Model(ctx, cfg, x)
		return append([]*Node{out.Logits}, out.Features...)
	})
	if err != nil {
		return 0, fmt.Errorf("scaling: inference: %w", err)
	}
	return medianMs(steps, func() error {
		outs, err := exec.Exec(images)
		if err != nil {
			return fmt.Errorf("scaling: inference: %w", err)
		}
		for _, t := range outs {
			t.FinalizeAll()
		}
		return nil
	})
}

// medianMs runs f once untimed, then steps times, and returns the median in ms.
func medianMs(steps int, f func() error) (float64, error) {
	if err := f(); err != nil {
		return 0, err
	}
	var ms []float64
	for range max(steps, 1) {
		t0 := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		ms = append(ms, float64(time.Since(t0).Microseconds())/1e3)
	}
	slices.Sort(ms)
	return ms[len(ms)/2], nil
}
