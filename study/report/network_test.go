package report

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// TestNetworkReport analyses a 2D and a 3D case directory and writes the report
// with figures: every figure in PNG and SVG, index.html, results.json as given;
// Fig. 5's series is the JSON's mean_sa; the shown cases are the lowest, median
// and highest μ; 2D SAMs score the case's layer SA against the label; 3D views
// pass through the centre of mass of B.
func TestNetworkReport(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, spatial := range [][]int{{12, 14}, {8, 12, 10}} {
		paths, cs := fixture.CasePaths(t, rng, spatial, 4)
		b := fixture.MustBackend(t)
		a := fixture.Analyzer(t)
		rep, err := measure.AnalyzeCases(b, a, paths, measure.CaseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		maps, err := measure.CaseFigureMaps(a, paths, rep, measure.CaseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkMaps(t, rep, maps, cs)
		out := filepath.Join(t.TempDir(), "report")
		r := &NetworkReport{Source: filepath.Dir(paths[0]), JSON: []byte(`{"cases":4}`), Report: &rep.FeatureReport, Maps: maps}
		if err := r.Write(out); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"index.html", ResultsFile, "fig05.png", "fig05.svg", "fig06.png", "fig06.svg", "fig07.png", "fig07.svg", "fig09.png", "fig09.svg", "fig12.png", "fig12.svg"} {
			st, err := os.Stat(filepath.Join(out, f))
			if err != nil || st.Size() == 0 {
				t.Errorf("%v: %s missing or empty: %v", spatial, f, err)
			}
		}
		if js, _ := os.ReadFile(filepath.Join(out, ResultsFile)); string(js) != `{"cases":4}` {
			t.Errorf("results.json %q, want the JSON given", js)
		}
		page, _ := os.ReadFile(filepath.Join(out, "index.html"))
		for _, s := range []string{"thirds of the layers by index", fixture.CaseLayerNames[2], "fig12.png"} {
			if !strings.Contains(string(page), s) {
				t.Errorf("index.html lacks %q", s)
			}
		}
		if len(spatial) == 3 && !strings.Contains(string(page), "centre of mass of B") {
			t.Errorf("3D index.html does not say how the slices are placed")
		}
	}
}

// checkMaps checks the figure inputs against the report and the generated cases.
func checkMaps(t *testing.T, rep *measure.CaseReport, maps *measure.FigureMaps, cs []fixture.SynthCase) {
	t.Helper()
	s := LayerSASeries(&rep.FeatureReport)
	for l, lay := range rep.Layers {
		if s.Mean[l] != lay.MeanSA || s.Range.Lo[l] != slices.Min(lay.SA) || s.Range.Hi[l] != slices.Max(lay.SA) {
			t.Errorf("layer %d: series %g [%g, %g], want mean_sa %g over %v", l, s.Mean[l], s.Range.Lo[l], s.Range.Hi[l], lay.MeanSA, lay.SA)
		}
	}
	if !reflect.DeepEqual(maps.Layers, []int{0, 1, 2}) || len(maps.Detail) != 3 || len(maps.Ranked) != 4 {
		t.Fatalf("maps: layers %v, %d detail, %d ranked", maps.Layers, len(maps.Detail), len(maps.Ranked))
	}
	order := measure.RankPicks(rep.Mu, 4)
	for k, want := range []int{order[0], order[1], order[3]} {
		if maps.Detail[k].Index != want {
			t.Errorf("detail case %d is case %d, want %d (lowest, median, highest μ)", k, maps.Detail[k].Index, want)
		}
	}
	for _, c := range maps.Detail {
		sc := cs[c.Index]
		n := fixture.Prod(sc.Spatial)
		fg := make([]float32, n)
		for i := range fg {
			fg[i] = 1 - float32(sc.Probs[i])
		}
		if want := measure.ObjectCentre(fg, sc.Spatial); !reflect.DeepEqual(c.Centre, want) {
			t.Errorf("case %s: centre %v, want %v", c.Name, c.Centre, want)
		}
		if len(sc.Spatial) == 3 {
			checkAxial(t, c, fg, sc)
			continue
		}
		v := c.Views[0]
		for l, sam := range v.SAMs {
			d, err := protoseg.DiceScore(sam, v.Truth)
			if err != nil || math.Abs(d-rep.Layers[l].SA[c.Index]) > 1e-9 {
				t.Errorf("case %s layer %d: Dice(SAM, G) %g, want the case's SA %g (%v)", c.Name, l, d, rep.Layers[l].SA[c.Index], err)
			}
		}
		for _, h := range v.Heat {
			if h < 0 || h > 1 {
				t.Fatalf("case %s: heat %g outside [0,1]", c.Name, h)
			}
		}
	}
}

// checkAxial checks that a 3D case's axial view is the plane d = centre of B
// and its coronal and sagittal views have the right sizes.
func checkAxial(t *testing.T, c measure.ShownCase, fg []float32, sc fixture.SynthCase) {
	t.Helper()
	d, h, w := sc.Spatial[0], sc.Spatial[1], sc.Spatial[2]
	if len(c.Views) != 3 || c.Views[0].H != h || c.Views[0].W != w || c.Views[1].H != d || c.Views[1].W != w || c.Views[2].H != d || c.Views[2].W != h {
		t.Fatalf("case %s: views %d, sizes wrong", c.Name, len(c.Views))
	}
	z := c.Centre[0]
	for p := range h * w {
		if c.Views[0].Output[p] != fg[z*h*w+p] || c.Views[0].Truth[p] != uint8(sc.Label[z*h*w+p]) {
			t.Fatalf("case %s: axial view is not the plane d = %d", c.Name, z)
		}
	}
	if len(c.Views[0].SAMs) != 3 || len(c.Views[2].Heat) != d*h {
		t.Errorf("case %s: %d SAMs, heat %d pixels", c.Name, len(c.Views[0].SAMs), len(c.Views[2].Heat))
	}
}

// TestNetworkReportNoHalfWrite: a report whose figures cannot be drawn writes
// nothing, and a report into an existing folder replaces only its own files.
func TestNetworkReportNoHalfWrite(t *testing.T) {
	rep := &measure.FeatureReport{Images: 1, Against: "gt", Mu: []float64{0.5},
		Layers: []measure.FeatureLayer{{Name: "a", MeanSA: 0.5, SA: []float64{0.5}, UnitMeanSA: []float64{0.2, 0.8}}}}
	view := measure.CaseView{H: 2, W: 2, Output: []float32{1, 0, 0, 0}, B: []uint8{1, 0, 0, 0}, SAMs: [][]uint8{{1, 0, 0, 0}}, Heat: []float32{1, 0, 0, 0}}
	bad := view
	bad.SAMs = nil // one layer shown, no SAM
	parent := t.TempDir()
	out := filepath.Join(parent, "report")
	maps := &measure.FigureMaps{Layers: []int{0}, Detail: []measure.ShownCase{{Name: "c", Views: []measure.CaseView{bad}}}, Ranked: []measure.ShownCase{{Name: "c", Views: []measure.CaseView{view}}}}
	r := &NetworkReport{Source: "x", JSON: []byte("{}"), Report: rep, Maps: maps}
	if err := r.Write(out); err == nil {
		t.Fatal("bad maps: no error")
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Fatalf("failed report left %v", entries)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644)
	os.WriteFile(filepath.Join(out, ResultsFile), []byte("old"), 0o644)
	maps.Detail[0].Views[0] = view
	if err := r.Write(out); err != nil {
		t.Fatal(err)
	}
	notes, _ := os.ReadFile(filepath.Join(out, "notes.txt"))
	js, _ := os.ReadFile(filepath.Join(out, ResultsFile))
	if string(notes) != "mine" || string(js) != "{}" {
		t.Errorf("existing folder: notes %q, results %q", notes, js)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 1 {
		t.Errorf("temporary folder left behind: %v", entries)
	}
}
