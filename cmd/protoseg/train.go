package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/unet"
)

func init() {
	register("train", "train the U-Net offline or online on a dataset, with checkpoints and a history file", runTrain)
}

func runTrain(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	dataset := fs.String("dataset", "brats-synth", "dataset name ("+strings.Join(data.Names(), ", ")+")")
	root := fs.String("root", "", "folder of a real dataset")
	mode := fs.String("mode", unet.Offline.String(), "offline (cross-entropy) or online (+ SA loss on every layer)")
	epochs := fs.Int("epochs", unet.DefaultEpochs, "epochs (the paper: 50)")
	base := fs.Int("base", 8, "width of the first layer (the paper: 64)")
	size := fs.Int("size", data.DefaultSize, "image side, a multiple of 16 (the paper: 256)")
	depth := fs.Int("depth", 0, fmt.Sprintf("slices per volume: a 3D stand-in (%s) gives volumes of this depth (0: %d); a real dataset gives volumes when it is > 1; volumes train the 3D U-Net", strings.Join(data.StandIns3D(), ", "), data.DefaultDepth))
	lr := fs.Float64("lr", unet.DefaultLearningRate, "Adam learning rate, halved every --halve epochs (the paper: 1e-4)")
	halve := fs.Int("halve", unet.DefaultHalveEvery, "halve the learning rate every this many epochs")
	batch := fs.Int("batch", unet.DefaultBatchSize, "batch size")
	seed := fs.Uint64("seed", 1, "seed of data, initialisation and batch order")
	upsample := fs.String("upsample", unet.UpsampleTranspose.String(), "up-sampling: transpose (2×2 transposed conv) or resize (nearest 2×)")
	objectWeight := fs.Float64("object-weight", 1, "weight of object pixels in the cross-entropy (1: the paper's plain CE)")
	maskSource := fs.String("mask", unet.MaskOutput, "online SA prototypes from the network output (output) or the ground truth (gt)")
	out := fs.String("out", "", "folder for checkpoints, config.json and history.jsonl (required)")
	bar := fs.Bool("progress", true, "show GoMLX's progress bar (false: one line per step)")
	stall := fs.Duration("stall", 20*time.Minute, "fail with a goroutine dump if no training step finishes for this long (0: never)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *out == "" {
		fs.Usage()
		return errors.New("--out is required")
	}
	ds, err := data.Load(*dataset, data.Options{Root: *root, Size: *size, Depth: *depth, Seed: *seed})
	if err != nil {
		return err
	}
	backend, err := newBackend()
	if err != nil {
		return err
	}
	cfg := unet.Config{Base: *base, InChannels: ds.Channels, Upsample: unet.Upsample(*upsample)}
	shape := fmt.Sprintf("%d×%d×%d", ds.Height, ds.Width, ds.Channels)
	if ds.Volumetric() {
		cfg.Dims = 3
		shape = fmt.Sprintf("%d×%d×%d×%d volumes", ds.Depth, ds.Height, ds.Width, ds.Channels)
	}
	tc := unet.TrainConfig{Mode: unet.Mode(*mode), Epochs: *epochs, BatchSize: *batch, LearningRate: *lr, HalveEvery: *halve,
		Seed: *seed, MaskSource: *maskSource, ObjectWeight: *objectWeight, ProgressBar: *bar, StallTimeout: *stall}
	fmt.Fprintf(stdout, "training %s on %s (%d train / %d test, %s), Base %d, backend %s\n",
		*mode, ds.Name, len(ds.Train), len(ds.Test), shape, *base, backend.Name())
	net, err := unet.Train(backend, cfg, tc, ds, *out, stdout)
	if err != nil {
		return err
	}
	dice, err := net.TestDice(ds, *batch)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "test Dice %.4f; checkpoints and history in %s\n", dice, *out)
	return nil
}
