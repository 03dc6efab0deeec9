package main

import (
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"strings"

	"github.com/protoseg-go/protoseg-go/data"
)

func init() {
	register("data", "print a dataset's counts, shapes and object sizes; write a preview grid PNG", runData)
}

// runData implements "protoseg data": it loads one dataset, prints its summary and
// optionally writes a preview grid of its first test images with mask contours.
func runData(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("data", flag.ContinueOnError)
	fs.SetOutput(stdout)
	name := fs.String("dataset", "", "dataset name: "+strings.Join(data.Names(), ", "))
	root := fs.String("root", "", "folder of a real dataset (not needed for *-synth)")
	size := fs.Int("size", data.DefaultSize, "height and width samples are resized to")
	seed := fs.Uint64("seed", 1, "seed of the synthetic generators and of the train/test split")
	keepEmpty := fs.Bool("keep-empty", false, "keep slices without object")
	out := fs.String("out", "", "write a preview grid PNG here")
	n := fs.Int("n", 16, "number of test images in the preview")
	cols := fs.Int("cols", 4, "columns of the preview grid")
	scale := fs.Int("scale", 3, "pixel magnification of the preview")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" {
		return fmt.Errorf("--dataset is required (one of %s)", strings.Join(data.Names(), ", "))
	}
	d, err := data.Load(*name, data.Options{Root: *root, Size: *size, Seed: *seed, KeepEmpty: *keepEmpty})
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, d.Summary())
	if *out == "" {
		return nil
	}
	samples := d.Test
	if len(samples) < *n {
		samples = append(append([]data.Sample{}, d.Test...), d.Train...)
	}
	samples = samples[:min(*n, len(samples))]
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := png.Encode(f, d.Preview(samples, *cols, *scale)); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "preview of %d images written to %s\n", len(samples), *out)
	return nil
}
