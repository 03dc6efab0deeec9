package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study"
)

func init() {
	register("analyze", "layer and unit SA and μ of a network's features from any framework (.npz; JSON on stdout)", runAnalyze)
}

func runAnalyze(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	features := fs.String("features", "", "F.npz: one array per layer, in order, [N, C, H, W] or [N, C, D, H, W] (nchw) (required)")
	output := fs.String("output", "", "B.npy: the network's foreground probability or binary output [N, H, W] / [N, D, H, W] in [0,1] (required)")
	gt := fs.String("gt", "", "G.npy: ground truth shaped like B (optional; without it SA is scored against B)")
	layout := fs.String("layout", string(study.NCHW), "feature layout: nchw (channels first, PyTorch) or nhwc (channels last)")
	muLayers := fs.String("mu-layers", "", "comma-separated layers μ is taken over (default: the last two)")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: protoseg analyze --features F.npz --output B.npy [--gt G.npy] [--layout nchw|nhwc] [--mu-layers A,B]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *features == "" || *output == "" {
		fs.Usage()
		return errors.New("need --features and --output")
	}
	lay, err := study.ParseLayout(*layout)
	if err != nil {
		return err
	}
	var mu []string
	if *muLayers != "" {
		mu = strings.Split(*muLayers, ",")
	}
	rep, err := analyzeFiles(*features, *output, *gt, lay, mu)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// analyzeFiles reads B (and G) and analyses the layers of the .npz one at a time.
func analyzeFiles(features, output, gt string, layout study.Layout, mu []string) (*study.FeatureReport, error) {
	b, err := data.ReadNPY(output)
	if err != nil {
		return nil, err
	}
	var g *data.Array
	if gt != "" {
		if g, err = data.ReadNPY(gt); err != nil {
			return nil, err
		}
	}
	z, err := data.OpenNPZ(features)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	backend, err := newBackend()
	if err != nil {
		return nil, err
	}
	a, err := protoseg.NewAnalyzer(backend, protoseg.Bilinear)
	if err != nil {
		return nil, err
	}
	rep, err := study.AnalyzeFeatures(a, z, b, g, layout, mu)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", features, err)
	}
	return rep, nil
}
