package study

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

func TestObjectCentreAndViews(t *testing.T) {
	// A 4 × 6 × 5 volume whose value codes its coordinates: v = 100d + 10h + w.
	dims := []int{4, 6, 5}
	vol := make([]float32, prod(dims))
	for i := range vol {
		x := coords(i, dims)
		vol[i] = float32(100*x[0] + 10*x[1] + x[2])
	}
	// B: two voxels, (1, 2, 3) and (3, 4, 3): centre (2, 3, 3).
	b := make([]float32, len(vol))
	b[(1*6+2)*5+3], b[(3*6+4)*5+3] = 1, 0.9
	c := objectCentre(b, dims)
	if !reflect.DeepEqual(c, []int{2, 3, 3}) {
		t.Fatalf("centre %v, want [2 3 3]", c)
	}
	if c := objectCentre(make([]float32, len(vol)), dims); !reflect.DeepEqual(c, []int{2, 3, 2}) {
		t.Fatalf("centre of an empty B %v, want the middle [2 3 2]", c)
	}
	planes, err := viewPlanes(dims, []int{2, 3, 3})
	if err != nil {
		t.Fatal(err)
	}
	// axial: d = 2, H × W; coronal: h = 3, D × W; sagittal: w = 3, D × H.
	want := []struct {
		h, w int
		at   func(y, x int) float32
	}{
		{6, 5, func(y, x int) float32 { return float32(200 + 10*y + x) }},
		{4, 5, func(y, x int) float32 { return float32(100*y + 30 + x) }},
		{4, 6, func(y, x int) float32 { return float32(100*y + 10*x + 3) }},
	}
	for i, p := range planes {
		if !strings.HasPrefix(p.name, ViewNames[i]) || p.h != want[i].h || p.w != want[i].w {
			t.Fatalf("view %d: %q %d×%d, want %s %d×%d", i, p.name, p.h, p.w, ViewNames[i], want[i].h, want[i].w)
		}
		s := slicePlane(vol, p)
		for y := range p.h {
			for x := range p.w {
				if s[y*p.w+x] != want[i].at(y, x) {
					t.Fatalf("%s (%d, %d) = %g, want %g", p.name, y, x, s[y*p.w+x], want[i].at(y, x))
				}
			}
		}
	}
	if _, err := viewPlanes([]int{7}, []int{3}); err == nil {
		t.Error("1D map: no error")
	}
}

func TestShownLayersAndRankPicks(t *testing.T) {
	if got := ShownLayers(18, 6); !reflect.DeepEqual(got, []int{0, 3, 7, 10, 14, 17}) {
		t.Errorf("ShownLayers(18, 6) = %v", got)
	}
	if got := ShownLayers(4, 6); !reflect.DeepEqual(got, []int{0, 1, 2, 3}) {
		t.Errorf("ShownLayers(4, 6) = %v", got)
	}
	mu := []float64{0.5, 0.1, 0.9, 0.3, 0.7}
	if got := rankPicks(mu, 3); !reflect.DeepEqual(got, []int{1, 0, 2}) {
		t.Errorf("rankPicks lowest/median/highest = %v, want [1 0 2]", got)
	}
	if got := rankPicks(mu[:2], 3); !reflect.DeepEqual(got, []int{1, 0}) {
		t.Errorf("rankPicks of 2 = %v, want [1 0] (no repeats)", got)
	}
}

// writeCaseDir writes n generated cases of the given spatial shape.
func writeCaseDir(t *testing.T, rng *rand.Rand, spatial []int, n int) (string, []synthCase) {
	t.Helper()
	dir := t.TempDir()
	var cs []synthCase
	for i := range n {
		c := makeCase(rng, spatial, "float16")
		c.write(t, filepath.Join(dir, fmt.Sprintf("case_%d.npz", i)), i%2 == 0)
		cs = append(cs, c)
	}
	return dir, cs
}

// TestNetworkReport analyses a 2D and a 3D case directory and writes the report
// with figures: every figure in PNG and SVG, index.html, results.json as given;
// Fig. 5's series is the JSON's mean_sa; the shown cases are the lowest, median
// and highest μ; 2D SAMs score the case's layer SA against the label; 3D views
// pass through the centre of mass of B.
func TestNetworkReport(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, spatial := range [][]int{{12, 14}, {8, 12, 10}} {
		dir, cs := writeCaseDir(t, rng, spatial, 4)
		paths, err := data.ListCases(dir)
		if err != nil {
			t.Fatal(err)
		}
		b, err := testBackend()
		if err != nil {
			t.Fatal(err)
		}
		a := newAnalyzer(t)
		rep, err := AnalyzeCases(b, a, paths, CaseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		maps, err := CaseFigureMaps(a, paths, rep, CaseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkMaps(t, rep, maps, cs)
		out := filepath.Join(t.TempDir(), "report")
		r := &NetworkReport{Source: dir, JSON: []byte(`{"cases":4}`), Report: &rep.FeatureReport, Maps: maps}
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
		for _, s := range []string{"thirds of the layers by index", caseLayerNames[2], "fig12.png"} {
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
func checkMaps(t *testing.T, rep *CaseReport, maps *FigureMaps, cs []synthCase) {
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
	order := rankPicks(rep.Mu, 4)
	for k, want := range []int{order[0], order[1], order[3]} {
		if maps.Detail[k].Index != want {
			t.Errorf("detail case %d is case %d, want %d (lowest, median, highest μ)", k, maps.Detail[k].Index, want)
		}
	}
	for _, c := range maps.Detail {
		sc := cs[c.Index]
		n := prod(sc.spatial)
		fg := make([]float32, n)
		for i := range fg {
			fg[i] = 1 - float32(sc.probs[i])
		}
		if want := objectCentre(fg, sc.spatial); !reflect.DeepEqual(c.Centre, want) {
			t.Errorf("case %s: centre %v, want %v", c.Name, c.Centre, want)
		}
		if len(sc.spatial) == 3 {
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
func checkAxial(t *testing.T, c ShownCase, fg []float32, sc synthCase) {
	t.Helper()
	d, h, w := sc.spatial[0], sc.spatial[1], sc.spatial[2]
	if len(c.Views) != 3 || c.Views[0].H != h || c.Views[0].W != w || c.Views[1].H != d || c.Views[1].W != w || c.Views[2].H != d || c.Views[2].W != h {
		t.Fatalf("case %s: views %d, sizes wrong", c.Name, len(c.Views))
	}
	z := c.Centre[0]
	for p := range h * w {
		if c.Views[0].Output[p] != fg[z*h*w+p] || c.Views[0].Truth[p] != uint8(sc.label[z*h*w+p]) {
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
	rep := &FeatureReport{Images: 1, Against: "gt", Mu: []float64{0.5},
		Layers: []FeatureLayer{{Name: "a", MeanSA: 0.5, SA: []float64{0.5}, UnitMeanSA: []float64{0.2, 0.8}}}}
	view := CaseView{H: 2, W: 2, Output: []float32{1, 0, 0, 0}, B: []uint8{1, 0, 0, 0}, SAMs: [][]uint8{{1, 0, 0, 0}}, Heat: []float32{1, 0, 0, 0}}
	bad := view
	bad.SAMs = nil // one layer shown, no SAM
	parent := t.TempDir()
	out := filepath.Join(parent, "report")
	maps := &FigureMaps{Layers: []int{0}, Detail: []ShownCase{{Name: "c", Views: []CaseView{bad}}}, Ranked: []ShownCase{{Name: "c", Views: []CaseView{view}}}}
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

// TestFigureMapsStream: with 12 cases the figure pass reads again only the 3
// detail cases (with layers) and the 8 ranked ones (output only), each once and in
// case order, and keeps only 2D views of them.
func TestFigureMapsStream(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	dir, _ := writeCaseDir(t, rng, []int{6, 8, 8}, 12)
	paths, err := data.ListCases(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := testBackend()
	if err != nil {
		t.Fatal(err)
	}
	a := newAnalyzer(t)
	rep, err := AnalyzeCases(b, a, paths, CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var opened, withLayers []int
	onFigureCase = func(i int, detail bool) {
		opened = append(opened, i)
		if detail {
			withLayers = append(withLayers, i)
		}
	}
	defer func() { onFigureCase = nil }()
	maps, err := CaseFigureMaps(a, paths, rep, CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]bool{}
	for _, i := range rankPicks(rep.Mu, ShownRanked) {
		want[i] = true
	}
	for _, i := range rankPicks(rep.Mu, ShownDetail) {
		want[i] = true
	}
	if len(opened) != len(want) || !slices.IsSorted(opened) || len(withLayers) != ShownDetail || len(maps.Ranked) != ShownRanked {
		t.Fatalf("opened %v (want each of %v once, in order), with layers %v, %d ranked", opened, want, withLayers, len(maps.Ranked))
	}
	for _, i := range opened {
		if !want[i] {
			t.Errorf("case %d read again but not shown", i)
		}
	}
	for _, c := range append(append([]ShownCase{}, maps.Detail...), maps.Ranked...) {
		for _, v := range c.Views {
			if len(v.Output) != v.H*v.W || v.H*v.W > 8*8 {
				t.Errorf("case %s view %q: %d values for %d×%d", c.Name, v.Name, len(v.Output), v.H, v.W)
			}
		}
		if c.Views[0].SAMs != nil && !slices.Contains(withLayers, c.Index) {
			t.Errorf("case %s has SAMs without its layers read", c.Name)
		}
	}
}
