package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/protoseg-go/protoseg-go/study/measure"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study"
	"github.com/protoseg-go/protoseg-go/unet"
)

func init() {
	register("reproduce", "train offline+online models over seeds, run every analysis, write figures 5–17, tables 1–4, index.html and results.json", runReproduce)
}

func runReproduce(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("reproduce", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	datasets := fs.String("datasets", "all", "\"all\" (the five stand-ins) or a comma-separated list of dataset names")
	root := fs.String("root", "", "folder of a real dataset (when --datasets names one), or name=dir pairs for several, e.g. brats=/data/BraTS2020,isic=/data/ISIC2017 (--datasets then defaults to the names given)")
	out := fs.String("out", "out/reproduce", "output folder: checkpoints, figNN.png/svg, tables.md, index.html")
	d, q := study.DefaultPreset(), study.QuickPreset()
	quick := fs.Bool("quick", false, fmt.Sprintf("small configuration for CI (size %d, Base %d, %d epochs, %d/%d images)",
		q.Size, q.Base, q.Epochs, q.Train, q.Test))
	base := fs.Int("base", 0, fmt.Sprintf("U-Net width (default %d; the paper: 64)", d.Base))
	size := fs.Int("size", 0, fmt.Sprintf("image side, multiple of 16 (default %d; the paper: 256)", d.Size))
	epochs := fs.Int("epochs", 0, fmt.Sprintf("training epochs (default %d; the paper: 50)", d.Epochs))
	trainN := fs.Int("train", 0, fmt.Sprintf("training images per stand-in (default %d)", d.Train))
	testN := fs.Int("test", 0, fmt.Sprintf("test images per stand-in (default %d)", d.Test))
	lr := fs.Float64("lr", unet.DefaultLearningRate, "Adam learning rate (the paper: 1e-4)")
	objectWeight := fs.Float64("object-weight", unet.AutoObjectWeight,
		"weight of object pixels in the cross-entropy: -1 = √(background/object) per dataset, capped at 10; 1 = the paper's plain CE")
	seed := fs.Uint64("seed", 1, "seed of data, training and noise (the first seed with --seeds)")
	seeds := fs.Int("seeds", 0, fmt.Sprintf("number of seeds (seed, seed+1, …; default %d, with --quick %d): with more than one, each is a full run into <out>/seed<s>, and <out> gets the findings combined over seeds and Figs. 5, 10, 11 with their spread", d.Seeds, q.Seeds))
	seedWorkers := fs.Int("seed-workers", 0, fmt.Sprintf("seeds run at once, each on its own backend (default %d, twice the CPUs; about 0.9 GB each at the default preset; results do not depend on it)", study.DefaultSeedWorkers()))
	metrics := fs.String("metric", "all", "SA metrics beyond Dice for the report's appendix (Fig. 5 and the findings re-judged per metric): all, none, or a comma-separated list of "+strings.Join(protoseg.MetricNames()[1:], ", "))
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	p := d
	if *quick {
		p = q
	}
	if *seeds == 0 {
		*seeds = p.Seeds
	}
	for _, o := range []struct {
		flag int
		dst  *int
	}{{*base, &p.Base}, {*size, &p.Size}, {*epochs, &p.Epochs}, {*trainN, &p.Train}, {*testN, &p.Test}} {
		if o.flag > 0 {
			*o.dst = o.flag
		}
	}
	given, roots, err := parseRoots(*root)
	if err != nil {
		return err
	}
	if roots != nil && !flagSet(fs, "datasets") {
		*datasets = strings.Join(given, ",")
	}
	appendix, err := measure.ParseMetrics(*metrics)
	if err != nil {
		return err
	}
	names, err := study.ParseDatasets(*datasets)
	if err != nil {
		return err
	}
	if err := checkRoots(roots, names); err != nil {
		return err
	}
	dataRoot := *root
	if roots != nil {
		dataRoot = ""
	}
	backend, err := newBackend()
	if err != nil {
		return err
	}
	cfg := study.Config{
		Datasets:    names,
		Roots:       roots,
		Data:        data.Options{Root: dataRoot, Size: p.Size, Seed: *seed, TrainCount: p.Train, TestCount: p.Test},
		Out:         *out,
		Seed:        *seed,
		Metrics:     appendix,
		SeedWorkers: *seedWorkers,
		Describe: fmt.Sprintf("datasets %s · %d×%d · U-Net Base %d · %d epochs · lr %g · object weight %s · seed %d",
			*datasets, p.Size, p.Size, p.Base, p.Epochs, *lr, weightName(*objectWeight), *seed),
	}
	if *seeds < 1 {
		return fmt.Errorf("reproduce: --seeds %d: need at least 1", *seeds)
	}
	var seedList []uint64
	for i := range *seeds {
		seedList = append(seedList, *seed+uint64(i))
	}
	if *seeds > 1 {
		cfg.Describe = fmt.Sprintf("datasets %s · %d×%d · U-Net Base %d · %d epochs · lr %g · object weight %s · seeds %d–%d",
			*datasets, p.Size, p.Size, p.Base, p.Epochs, *lr, weightName(*objectWeight), seedList[0], seedList[len(seedList)-1])
	}
	setup := func(s uint64, log io.Writer) (backends.Backend, study.Trainer, error) {
		b, err := newBackend()
		if err != nil {
			return nil, nil, err
		}
		return b, &study.UNetTrainer{
			Backend:  b,
			Model:    unet.Config{Base: p.Base},
			Training: unet.TrainConfig{Epochs: p.Epochs, LearningRate: *lr, Seed: s, ObjectWeight: *objectWeight},
			Progress: log,
		}, nil
	}
	fmt.Fprintf(stdout, "reproducing on backend %s: %s\n", backend.Name(), cfg.Describe)
	return study.RunSeeds(cfg, seedList, setup, stdout)
}

// weightName describes an object weight for the report.
func weightName(w float64) string {
	if w < 0 {
		return "auto"
	}
	return fmt.Sprint(w)
}
