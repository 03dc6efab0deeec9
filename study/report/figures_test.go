package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/study/claims"
	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/unet"
)

// fakeResults runs the threshold model as both "offline" and "online" on a tiny
// dataset, with made-up VoG and noise values.
func fakeResults(t *testing.T, name string, n int) *measure.DatasetResults {
	t.Helper()
	a := fixture.Analyzer(t)
	ds := fixture.TinyDataset(n)
	ds.Name = name
	model := measure.ThresholdModel{Layers: unet.NumLayers, Units: 9}
	off, err := measure.Analyze(a, model, ds, measure.AnalyzeOptions{Examples: 2})
	if err != nil {
		t.Fatal(err)
	}
	on, err := measure.Analyze(a, model, ds, measure.AnalyzeOptions{Examples: 2})
	if err != nil {
		t.Fatal(err)
	}
	sx, sams, err := measure.Separableness(a, ds, 4)
	if err != nil {
		t.Fatal(err)
	}
	r := &measure.DatasetResults{Dataset: ds, Offline: off, Online: on, Sx: sx, SxMaps: sams, NoiseLevels: []float64{0.5, 1}}
	for i := range n {
		r.VoG = append(r.VoG, float64(n-i))
	}
	noise, err := measure.NoiseStudy(a, model, ds, off.LayerSA, r.NoiseLevels, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	r.Noise = noise
	return r
}

func TestFiguresAndTables(t *testing.T) {
	rs := []*measure.DatasetResults{fakeResults(t, "brats-synth", 6), fakeResults(t, "isic-synth", 5)}
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
	if len(tables) != 4 || tables[3].Name != "calibration" {
		t.Fatalf("%d tables, want Tables 1–3 and the calibration table", len(tables))
	}
	// Calibration: brats-synth is synthetic, the paper's S_x for BraTS is 0.657.
	if cal := tables[3].Rows[0]; cal[0] != "brats-synth" || cal[1] != "yes" || cal[3] != "0.657" || cal[5] != "0.847" {
		t.Fatalf("calibration row %v", cal)
	}
	// The threshold model is perfect: Dice 1 and S_18 = 1 in Table 1.
	md := tables[0].Markdown()
	if !strings.Contains(md, "brats-synth") || !strings.Contains(md, "1.0000") {
		t.Fatalf("table 1:\n%s", md)
	}
}

func TestWriteReport(t *testing.T) {
	rs := []*measure.DatasetResults{fakeResults(t, "pancreas-synth", 5)}
	figs, err := Figures(rs)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := Tables(rs)
	if err != nil {
		t.Fatal(err)
	}
	findings := claims.Findings(rs)
	if len(findings) < 5 {
		t.Fatalf("%d findings checked, want ≥ 5", len(findings))
	}
	dir := t.TempDir()
	if err := WriteReport(dir, figs, tables, findings, ReportInfo{Config: "test", Backend: "go"}); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 5; i <= 16; i++ {
		for _, ext := range []string{"png", "svg"} {
			name := fmt.Sprintf("fig%02d.%s", i, ext)
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Fatalf("%s missing: %v", name, err)
			}
		}
		if !strings.Contains(string(page), fmt.Sprintf("fig%02d.png", i)) {
			t.Fatalf("index.html does not show fig%02d", i)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "tables.md")); err != nil {
		t.Fatal(err)
	}
	// The perfect fake model makes S_x = 1 on pancreas: the report must say the
	// finding fails rather than hide it.
	if !strings.Contains(string(page), `<td class="no">fails</td>`) {
		t.Fatal("report hides a finding that does not hold")
	}
}
