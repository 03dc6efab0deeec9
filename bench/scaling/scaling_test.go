// Package scaling times one U-Net configuration on the project's CPU backend
// for the scaling table (bench/scaling.sh): an offline Adam training step and
// an inference pass (logits and the 18 feature maps), batch of size×size
// single-channel images, as unet/bench_test.go does. It is a test-only
// package; TestScaling runs only when SCALING_BASE and SCALING_SIZE are set,
// and is meant to run as one process per configuration under
// /usr/bin/time -v for the peak RSS:
//
//	go test -c -o /tmp/scaling ./bench/scaling
//	SCALING_BASE=16 SCALING_SIZE=128 /usr/bin/time -v /tmp/scaling -test.run TestScaling -test.v
//
// It prints one line: base, size, batch, the median training-step and
// inference times in ms (after one untimed step each, which compiles the
// graph). Optional: SCALING_STEPS (timed repetitions, 3), SCALING_BATCH (10),
// SCALING_ONLY ("train" or "infer").
package scaling

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
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

// TestScaling times the configuration named by $SCALING_BASE and
// $SCALING_SIZE (skipped when they are unset).
func TestScaling(t *testing.T) {
	if os.Getenv("SCALING_BASE") == "" || os.Getenv("SCALING_SIZE") == "" {
		t.Skip("SCALING_BASE and SCALING_SIZE unset (bench/scaling.sh sets them)")
	}
	env := func(name string, def int) int {
		v, err := strconv.Atoi(os.Getenv(name))
		if err != nil {
			return def
		}
		return v
	}
	line, err := run(env("SCALING_BASE", 8), env("SCALING_SIZE", 64), env("SCALING_STEPS", 3),
		env("SCALING_BATCH", 10), os.Getenv("SCALING_ONLY"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(line)
}

// run times the configuration and returns its line.
func run(base, size, steps, batch int, only string) (string, error) {
	backend, err := cpubackend.New("")
	if err != nil {
		return "", fmt.Errorf("scaling: backend: %w", err)
	}
	cfg := unet.Config{Base: base, InChannels: 1}
	if err := cfg.Validate(); err != nil {
		return "", fmt.Errorf("scaling: %w", err)
	}
	images, masks := batchOf(batch, size)
	trainMs, inferMs := -1.0, -1.0
	if only != "infer" {
		if trainMs, err = timeTrain(backend, cfg, images, masks, steps); err != nil {
			return "", err
		}
	}
	if only != "train" {
		if inferMs, err = timeInference(backend, cfg, images, steps); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("base=%d size=%d batch=%d train_ms=%.1f infer_ms=%.1f", base, size, batch, trainMs, inferMs), nil
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
