package study

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// TestExampleCasesReadBack: the six files ExampleCases writes are read back by
// the per-case reader with the layers in order, at the promised shapes (the
// down-sampled ones smaller than the output), 2-class probabilities and a 0/1
// label; the same seed writes the same bytes.
func TestExampleCasesReadBack(t *testing.T) {
	dir := t.TempDir()
	paths, err := ExampleCases(dir, 6, 1)
	if err != nil {
		t.Fatal(err)
	}
	listed, err := data.ListCases(dir)
	if err != nil || !slices.Equal(listed, paths) || len(paths) != 6 {
		t.Fatalf("listed %v (%v), wrote %v", listed, err, paths)
	}
	var names []string
	for _, l := range ExampleLayers {
		names = append(names, l.Name)
	}
	for i, path := range paths {
		c, err := data.OpenCase(path)
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.ReadOutput(0)
		if err != nil {
			t.Fatal(err)
		}
		size := exampleSizes[i%len(exampleSizes)]
		if c.Output != data.ProbabilitiesKey || !c.HasLabel || !slices.Equal(c.Layers, names) ||
			out.Classes != 2 || !slices.Equal(out.Spatial, size[:]) {
			t.Fatalf("%s: output %q label %v layers %v classes %d spatial %v", path, c.Output, c.HasLabel, c.Layers, out.Classes, out.Spatial)
		}
		fg := 0
		for _, g := range out.Truth.Float32 {
			fg += int(g)
		}
		if frac := float64(fg) / float64(len(out.Truth.Float32)); frac < 0.03 || frac > 0.4 {
			t.Errorf("%s: object covers %.3f of the case", path, frac)
		}
		for _, l := range ExampleLayers {
			a, err := c.Layer(l.Name, out.Spatial)
			if err != nil {
				t.Fatal(err)
			}
			if want := []int{l.Units, size[0] / l.Down, size[1] / l.Down}; a.DType != "float16" || !slices.Equal(a.Shape, want) {
				t.Errorf("%s: %s is %s %v, want float16 %v", path, l.Name, a.DType, a.Shape, want)
			}
		}
		c.Close()
	}
	again, err := ExampleCases(filepath.Join(dir, "again"), 6, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range paths {
		a, _ := os.ReadFile(paths[i])
		b, _ := os.ReadFile(again[i])
		if !bytes.Equal(a, b) {
			t.Fatalf("%s and %s differ: the same seed must write the same files", paths[i], again[i])
		}
	}
}

// TestExampleCasesAnalysis: analysed as `analyze --cases --out` does, the toy
// network's informative layers score a clearly higher SA than its noise layer,
// the last layer has both active and inertia units, μ spreads over the cases,
// and every figure of the report is written.
func TestExampleCasesAnalysis(t *testing.T) {
	dir := t.TempDir()
	if _, err := ExampleCases(filepath.Join(dir, "cases"), 6, 1); err != nil {
		t.Fatal(err)
	}
	b := fixture.MustBackend(t)
	rep, err := AnalyzeCaseDir(b, filepath.Join(dir, "cases"), filepath.Join(dir, "report"), measure.CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	if err := rep.WriteLayerTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("μ %.3f\n%s", rep.Mu, table.String())
	sa := map[string]float64{}
	for _, l := range rep.Layers {
		sa[l.Name] = l.MeanSA
	}
	noise := sa["encoder.stages.2.0.convs.0"]
	for _, name := range []string{"encoder.stages.0.0.convs.0", "decoder.stages.0.convs.0", "decoder.stages.1.convs.1"} {
		if sa[name] < noise+0.2 || sa[name] < 0.6 {
			t.Errorf("informative layer %s: SA %.3f, noise layer %.3f: want ≥ 0.6 and ≥ noise + 0.2", name, sa[name], noise)
		}
	}
	if noise > 0.5 {
		t.Errorf("noise layer SA %.3f, want ≤ 0.5", noise)
	}
	last := rep.Layers[len(rep.Layers)-1]
	if last.ActiveUnits < 2 || last.ActiveUnits >= len(last.UnitMeanSA) {
		t.Errorf("last layer: %d of %d units active, want some active and some inertia", last.ActiveUnits, len(last.UnitMeanSA))
	}
	if lo, hi := slices.Min(rep.Mu), slices.Max(rep.Mu); hi-lo < 0.1 {
		t.Errorf("μ spans only [%.3f, %.3f] over the cases", lo, hi)
	}
	for _, f := range []string{"fig05", "fig06", "fig07", "fig09", "fig12"} {
		for _, ext := range []string{".png", ".svg"} {
			if st, err := os.Stat(filepath.Join(dir, "report", f+ext)); err != nil || st.Size() == 0 {
				t.Errorf("report: %s%s missing or empty (%v)", f, ext, err)
			}
		}
	}
	if !strings.Contains(table.String(), "decoder.stages.1.convs.1") {
		t.Errorf("layer table without the last layer:\n%s", table.String())
	}
}
