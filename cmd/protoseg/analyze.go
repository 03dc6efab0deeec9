package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/protoseg-go/protoseg-go/study/measure"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
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
	layout := fs.String("layout", string(measure.NCHW), "feature layout: nchw (channels first, PyTorch) or nhwc (channels last)")
	muLayers := fs.String("mu-layers", "", "comma-separated layers μ is taken over (default: the last two)")
	cases := fs.String("cases", "", "DIR of per-case <case>.npz files (layers C × [D ×] H × W by module path, probabilities or output, optional label); instead of --features/--output")
	class := fs.Int("class", 0, "with --cases: the foreground class k (probabilities[k], label == k); 0: everything but class 0")
	var metric protoseg.Metric
	fs.Var(&metric, "metric", metricUsage)
	out := fs.String("out", "", "DIR: also write DIR/index.html, DIR/results.json and the paper's Figs. 5, 6, 7, 9 and 12 for this network (PNG and SVG)")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: protoseg analyze --features F.npz --output B.npy [--gt G.npy] [--layout nchw|nhwc] [--mu-layers A,B] [--metric NAME] [--out DIR]")
		fmt.Fprintln(os.Stderr, "       protoseg analyze --cases DIR [--class k] [--mu-layers A,B] [--metric NAME] [--out DIR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	var mu []string
	if *muLayers != "" {
		mu = strings.Split(*muLayers, ",")
	}
	if *cases != "" {
		if *features != "" || *output != "" || *gt != "" || *layout != string(measure.NCHW) {
			return errors.New("analyze: --cases replaces --features, --output and --gt (and its layers are channels first)")
		}
		return analyzeCases(*cases, measure.CaseOptions{Class: *class, MuLayers: mu}, metric, *out, stdout)
	}
	if *features == "" || *output == "" {
		fs.Usage()
		return errors.New("need --features and --output (or --cases)")
	}
	lay, err := measure.ParseLayout(*layout)
	if err != nil {
		return err
	}
	rep, err := analyzeFiles(*features, *output, *gt, lay, mu, metric, *out)
	if err != nil {
		return err
	}
	return writeJSON(stdout, rep)
}

// marshalJSON is v as analyze prints it: indented JSON with a final newline.
func marshalJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// writeJSON writes v as indented JSON, all at once (nothing on error).
func writeJSON(w io.Writer, v any) error {
	b, err := marshalJSON(v)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// analyzeFiles reads B (and G) and analyses the layers of the .npz one at a time;
// with out it also writes the report for any network there.
func analyzeFiles(features, output, gt string, layout measure.Layout, mu []string, metric protoseg.Metric, out string) (*measure.FeatureReport, error) {
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
	a, err := metricAnalyzer(backend, metric)
	if err != nil {
		return nil, err
	}
	rep, err := measure.AnalyzeFeatures(a, z, b, g, layout, mu)
	if err != nil {
		return nil, data.InFile(features, err)
	}
	if out == "" {
		return rep, nil
	}
	maps, err := measure.FileFigureMaps(a, z, b, g, layout, rep)
	if err != nil {
		return nil, data.InFile(features, err)
	}
	return rep, writeNetworkReport(out, features, rep, rep, maps)
}
