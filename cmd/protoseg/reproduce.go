package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/study"
	"github.com/protoseg-go/protoseg-go/unet"
)

func init() {
	register("reproduce", "train offline+online models, run every analysis, write figures 5–16, tables 1–3 and index.html", runReproduce)
}

// Presets of `protoseg reproduce`.
var (
	// defaultPreset is the embedded default: the five stand-ins on a laptop CPU.
	defaultPreset = preset{size: 64, base: 8, epochs: 6, train: 120, test: 40}
	// quickPreset is the small configuration for CI and first looks.
	quickPreset = preset{size: 32, base: 4, epochs: 2, train: 40, test: 20}
)

type preset struct{ size, base, epochs, train, test int }

func runReproduce(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("reproduce", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	datasets := fs.String("datasets", "all", "\"all\" (the five stand-ins) or a comma-separated list of dataset names")
	root := fs.String("root", "", "folder of a real dataset (when --datasets names one)")
	out := fs.String("out", "out/reproduce", "output folder: checkpoints, figNN.png/svg, tables.md, index.html")
	quick := fs.Bool("quick", false, fmt.Sprintf("small configuration for CI (size %d, Base %d, %d epochs, %d/%d images)",
		quickPreset.size, quickPreset.base, quickPreset.epochs, quickPreset.train, quickPreset.test))
	base := fs.Int("base", 0, fmt.Sprintf("U-Net width (default %d; the paper: 64)", defaultPreset.base))
	size := fs.Int("size", 0, fmt.Sprintf("image side, multiple of 16 (default %d; the paper: 256)", defaultPreset.size))
	epochs := fs.Int("epochs", 0, fmt.Sprintf("training epochs (default %d; the paper: 50)", defaultPreset.epochs))
	trainN := fs.Int("train", 0, fmt.Sprintf("training images per stand-in (default %d)", defaultPreset.train))
	testN := fs.Int("test", 0, fmt.Sprintf("test images per stand-in (default %d)", defaultPreset.test))
	lr := fs.Float64("lr", unet.DefaultLearningRate, "Adam learning rate (the paper: 1e-4)")
	seed := fs.Uint64("seed", 1, "seed of data, training and noise")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	p := defaultPreset
	if *quick {
		p = quickPreset
	}
	for _, o := range []struct {
		flag int
		dst  *int
	}{{*base, &p.base}, {*size, &p.size}, {*epochs, &p.epochs}, {*trainN, &p.train}, {*testN, &p.test}} {
		if o.flag > 0 {
			*o.dst = o.flag
		}
	}
	names, err := study.ParseDatasets(*datasets)
	if err != nil {
		return err
	}
	backend, err := newBackend()
	if err != nil {
		return err
	}
	cfg := study.Config{
		Datasets: names,
		Data:     data.Options{Root: *root, Size: p.size, Seed: *seed, TrainCount: p.train, TestCount: p.test},
		Out:      *out,
		Seed:     *seed,
		Describe: fmt.Sprintf("datasets %s · %d×%d · U-Net Base %d · %d epochs · lr %g · seed %d",
			*datasets, p.size, p.size, p.base, p.epochs, *lr, *seed),
	}
	trainer := &study.UNetTrainer{
		Backend:  backend,
		Model:    unet.Config{Base: p.base},
		Training: unet.TrainConfig{Epochs: p.epochs, LearningRate: *lr, Seed: *seed},
		Progress: stdout,
	}
	fmt.Fprintf(stdout, "reproducing on backend %s: %s\n", backend.Name(), cfg.Describe)
	_, err = study.Run(cfg, backend, trainer, stdout)
	return err
}
