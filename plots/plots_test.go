package plots

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"image/png"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
)

var (
	fixOnce sync.Once
	fix     fixtures
)

func getFix() fixtures {
	fixOnce.Do(func() { fix = makeFixtures() })
	return fix
}

func decodePNG(t *testing.T, f *Figure) image.Image {
	t.Helper()
	b, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: PNG does not decode: %v", f.Name, err)
	}
	wantW := int(float64(f.Width/72) * DefaultDPI)
	if d := img.Bounds().Dx() - wantW; d < -1 || d > 1 {
		t.Errorf("%s: PNG width %d, want %d", f.Name, img.Bounds().Dx(), wantW)
	}
	return img
}

func checkSVG(t *testing.T, f *Figure) string {
	t.Helper()
	s, err := f.SVG()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s, "<svg") {
		t.Fatalf("%s: no <svg> element", f.Name)
	}
	dec := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: SVG is not well-formed XML: %v", f.Name, err)
		}
	}
	return s
}

func countColor(img image.Image, want func(r, g, b uint8) bool) int {
	n := 0
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if want(uint8(r>>8), uint8(g>>8), uint8(b>>8)) {
				n++
			}
		}
	}
	return n
}

func isGreen(r, g, b uint8) bool { return g > 200 && r < 40 && b < 40 }
func isRed(r, g, b uint8) bool   { return r > 200 && g < 40 && b < 40 }

func TestEveryFigurePNGAndSVG(t *testing.T) {
	figs, _, err := renderAll(getFix())
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 12 {
		t.Fatalf("%d figures, want 12", len(figs))
	}
	names := map[string]bool{}
	for _, f := range figs {
		names[f.Name] = true
		img := decodePNG(t, f)
		svg := checkSVG(t, f)
		// image grids carry GT contours
		switch f.Name {
		case "fig06", "fig08", "fig09", "fig12", "fig13", "fig14":
			if countColor(img, isGreen) == 0 {
				t.Errorf("%s: no green GT contour pixel", f.Name)
			}
			if !strings.Contains(svg, "<image") {
				t.Errorf("%s: SVG has no embedded image", f.Name)
			}
		}
		if f.Name == "fig06" || f.Name == "fig12" {
			if countColor(img, isRed) == 0 {
				t.Errorf("%s: no red segmentation contour pixel", f.Name)
			}
		}
	}
	for i := 5; i <= 16; i++ {
		n := "fig" + string(rune('0'+i/10)) + string(rune('0'+i%10))
		if !names[n] {
			t.Errorf("missing %s", n)
		}
	}
}

// The contour sits exactly on the object boundary: GT outside, the
// segmentation inside.
func TestContourPlacement(t *testing.T) {
	const h, w, k = 8, 8, 4
	m := make([]uint8, h*w)
	for y := 2; y < 6; y++ {
		for x := 2; x < 6; x++ {
			m[y*w+x] = 1
		}
	}
	im := Image{Pix: make([]float32, h*w), H: h, W: w, C: 1}
	var row gridRow
	row.addImage(im, m, m, k, "")
	if row.err != nil || len(row.cells) != 1 {
		t.Fatalf("%d cells, error %v", len(row.cells), row.err)
	}
	r := row.cells[0].img.(*image.RGBA)
	// object spans up-scaled pixels 8..23; GT ring just outside (x = 7), seg ring just inside (x = 8)
	if c := r.RGBAAt(7, 16); c != ContourGT {
		t.Errorf("pixel left of the object is %v, want GT green", c)
	}
	if c := r.RGBAAt(8, 16); c != ContourSeg {
		t.Errorf("first object pixel is %v, want segmentation red", c)
	}
	if c := r.RGBAAt(16, 16); c == ContourGT || c == ContourSeg {
		t.Errorf("object centre is coloured %v", c)
	}
	if c := r.RGBAAt(0, 0); c == ContourGT || c == ContourSeg {
		t.Errorf("far background is coloured %v", c)
	}
}

// One small Fig. 6 example renders its input panel's GT contour in the PNG.
func TestFig6SmallPNG(t *testing.T) {
	f := getFix()
	ex := f.layerMap[0]
	ex.Offline, ex.Online = ex.Offline[:3], ex.Online[:3]
	ex.OfflineSA, ex.OnlineSA = ex.OfflineSA[:3], ex.OnlineSA[:3]
	fig, err := Fig6LayerSAMs([]LayerSAMs{ex})
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, fig)
	if countColor(img, isGreen) == 0 || countColor(img, isRed) == 0 {
		t.Error("Fig6 with 3 layers lacks green or red contours")
	}
}

func TestEmptyAndMismatchedInputs(t *testing.T) {
	f := getFix()
	isEmpty := func(err error) bool { return errors.Is(err, ErrEmpty) }
	cases := []struct {
		name  string
		err   error
		empty bool
	}{
		{"fig5 none", second(Fig5LayerSA(nil)), true},
		{"fig5 mismatch", second(Fig5LayerSA([]LayerSA{{Dataset: "x", Offline: []float64{1, 2}, Online: []float64{1}}})), false},
		{"fig5 NaN", second(Fig5LayerSA([]LayerSA{{Dataset: "x", Offline: []float64{math.NaN()}, Online: []float64{1}}})), false},
		{"fig5 six datasets", second(Fig5LayerSA(make([]LayerSA, 6))), false},
		{"fig6 none", second(Fig6LayerSAMs(nil)), true},
		{"fig6 bad mask", second(Fig6LayerSAMs([]LayerSAMs{{Dataset: "x", Image: f.layerMap[0].Image, GT: f.layerMap[0].GT, Offline: [][]uint8{{1}}, Online: [][]uint8{{1}}}})), false},
		{"fig6 bad image", second(Fig6LayerSAMs([]LayerSAMs{{Dataset: "x", Image: Image{Pix: []float32{1}, H: 2, W: 2, C: 1}}})), false},
		{"fig7 no units", second(Fig7UnitSA([]UnitSA{{Dataset: "x"}})), true},
		{"fig8 too few units", second(Fig8UnitSAMs([]UnitSAMs{{Dataset: "x", Image: f.unitMaps[0].Image, GT: f.unitMaps[0].GT, Units: f.unitMaps[0].Units[:2]}}, 1)), false},
		{"fig8 perGroup 0", second(Fig8UnitSAMs(f.unitMaps[:1], 0)), false},
		{"fig9 none", second(Fig9HeatMaps(nil)), true},
		{"fig9 heat size", second(Fig9HeatMaps([]HeatMap{{Dataset: "x", Image: f.heat[0].Image, GT: f.heat[0].GT, Heat: []float32{1}}})), false},
		{"fig10 no images", second(Fig10Scatter([]QualityScores{{Dataset: "x"}})), true},
		{"fig10 mismatch", second(Fig10Scatter([]QualityScores{{Dataset: "x", Dice: []float64{1, 2}, Mu: []float64{1}, VoG: []float64{1, 2}}})), false},
		{"fig11 no buckets", second(Fig11Buckets([]Buckets{{Dataset: "x"}})), true},
		{"fig11 edges", second(Fig11Buckets([]Buckets{{Dataset: "x", Mu: []float64{1}, VoG: []float64{1}, Edges: []float64{0}}})), false},
		{"fig12 no images", second(Fig12RankedByMu([]RankedPanels{{Dataset: "x"}})), true},
		{"fig12 scores", second(Fig12RankedByMu([]RankedPanels{{Dataset: "x", Panels: f.ranked[0].Panels}})), false},
		{"fig13 none", second(Fig13Examples(nil)), true},
		{"fig14 no S_x", second(Fig14Separableness([]RankedPanels{{Dataset: "x", Panels: []Panel{{Image: f.heat[0].Image, GT: f.heat[0].GT}}, Scores: []float64{0.5}}})), false},
		{"fig15 no images", second(Fig15Separableness([]Separableness{{Dataset: "x"}})), true},
		{"fig15 mismatch", second(Fig15Separableness([]Separableness{{Dataset: "x", SASx: []float64{1}, Dice: []float64{1, 2}}})), false},
		{"fig16 no levels", second(Fig16Noise([]NoiseSA{{Dataset: "x"}})), true},
		{"fig16 rows", second(Fig16Noise([]NoiseSA{{Dataset: "x", Levels: []float64{0.1, 0.2}, Diff: [][]float64{{0}}}})), false},
		{"fig16 levels differ", second(Fig16Noise([]NoiseSA{{Dataset: "x", Levels: []float64{0.1}, Diff: [][]float64{{0}}}, {Dataset: "y", Levels: []float64{0.2}, Diff: [][]float64{{0}}}})), false},
		{"table1 none", second(Table1(nil, "")), true},
		{"table2 none", second(Table2(nil, "")), true},
		{"table2 mismatch", second(Table2([]CoverageRow{{Dataset: "x", Coverage: []float64{100}, Dice: []MeanSD{{1, 0}}}, {Dataset: "y", Coverage: []float64{90}, Dice: []MeanSD{{1, 0}}}}, "")), false},
		{"table3 none", second(Table3(nil, "")), true},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if c.empty && !isEmpty(c.err) {
			t.Errorf("%s: error %q does not wrap ErrEmpty", c.name, c.err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestPearson(t *testing.T) {
	if r := PearsonOrNaN([]float64{1, 2, 3}, []float64{2, 4, 6}); math.Abs(r-1) > 1e-12 {
		t.Errorf("r = %v, want 1", r)
	}
	if r := PearsonOrNaN([]float64{1, 2, 3}, []float64{3, 2, 1}); math.Abs(r+1) > 1e-12 {
		t.Errorf("r = %v, want -1", r)
	}
	// closed form: x = 1,2,3,4; y = 1,3,2,4 → r = 0.8
	if r := PearsonOrNaN([]float64{1, 2, 3, 4}, []float64{1, 3, 2, 4}); math.Abs(r-0.8) > 1e-12 {
		t.Errorf("r = %v, want 0.8", r)
	}
	if r := PearsonOrNaN([]float64{1, 1}, []float64{1, 2}); !math.IsNaN(r) {
		t.Errorf("constant x: r = %v, want NaN", r)
	}
}

func TestTables(t *testing.T) {
	t1, err := Table1([]Table1Row{{Dataset: "brats-synth", OfflineB: MeanSD{0.8123, 0.11}, OfflineS18: MeanSD{0.7, 0.2}, OnlineB: MeanSD{0.81, 0.1}, OnlineS18: MeanSD{0.83, 0.1}},
		{Dataset: "mystery", OfflineB: MeanSD{0.5, 0.1}}}, "ours (stand-in)")
	if err != nil {
		t.Fatal(err)
	}
	md := t1.Markdown()
	for _, want := range []string{"0.8123 ± 0.11", "0.8471 ± 0.23", "0.8514 ± 0.23", "offline B — ours (stand-in)", "offline B — paper", "brats-synth", "| mystery |", "—"} {
		if !strings.Contains(md, want) {
			t.Errorf("Table1 Markdown lacks %q:\n%s", want, md)
		}
	}
	h := t1.HTML()
	for _, want := range []string{"<table", `class="paper"`, "0.8471 ± 0.23", "0.8123 ± 0.11"} {
		if !strings.Contains(h, want) {
			t.Errorf("Table1 HTML lacks %q", want)
		}
	}
	if err := xml.Unmarshal([]byte("<root>"+h+"</root>"), new(struct{})); err != nil {
		t.Errorf("Table1 HTML is not well-formed: %v", err)
	}

	t2, err := Table2([]CoverageRow{{Dataset: "COVID", Coverage: []float64{100, 90, 75, 70, 50}, Dice: []MeanSD{{0.5, 0.2}, {0.55, 0.2}, {0.6, 0.1}, {0.61, 0.1}, {0.7, 0.1}}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	md = t2.Markdown()
	// the paper's third column appears under both 75 % and 70 %
	if strings.Count(md, "0.5778 ± 0.15") != 2 {
		t.Errorf("Table2: paper's 70/75 %% value should appear twice:\n%s", md)
	}
	for _, want := range []string{"0.4880 ± 0.22", "0.6229 ± 0.13", "0.6100 ± 0.10", "75 % — paper†", "†"} {
		if !strings.Contains(md, want) {
			t.Errorf("Table2 lacks %q:\n%s", want, md)
		}
	}

	t3, err := Table3([]SeparablenessRow{{Dataset: "Pancreas", SASx: 0.05, DiceB: 0.6, MD: 0.55}}, "")
	if err != nil {
		t.Fatal(err)
	}
	md = t3.Markdown()
	for _, want := range []string{"0.050", "0.600", "0.550", "0.030", "0.644", "0.613", "m(d) — paper"} {
		if !strings.Contains(md, want) {
			t.Errorf("Table3 lacks %q:\n%s", want, md)
		}
	}
}

func TestPaperDataset(t *testing.T) {
	for in, want := range map[string]string{"brats-synth": "BraTS", "ISIC 2017": "ISIC", "covid": "COVID", "Prostate (stand-in)": "Prostate", "pancreas-synth": "Pancreas", "liver": ""} {
		if got := PaperDataset(in); got != want {
			t.Errorf("PaperDataset(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestViridisEnds(t *testing.T) {
	if Viridis(0) != viridisStops[0] || Viridis(1) != viridisStops[10] || Viridis(-3) != viridisStops[0] || Viridis(math.NaN()) != viridisStops[0] {
		t.Error("viridis does not clamp")
	}
}
