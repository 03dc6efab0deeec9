package study

import (
	"strings"
	"testing"
)

// fakeResults runs the threshold model as both "offline" and "online" on a tiny
// dataset, with made-up VoG and noise values.
func fakeResults(t *testing.T, name string, n int) *DatasetResults {
	t.Helper()
	a := newAnalyzer(t)
	ds := tinyDataset(n)
	ds.Name = name
	model := thresholdModel{layers: NumLayers, units: 9}
	off, err := Analyze(a, model, ds, AnalyzeOptions{Examples: 2})
	if err != nil {
		t.Fatal(err)
	}
	on, err := Analyze(a, model, ds, AnalyzeOptions{Examples: 2})
	if err != nil {
		t.Fatal(err)
	}
	sx, sams, err := Separableness(a, ds, 4)
	if err != nil {
		t.Fatal(err)
	}
	r := &DatasetResults{Dataset: ds, Offline: off, Online: on, Sx: sx, SxMaps: sams, NoiseLevels: []float64{0.5, 1}}
	for i := range n {
		r.VoG = append(r.VoG, float64(n-i))
	}
	noise, err := NoiseStudy(a, model, ds, off.LayerSA, r.NoiseLevels, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	r.Noise = noise
	return r
}

func TestFiguresAndTables(t *testing.T) {
	rs := []*DatasetResults{fakeResults(t, "brats-synth", 6), fakeResults(t, "isic-synth", 5)}
	figs, err := Figures(rs)
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 12 {
		t.Fatalf("%d figures, want 12 (5–16)", len(figs))
	}
	for i, f := range figs {
		png, err := f.PNG()
		if err != nil || len(png) < 1000 {
			t.Fatalf("figure %d: %d PNG bytes, %v", i+5, len(png), err)
		}
	}
	tables, err := Tables(rs)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 3 {
		t.Fatalf("%d tables, want 3", len(tables))
	}
	// The threshold model is perfect: Dice 1 and S_18 = 1 in Table 1.
	md := tables[0].Markdown()
	if !strings.Contains(md, "brats-synth") || !strings.Contains(md, "1.0000") {
		t.Fatalf("table 1:\n%s", md)
	}
}
