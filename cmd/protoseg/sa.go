package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

func init() {
	register("sa", "input separableness S_x of one image against its mask (JSON on stdout)", runSA)
}

// saReport is the JSON written by `protoseg sa`.
type saReport struct {
	// SA is Dice(S_x, G), or the metric named by Metric: how well ProtoSeg on the
	// raw input channels, with prototypes from the mask, reproduces the mask (the
	// paper's input separableness).
	SA float64 `json:"sa"`
	// Metric is the name of the SA metric (protoseg.Metric: dice by default).
	Metric string `json:"metric"`
	// ForegroundFraction is the fraction of mask pixels that are object.
	ForegroundFraction float64 `json:"foreground_fraction"`
	// SAMForegroundFraction is the fraction of pixels the SAM calls object.
	SAMForegroundFraction float64 `json:"sam_foreground_fraction"`
	Channels              int     `json:"channels"`
	Height                int     `json:"height"`
	Width                 int     `json:"width"`
	// Slice is the NIfTI slice used, when a volume was read.
	Slice *int `json:"slice,omitempty"`
	// Images and Mask are the input files.
	Images []string `json:"images"`
	Mask   string   `json:"mask"`
	// Resize is the resize method (unused when image and mask have the same size).
	Resize string `json:"resize"`
	// Note explains a convention that applied, e.g. for an empty mask.
	Note string `json:"note,omitempty"`
}

func runSA(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sa", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	maskPath := fs.String("mask", "", "mask file: PNG or NIfTI label volume (required); object = value > 0")
	slice := fs.Int("slice", -1, "NIfTI slice index along the third array axis (default: the middle slice)")
	label := fs.Int("label", -1, "keep only this label of the mask as object (default: every label > 0)")
	samPath := fs.String("sam", "", "also write the SAM as a black/white PNG to this file")
	nanPolicy := fs.String("nan", "error", "NaN or Inf voxels in an image: error (name the file and the count) or zero (treat them as 0)")
	var metric protoseg.Metric
	fs.Var(&metric, "metric", metricUsage)
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: protoseg sa --mask MASK [--metric NAME] [--slice K] [--label L] [--nan error|zero] [--sam OUT.png] IMAGE [IMAGE...]")
		fmt.Fprintln(os.Stderr, "\nInput separableness S_x (the paper's Table 3): ProtoSeg on the raw image channels with")
		fmt.Fprintln(os.Stderr, "prototypes from the mask, scored by Dice (or --metric) against the mask. Several IMAGEs are stacked as")
		fmt.Fprintln(os.Stderr, "channels (e.g. BraTS' four modalities); each channel is min-max scaled to [0,1].")
		fs.PrintDefaults()
	}
	if err := fs.Parse(reorderFlags(fs, args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *maskPath == "" || fs.NArg() == 0 {
		fs.Usage()
		return errors.New("need --mask and at least one IMAGE")
	}
	if *nanPolicy != "error" && *nanPolicy != "zero" {
		return fmt.Errorf("--nan %q: want error or zero", *nanPolicy)
	}
	report, sam, err := separableness(fs.Args(), *maskPath, *slice, *label, *nanPolicy == "zero", metric)
	if err != nil {
		return err
	}
	if *samPath != "" {
		if err := writeMaskPNG(*samPath, sam, report.Height, report.Width); err != nil {
			return err
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(report)
}

// reorderFlags moves flags after positional arguments to the front, so that
// `sa IMAGE --mask M` works like `sa --mask M IMAGE`.
func reorderFlags(fs *flag.FlagSet, args []string) []string {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") {
				if f := fs.Lookup(name); f != nil && i+1 < len(args) {
					if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !bf.IsBoolFlag() {
						flags = append(flags, args[i+1])
						i++
					}
				}
			}
			continue
		}
		positional = append(positional, a)
	}
	return append(flags, positional...)
}

// nanHint is appended to a NonFiniteError: how the command treats NaN as 0.
const nanHint = " (use --nan zero to treat them as 0)"

// separableness computes S_x of the stacked images against the mask and returns
// the report and the SAM (H·W values, 1 = object), scored by metric.
func separableness(imagePaths []string, maskPath string, slice, label int, nanToZero bool, metric protoseg.Metric) (*saReport, []uint8, error) {
	report := &saReport{Images: imagePaths, Mask: maskPath, Resize: protoseg.Bilinear.String(), Metric: metric.String()}
	img, k, err := data.ReadStacked(imagePaths, slice, nanToZero)
	if err != nil {
		return nil, nil, withNaNHint(err)
	}
	if k >= 0 {
		report.Slice = &k
	}
	mask, err := readSAMask(maskPath, slice, label, img, imagePaths[0], report)
	if err != nil {
		return nil, nil, err
	}
	h, w, c := img.Height, img.Width, img.Channels
	report.Height, report.Width, report.Channels = h, w, c
	analyzer, err := newMetricAnalyzer(metric)
	if err != nil {
		return nil, nil, err
	}
	maskT := tensors.FromFlatDataAndDimensions(mask, 1, h, w)
	feature := tensors.FromFlatDataAndDimensions(data.MinMaxChannels(img), 1, h, w, c)
	res, err := analyzer.Layer("input "+imagePaths[0], feature, maskT, maskT, nil)
	if err != nil {
		return nil, nil, err
	}
	report.SA = res.SA[0]
	sam := res.SAM[0]
	n := 0
	for _, v := range sam {
		n += int(v)
	}
	report.SAMForegroundFraction = float64(n) / float64(h*w)
	switch {
	case res.EmptyObject[0]:
		report.Note = "empty mask: the object prototype is undefined, so the SAM is all background; two empty maps score 1 by convention (every metric)"
	case res.EmptyBackground[0]:
		report.Note = "mask covers the whole image: the background prototype is undefined, so the SAM is all object"
	}
	return report, sam, nil
}

// readSAMask reads the mask plane (object: label, or every label > 0), checks it
// against img (read from first), and records its slice and foreground fraction in
// report. It returns the mask as H·W values, 1 = object.
func readSAMask(path string, slice, label int, img *data.Image, first string, report *saReport) ([]float64, error) {
	plane, k, err := data.ReadPlane(path, slice)
	if err != nil {
		return nil, err
	}
	if err := data.CheckFinite(path, plane, false); err != nil {
		return nil, withNaNHint(err)
	}
	if k >= 0 {
		report.Slice = &k
	}
	if plane.Height != img.Height || plane.Width != img.Width {
		return nil, fmt.Errorf("%s: mask is %d×%d but image %s is %d×%d", path,
			plane.Height, plane.Width, first, img.Height, img.Width)
	}
	m, objects := data.ObjectMask(plane, data.ObjectRule(label))
	mask := make([]float64, len(m))
	for i, v := range m {
		mask[i] = float64(v)
	}
	report.ForegroundFraction = float64(objects) / float64(len(m))
	return mask, nil
}

// newMetricAnalyzer returns an analyzer scoring by metric on the chosen backend.
func newMetricAnalyzer(metric protoseg.Metric) (*protoseg.Analyzer, error) {
	backend, err := newBackend()
	if err != nil {
		return nil, err
	}
	return metricAnalyzer(backend, metric)
}

// withNaNHint adds to a NonFiniteError how the command treats NaN as 0.
func withNaNHint(err error) error {
	var nf *data.NonFiniteError
	if errors.As(err, &nf) {
		return fmt.Errorf("%w%s", err, nanHint)
	}
	return err
}

// writeMaskPNG writes a binary map as a black (0) / white (1) PNG.
func writeMaskPNG(path string, m []uint8, h, w int) error {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i, v := range m {
		if v != 0 {
			img.SetGray(i%w, i/w, color.Gray{Y: 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}
