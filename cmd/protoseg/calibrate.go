package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/study"
)

func init() {
	register("calibrate", "train the default preset's offline model on a stand-in and print its calibration row (Dice mean, SD, S_x vs the paper)", runCalibrate)
}

func runCalibrate(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	dataset := fs.String("dataset", "brats-synth", "stand-in ("+strings.Join(synthNames(), ", ")+")")
	seedList := fs.String("seeds", "", "comma-separated seeds; the targets apply to their mean (default: reproduce's seeds, 1…preset.Seeds)")
	out := fs.String("out", "out/calibrate", "folder of the calibration models (<out>/seed<s>/<dataset>/offline); never a folder of reproduce or the notebooks")
	quick := fs.Bool("quick", false, "the quick preset instead of the default (a smoke test; the targets are the default preset's)")
	images := fs.Bool("images", false, "also print every test image's Dice, S_x and difficulty (Sample.Meta), hardest first")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if _, err := data.ParseNames(*dataset); err != nil {
		return err
	}
	p := study.DefaultPreset()
	if *quick {
		p = study.QuickPreset()
	}
	if slices.Contains(data.StandIns3D(), *dataset) { // a volumetric stand-in: the 3D presets
		p = study.Default3DPreset()
		if *quick {
			p = study.Quick3DPreset()
		}
	}
	seeds := study.PresetSeeds(p)
	if *seedList != "" {
		var err error
		if seeds, err = parseSeeds(*seedList); err != nil {
			return err
		}
	}
	backend, err := newBackend()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "calibrating %s on backend %s: offline model, %s, U-Net Base %d, %d epochs, %d/%d images, seeds %v\n",
		*dataset, backend.Name(), p.Shape(), p.Base, p.Epochs, p.Train, p.Test, seeds)
	row, err := study.Calibrate(backend, p, *dataset, seeds, *out, io.Discard)
	if err != nil {
		return err
	}
	if *images {
		if err := study.WriteCalibrationImages(stdout, row); err != nil {
			return err
		}
	}
	return study.WriteCalibration(stdout, row)
}

// parseSeeds parses a comma-separated list of seeds.
func parseSeeds(s string) ([]uint64, error) {
	var seeds []uint64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("calibrate: seed %q: %w", f, err)
		}
		seeds = append(seeds, v)
	}
	return seeds, nil
}

// synthNames lists the registered stand-ins.
func synthNames() []string {
	var names []string
	for _, n := range data.Names() {
		if data.Synthetic(n) {
			names = append(names, n)
		}
	}
	return names
}
