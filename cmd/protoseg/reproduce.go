package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
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

// reproduceFlags are the reproduce command's flags.
type reproduceFlags struct {
	fs                                *flag.FlagSet
	datasets, root, out, metrics      *string
	cpuProfile                        *string
	quick                             *bool
	base, size, epochs, trainN, testN *int
	dims, depth                       *int
	seeds, seedWorkers, dsWorkers     *int
	lr, objectWeight                  *float64
	seed                              *uint64
}

// newReproduceFlags defines the flags, with the default preset's values in
// their help.
func newReproduceFlags() *reproduceFlags {
	fs := flag.NewFlagSet("reproduce", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	d, q := study.DefaultPreset(), study.QuickPreset()
	return &reproduceFlags{fs: fs,
		datasets: fs.String("datasets", "all", "\"all\" (the five stand-ins) or a comma-separated list of dataset names"),
		root:     fs.String("root", "", "folder of a real dataset (when --datasets names one), or name=dir pairs for several, e.g. brats=/data/BraTS2020,isic=/data/ISIC2017 (--datasets then defaults to the names given)"),
		out:      fs.String("out", "out/reproduce", "output folder: checkpoints, figNN.png/svg, tables.md, index.html"),
		quick: fs.Bool("quick", false, fmt.Sprintf("small configuration for CI (size %d, Base %d, %d epochs, %d/%d images)",
			q.Size, q.Base, q.Epochs, q.Train, q.Test)),
		dims: fs.Int("dims", 2, fmt.Sprintf("2: images and the paper's 2D U-Net; 3: volumes (the 3D stand-ins %s, or real volumes) and the 3D U-Net, default %s volumes (--quick %s)",
			strings.Join(data.StandIns3D(), ", "), study.Default3DPreset().Shape(), study.Quick3DPreset().Shape())),
		depth:  fs.Int("depth", 0, fmt.Sprintf("slices per volume with --dims 3 (default %d)", study.Default3DPreset().Depth)),
		base:   fs.Int("base", 0, fmt.Sprintf("U-Net width (default %d; the paper: 64)", d.Base)),
		size:   fs.Int("size", 0, fmt.Sprintf("image side, multiple of 16 (default %d; the paper: 256)", d.Size)),
		epochs: fs.Int("epochs", 0, fmt.Sprintf("training epochs (default %d; the paper: 50)", d.Epochs)),
		trainN: fs.Int("train", 0, fmt.Sprintf("training images per stand-in (default %d)", d.Train)),
		testN:  fs.Int("test", 0, fmt.Sprintf("test images per stand-in (default %d)", d.Test)),
		lr:     fs.Float64("lr", unet.DefaultLearningRate, "Adam learning rate (the paper: 1e-4)"),
		objectWeight: fs.Float64("object-weight", unet.AutoObjectWeight,
			"weight of object pixels in the cross-entropy: -1 = √(background/object) per dataset, capped at 10; 1 = the paper's plain CE"),
		seed:        fs.Uint64("seed", 1, "seed of data, training and noise (the first seed with --seeds)"),
		seeds:       fs.Int("seeds", 0, fmt.Sprintf("number of seeds (seed, seed+1, …; default %d, with --quick %d): with more than one, each is a full run into <out>/seed<s>, and <out> gets the findings combined over seeds and Figs. 5, 10, 11 with their spread", d.Seeds, q.Seeds)),
		seedWorkers: fs.Int("seed-workers", 0, fmt.Sprintf("seeds run at once, each on its own backend (default %d, twice the CPUs; about 0.9 GB each at the default preset; results do not depend on it)", study.DefaultSeedWorkers())),
		cpuProfile:  fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)"),
		dsWorkers:   fs.Int("dataset-workers", 0, "datasets of one seed run at once, each on its own backend (default: --seed-workers divided by the seeds running at once; at most 2 for volumes); results do not depend on it"),
		metrics:     fs.String("metric", "all", "SA metrics beyond Dice for the report's appendix (Fig. 5 and the findings re-judged per metric): all, none, or a comma-separated list of "+strings.Join(protoseg.MetricNames()[1:], ", ")),
	}
}

// preset is the default or quick preset with the flags' overrides, and the
// seeds to run.
func (f *reproduceFlags) preset() (study.Preset, []uint64, error) {
	var p study.Preset
	switch {
	case *f.dims == 3 && *f.quick:
		p = study.Quick3DPreset()
	case *f.dims == 3:
		p = study.Default3DPreset()
	case *f.dims != 2:
		return p, nil, fmt.Errorf("reproduce: --dims %d: want 2 or 3", *f.dims)
	case *f.quick:
		p = study.QuickPreset()
	default:
		p = study.DefaultPreset()
	}
	if *f.depth > 0 && *f.dims == 3 {
		p.Depth = *f.depth
	}
	if *f.seeds == 0 {
		*f.seeds = p.Seeds
	}
	for _, o := range []struct {
		flag int
		dst  *int
	}{{*f.base, &p.Base}, {*f.size, &p.Size}, {*f.epochs, &p.Epochs}, {*f.trainN, &p.Train}, {*f.testN, &p.Test}} {
		if o.flag > 0 {
			*o.dst = o.flag
		}
	}
	if *f.seeds < 1 {
		return p, nil, fmt.Errorf("reproduce: --seeds %d: need at least 1", *f.seeds)
	}
	var seedList []uint64
	for i := range *f.seeds {
		seedList = append(seedList, *f.seed+uint64(i))
	}
	return p, seedList, nil
}

// config is the study configuration of the flags, preset p and seeds.
func (f *reproduceFlags) config(p study.Preset, seedList []uint64) (study.Config, error) {
	given, roots, err := parseRoots(*f.root)
	if err != nil {
		return study.Config{}, err
	}
	if roots != nil && !flagSet(f.fs, "datasets") {
		*f.datasets = strings.Join(given, ",")
	}
	if *f.dims == 3 && !flagSet(f.fs, "datasets") && roots == nil {
		*f.datasets = "all3d"
	}
	appendix, err := measure.ParseMetrics(*f.metrics)
	if err != nil {
		return study.Config{}, err
	}
	names, err := data.ParseNames(*f.datasets)
	if err != nil {
		return study.Config{}, err
	}
	if err := checkRoots(roots, names); err != nil {
		return study.Config{}, err
	}
	dataRoot := *f.root
	if roots != nil {
		dataRoot = ""
	}
	seeds := fmt.Sprintf("seed %d", seedList[0])
	if len(seedList) > 1 {
		seeds = fmt.Sprintf("seeds %d–%d", seedList[0], seedList[len(seedList)-1])
	}
	return study.Config{
		Datasets:       names,
		Roots:          roots,
		Data:           data.Options{Root: dataRoot, Size: p.Size, Depth: p.Depth, Seed: *f.seed, TrainCount: p.Train, TestCount: p.Test},
		Out:            *f.out,
		Seed:           *f.seed,
		Metrics:        appendix,
		SeedWorkers:    *f.seedWorkers,
		DatasetWorkers: *f.dsWorkers,
		BatchSize:      p.BatchSize,
		Describe: fmt.Sprintf("datasets %s · %s · U-Net Base %d · %d epochs · lr %g · object weight %s · %s",
			*f.datasets, p.Shape(), p.Base, p.Epochs, *f.lr, weightName(*f.objectWeight), seeds),
	}, nil
}

// setup gives each seed its own backend and U-Net trainer of preset p.
func (f *reproduceFlags) setup(p study.Preset) study.SeedSetup {
	return func(s uint64, log io.Writer) (backends.Backend, study.Trainer, error) {
		b, err := newBackend()
		if err != nil {
			return nil, nil, err
		}
		t := p.Trainer(b, s, log)
		t.Training.LearningRate, t.Training.ObjectWeight = *f.lr, *f.objectWeight
		return b, t, nil
	}
}

func runReproduce(args []string, stdout io.Writer) error {
	f := newReproduceFlags()
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	p, seedList, err := f.preset()
	if err != nil {
		return err
	}
	cfg, err := f.config(p, seedList)
	if err != nil {
		return err
	}
	backend, err := newBackend()
	if err != nil {
		return err
	}
	stop, err := startCPUProfile(*f.cpuProfile)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "reproducing on backend %s: %s\n", backend.Name(), cfg.Describe)
	err = study.RunSeeds(cfg, seedList, f.setup(p), stdout)
	return errors.Join(err, stop())
}

// startCPUProfile starts a CPU profile written to path (none when path is
// empty) and returns the function that stops it and closes the file.
func startCPUProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	file, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("reproduce: --cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(file); err != nil {
		file.Close()
		return nil, fmt.Errorf("reproduce: --cpuprofile %s: %w", path, err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := file.Close(); err != nil {
			return fmt.Errorf("reproduce: --cpuprofile %s: %w", path, err)
		}
		return nil
	}, nil
}

// weightName describes an object weight for the report.
func weightName(w float64) string {
	if w < 0 {
		return "auto"
	}
	return fmt.Sprint(w)
}
