package main

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
)

// metricReport is the part of analyze's JSON the metric tests read.
type metricReport struct {
	Metric string `json:"metric"`
	Layers []struct {
		Name       string    `json:"name"`
		MeanSA     float64   `json:"mean_sa"`
		SA         []float64 `json:"sa"`
		UnitMeanSA []float64 `json:"unit_mean_sa"`
	} `json:"layers"`
	Mu []float64 `json:"mu"`
}

func runMetricAnalyze(t *testing.T, args ...string) metricReport {
	t.Helper()
	var out bytes.Buffer
	if err := runAnalyze(args, &out); err != nil {
		t.Fatalf("analyze %v: %v", args, err)
	}
	var rep metricReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err, out.String())
	}
	return rep
}

// TestAnalyzeMetric: `analyze --metric NAME` on two 6×6 images whose box mask
// (3×3, 9 of 36 pixels) is unit 0 of layer "conv" and whose unit 1 is constant
// (an empty SAM): layer and unit 0 score 1 by every metric; unit 1 scores
// dice 0, jaccard 0, sensitivity 0, specificity 1, accuracy 27/36, nsd 0. On the
// up-sampled layer "small", Jaccard = Dice / (2 − Dice) image by image.
func TestAnalyzeMetric(t *testing.T) {
	dir := t.TempDir()
	const n, h, w = 2, 6, 6
	mask, feat := squareFixture(n, h, w)
	small := make([]float32, n*3*3*3)
	for i := range small {
		small[i] = float32(i%5) + float32(i%7)/3
	}
	fpath, bpath := filepath.Join(dir, "F.npz"), filepath.Join(dir, "B.npy")
	if err := data.WriteNPZ(fpath, []data.NamedArray{{Name: "small", Shape: []int{n, 3, 3, 3}, Values: small},
		{Name: "conv", Shape: []int{n, 2, h, w}, Values: feat}}); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteNPY(bpath, []int{n, h, w}, mask); err != nil {
		t.Fatal(err)
	}
	dice := runMetricAnalyze(t, "--features", fpath, "--output", bpath)
	unit1 := map[string]float64{"dice": 0, "jaccard": 0, "sensitivity": 0, "specificity": 1, "accuracy": 27.0 / 36, "nsd": 0}
	for _, name := range metricNames {
		rep := runMetricAnalyze(t, "--features", fpath, "--output", bpath, "--metric", name)
		conv := rep.Layers[1]
		if rep.Metric != name || conv.MeanSA != 1 || conv.UnitMeanSA[0] != 1 || math.Abs(conv.UnitMeanSA[1]-unit1[name]) > 1e-12 {
			t.Fatalf("%s: metric %q, conv layer SA %v, units %v; want 1, [1 %v]", name, rep.Metric, conv.MeanSA, conv.UnitMeanSA, unit1[name])
		}
		if name != "jaccard" {
			continue
		}
		for i, d := range dice.Layers[0].SA {
			if want := d / (2 - d); math.Abs(rep.Layers[0].SA[i]-want) > 1e-12 {
				t.Fatalf("jaccard of small, image %d: %v, want Dice/(2 − Dice) = %v", i, rep.Layers[0].SA[i], want)
			}
		}
	}
	if dice.Metric != "dice" {
		t.Fatalf("default metric %q, want dice", dice.Metric)
	}
	var out bytes.Buffer
	err := runAnalyze([]string{"--features", fpath, "--output", bpath, "--metric", "iou"}, &out)
	if err == nil || !strings.Contains(err.Error(), `"iou"`) || !strings.Contains(err.Error(), strings.Join(metricNames, ", ")) || out.Len() != 0 {
		t.Fatalf("--metric iou: %v, stdout %q; want an error naming it and listing %v", err, out.String(), metricNames)
	}
}

// TestAnalyzeCasesMetric: `analyze --cases DIR --metric NAME` scores the box
// cases (unit 0 and the layer reproduce the label) as 1 by every metric and
// names the metric.
func TestAnalyzeCasesMetric(t *testing.T) {
	dir := t.TempDir()
	for i, s := range [][2]int{{8, 8}, {12, 6}} {
		out, feat := boxCase(s[0], s[1])
		lab := out
		lab.Name, lab.DType = data.LabelKey, "int64"
		if err := data.WriteTypedNPZ(filepath.Join(dir, []string{"case_b.npz", "case_a.npz"}[i]), i == 0, feat, out, lab); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range metricNames {
		rep := runMetricAnalyze(t, "--cases", dir, "--metric", name)
		lay := rep.Layers[0]
		if rep.Metric != name || lay.MeanSA != 1 || lay.UnitMeanSA[0] != 1 || len(rep.Mu) != 2 {
			t.Fatalf("%s: metric %q, layer SA %v, unit 0 %v, μ %v", name, rep.Metric, lay.MeanSA, lay.UnitMeanSA, rep.Mu)
		}
	}
}
