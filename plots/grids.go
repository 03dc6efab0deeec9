package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"sort"

	"github.com/protoseg-go/protoseg-go/plots/raster"
	"gonum.org/v1/plot/vg"
)

var contourLegend = []legendEntry{
	{label: "ground truth G (green, outer ring)", fill: ContourGT},
	{label: "segmentation (red, inner ring)", fill: ContourSeg},
}

// Panel is one test image with its ground truth and a segmentation to
// outline (both H×W, row-major, non-zero = object). Mask may be nil.
// Label is printed under the panel.
type Panel struct {
	Image Image
	GT    []uint8
	Mask  []uint8
	Label string
}

func (p Panel) check(what string) error {
	if err := p.Image.check(what); err != nil {
		return err
	}
	if err := checkMask(p.GT, p.Image.H, p.Image.W, what+" GT", false); err != nil {
		return err
	}
	return checkMask(p.Mask, p.Image.H, p.Image.W, what+" mask", true)
}

// addImage appends a cell with im up-scaled k×, the GT contour (green,
// outside) and the seg contour (red, inside); nil masks are skipped.
func (r *gridRow) addImage(im Image, gt, seg []uint8, k int, caption string) {
	r.addCell(raster.Tile{H: im.H, W: im.W, K: k}, func(t raster.Tile, dst *image.RGBA) error {
		return t.DrawImage(dst, im.Pix, im.C)
	}, gt, seg, caption)
}

// addMask appends a cell with the binary mask m (white = object) up-scaled
// k× and the contours of gt and seg as addImage draws them.
func (r *gridRow) addMask(m, gt, seg []uint8, h, w, k int, caption string) {
	r.addCell(raster.Tile{H: h, W: w, K: k}, func(t raster.Tile, dst *image.RGBA) error {
		return t.DrawMask(dst, m)
	}, gt, seg, caption)
}

// addHeat appends a cell with the map hm (values in [0,1], clamped) in
// viridis up-scaled k× and the GT contour.
func (r *gridRow) addHeat(hm []float32, gt []uint8, h, w, k int, caption string) {
	r.addCell(raster.Tile{H: h, W: w, K: k}, func(t raster.Tile, dst *image.RGBA) error {
		return t.DrawHeat(dst, hm, Viridis)
	}, gt, nil, caption)
}

// addCell draws a cell's panel and contours and appends it; the first error
// is kept in r.err (the figure returns it).
func (r *gridRow) addCell(t raster.Tile, panel func(raster.Tile, *image.RGBA) error, gt, seg []uint8, caption string) {
	img := image.NewRGBA(t.Bounds())
	err := panel(t, img)
	if err == nil {
		err = overlay(img, t, gt, seg)
	}
	if err != nil {
		if r.err == nil {
			r.err = fmt.Errorf("cell %d: %w", len(r.cells), err)
		}
		return
	}
	r.cells = append(r.cells, gridCell{img: img, caption: caption})
}

// ---- Fig. 6 -------------------------------------------------------------------

// LayerSAMs is one example image of a dataset with the layer SAMs of the
// offline and the online model (index 0 = layer 1; each H×W). OfflineSA
// and OnlineSA, if not nil, give each layer's SA score on this image
// and are printed under the panels.
type LayerSAMs struct {
	Dataset             string
	Image               Image
	GT                  []uint8
	Offline, Online     [][]uint8
	OfflineSA, OnlineSA []float64
}

// Fig6LayerSAMs draws, per dataset, an offline row and an online row:
// the input with its GT contour, then the SAM contour (red) of layers
// 1…18 over the input with the GT contour (green).
func Fig6LayerSAMs(ex []LayerSAMs) (*Figure, error) {
	if len(ex) == 0 {
		return nil, fmt.Errorf("%w: Fig6: no examples", ErrEmpty)
	}
	const cell = 0.55 * vg.Inch
	var rows []gridRow
	for _, e := range ex {
		what := "Fig6 " + e.Dataset
		if err := (Panel{Image: e.Image, GT: e.GT}).check(what); err != nil {
			return nil, err
		}
		n := len(e.Offline)
		if n == 0 || len(e.Online) != n {
			return nil, fmt.Errorf("plots: %s: %d offline and %d online layer SAMs", what, n, len(e.Online))
		}
		if (e.OfflineSA != nil && len(e.OfflineSA) != n) || (e.OnlineSA != nil && len(e.OnlineSA) != n) {
			return nil, fmt.Errorf("plots: %s: SA per layer has %d/%d values, want %d", what, len(e.OfflineSA), len(e.OnlineSA), n)
		}
		k := raster.Scale(e.Image.H, e.Image.W, cellTarget(cell))
		titles := []string{"input"}
		for l := 1; l <= n; l++ {
			titles = append(titles, fmt.Sprintf("L%d", l))
		}
		for mi, m := range []struct {
			name string
			sams [][]uint8
			sa   []float64
		}{{"offline (w/o)", e.Offline, e.OfflineSA}, {"online (w/)", e.Online, e.OnlineSA}} {
			row := gridRow{group: e.Dataset, label: m.name}
			if mi == 0 {
				row.colTitles = titles
			}
			cap0 := ""
			if m.sa != nil {
				cap0 = "SA:"
			}
			row.addImage(e.Image, e.GT, nil, k, cap0)
			for l, s := range m.sams {
				if err := checkMask(s, e.Image.H, e.Image.W, fmt.Sprintf("%s %s layer %d", what, m.name, l+1), false); err != nil {
					return nil, err
				}
				c := ""
				if m.sa != nil {
					c = fmt.Sprintf("%.2f", m.sa[l])
				}
				row.addImage(e.Image, e.GT, s, k, c)
			}
			rows = append(rows, row)
		}
	}
	return gridSpec{name: "fig06", title: "Fig. 6 — Layer SAMs (red) and ground truth (green) for layers 1–18, offline (w/o SA loss) and online (w/)",
		rows: rows, cell: cell, legend: contourLegend}.figure()
}

// ---- Fig. 8 -------------------------------------------------------------------

// UnitMap is the SAM of one unit with its SA score.
type UnitMap struct {
	Unit int // index of the unit in its layer (0-based)
	SA   float64
	SAM  []uint8
}

// UnitSAMs is one example image of a dataset with the SAMs of (some or
// all) units of a layer.
type UnitSAMs struct {
	Dataset string
	Image   Image
	GT      []uint8
	Units   []UnitMap
}

// Fig8UnitSAMs shows, per dataset, the input with GT and the binary
// SAMs (white = object) of the perGroup units with the lowest, middle
// and highest SA, each with the GT contour and its SA score (SAS).
func Fig8UnitSAMs(ds []UnitSAMs, perGroup int) (*Figure, error) {
	if err := checkRows(len(ds), "Fig8"); err != nil {
		return nil, err
	}
	if perGroup <= 0 {
		return nil, fmt.Errorf("plots: Fig8: perGroup = %d, want ≥ 1", perGroup)
	}
	const cell = 0.8 * vg.Inch
	var rows []gridRow
	for _, d := range ds {
		what := "Fig8 " + d.Dataset
		if err := (Panel{Image: d.Image, GT: d.GT}).check(what); err != nil {
			return nil, err
		}
		if len(d.Units) < 3*perGroup {
			return nil, fmt.Errorf("plots: %s: %d units, need at least %d for %d per group", what, len(d.Units), 3*perGroup, perGroup)
		}
		us := append([]UnitMap(nil), d.Units...)
		for _, u := range us {
			if err := checkMask(u.SAM, d.Image.H, d.Image.W, fmt.Sprintf("%s unit %d", what, u.Unit), false); err != nil {
				return nil, err
			}
			if math.IsNaN(u.SA) || math.IsInf(u.SA, 0) {
				return nil, fmt.Errorf("plots: %s unit %d: SA is %v", what, u.Unit, u.SA)
			}
		}
		sort.SliceStable(us, func(i, j int) bool { return us[i].SA < us[j].SA })
		mid := len(us)/2 - perGroup/2
		pick := append(append(append([]UnitMap{}, us[:perGroup]...), us[mid:mid+perGroup]...), us[len(us)-perGroup:]...)
		k := raster.Scale(d.Image.H, d.Image.W, cellTarget(cell))
		row := gridRow{group: d.Dataset, colTitles: []string{"input + G"}}
		row.addImage(d.Image, d.GT, nil, k, "")
		for i, u := range pick {
			row.colTitles = append(row.colTitles, []string{"lowest SA", "middle SA", "highest SA"}[i/perGroup])
			row.addMask(u.SAM, d.GT, nil, d.Image.H, d.Image.W, k, fmt.Sprintf("unit %d\nSAS %.2f", u.Unit, u.SA))
		}
		rows = append(rows, row)
	}
	return gridSpec{name: "fig08", title: "Fig. 8 — Unit SAMs of layer 18 (white) with the lowest, middle and highest SA score",
		rows: rows, cell: cell, legend: contourLegend[:1]}.figure()
}

// ---- Fig. 9 -------------------------------------------------------------------

// HeatMap is one test image with a heat-map in [0,1] (H×W): the mean of
// the binary unit SAMs of a layer, i.e. the fraction of units that call
// a pixel object.
type HeatMap struct {
	Dataset string
	Image   Image
	GT      []uint8
	Heat    []float32
}

func (h HeatMap) check(what string) error {
	if err := (Panel{Image: h.Image, GT: h.GT}).check(what); err != nil {
		return err
	}
	return checkHeat(h.Heat, h.Image.H, h.Image.W, what)
}

// Fig9HeatMaps shows each example as a column: the input with GT
// contour above, the layer-18 heat-map (viridis, with colour bar) below.
func Fig9HeatMaps(hs []HeatMap) (*Figure, error) {
	return heatMapFigure(gridText{name: "fig09", title: "Fig. 9 — Mean of the binary unit SAMs of layer 18 (heat-map)",
		top: "input", bottom: "heat-map\nlayer 18"}, hs)
}

// gridText names an image grid and its rows.
type gridText struct{ name, title, top, bottom string }

// heatMapFigure draws Fig. 9's columns under the names in t.
func heatMapFigure(t gridText, hs []HeatMap) (*Figure, error) {
	if len(hs) == 0 {
		return nil, fmt.Errorf("%w: Fig9: no examples", ErrEmpty)
	}
	const cell = 0.9 * vg.Inch
	top := gridRow{label: t.top}
	bot := gridRow{label: t.bottom}
	for i, h := range hs {
		if err := h.check(fmt.Sprintf("Fig9 %s example %d", h.Dataset, i)); err != nil {
			return nil, err
		}
		k := raster.Scale(h.Image.H, h.Image.W, cellTarget(cell))
		top.colTitles = append(top.colTitles, h.Dataset)
		top.addImage(h.Image, h.GT, nil, k, "")
		bot.addHeat(h.Heat, nil, h.Image.H, h.Image.W, k, "")
	}
	return gridSpec{name: t.name, title: t.title,
		rows: []gridRow{top, bot}, cell: cell, legend: contourLegend[:1],
		bar: &colorBar{label: "fraction of units: object", min: 0, max: 1}}.figure()
}

// ---- Fig. 12 ------------------------------------------------------------------

// RankedPanels are test images of one dataset with a score each; the
// figure orders them by score, lowest first. Panel.Mask is the output
// segmentation B to outline.
type RankedPanels struct {
	Dataset string
	Panels  []Panel
	Scores  []float64
}

func (r RankedPanels) sorted(what string) ([]Panel, []float64, error) {
	if len(r.Panels) == 0 {
		return nil, nil, fmt.Errorf("%w: %s %q: no images", ErrEmpty, what, r.Dataset)
	}
	if len(r.Scores) != len(r.Panels) {
		return nil, nil, fmt.Errorf("plots: %s %q: %d panels and %d scores", what, r.Dataset, len(r.Panels), len(r.Scores))
	}
	if err := checkFinite(what+" "+r.Dataset+" scores", r.Scores); err != nil {
		return nil, nil, err
	}
	idx := make([]int, len(r.Panels))
	for i := range idx {
		idx[i] = i
		if err := r.Panels[i].check(fmt.Sprintf("%s %s image %d", what, r.Dataset, i)); err != nil {
			return nil, nil, err
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return r.Scores[idx[a]] < r.Scores[idx[b]] })
	ps := make([]Panel, len(idx))
	ss := make([]float64, len(idx))
	for i, j := range idx {
		ps[i], ss[i] = r.Panels[j], r.Scores[j]
	}
	return ps, ss, nil
}

func rankTitles(n int) []string {
	t := make([]string, n)
	for i := range t {
		t[i] = fmt.Sprintf("#%d", i+1)
	}
	if n > 1 {
		t[0] = "#1 (lowest)"
		t[n-1] = fmt.Sprintf("#%d (highest)", n)
	}
	return t
}

// Fig12RankedByMu shows test images ranked by μ, lowest to highest, one
// row per dataset, with the GT (green) and output B (red) contours; the
// caption is "μ = …" followed by Panel.Label (e.g. the Dice).
func Fig12RankedByMu(rs []RankedPanels) (*Figure, error) {
	return rankedFigure(gridText{name: "fig12", title: "Fig. 12 — Test images ranked by mean SA μ (lowest → highest)"}, rs)
}

// rankedFigure draws Fig. 12's rows under the name and title in t.
func rankedFigure(t gridText, rs []RankedPanels) (*Figure, error) {
	if err := checkRows(len(rs), "Fig12"); err != nil {
		return nil, err
	}
	const cell = 0.8 * vg.Inch
	var rows []gridRow
	for _, r := range rs {
		ps, ss, err := r.sorted("Fig12")
		if err != nil {
			return nil, err
		}
		row := gridRow{group: r.Dataset, colTitles: rankTitles(len(ps))}
		for i, p := range ps {
			k := raster.Scale(p.Image.H, p.Image.W, cellTarget(cell))
			c := fmt.Sprintf("μ = %.2f", ss[i])
			if p.Label != "" {
				c += "\n" + p.Label
			}
			row.addImage(p.Image, p.GT, p.Mask, k, c)
		}
		rows = append(rows, row)
	}
	leg := []legendEntry{contourLegend[0], {label: "network output B (red, inner ring)", fill: ContourSeg}}
	return gridSpec{name: t.name, title: t.title,
		rows: rows, cell: cell, legend: leg}.figure()
}

// ---- Fig. 13 ------------------------------------------------------------------

// Example13 is one test image with the heat-map of the units of layers
// 17–18 (values in [0,1]), the output B, μ and Dice(B,G). Degenerate marks an
// output that is empty or full: its μ is a convention, printed as such.
type Example13 struct {
	Dataset    string
	Image      Image
	GT         []uint8
	Heat       []float32
	Output     []uint8
	Mu, Dice   float64
	Degenerate bool
}

// label13 is the text under an example's output.
func (e Example13) label13() string {
	if e.Degenerate {
		return fmt.Sprintf("μ = %.2f (degenerate:\nno boundary in B)\nDice = %.2f", e.Mu, e.Dice)
	}
	return fmt.Sprintf("μ = %.2f\nDice = %.2f", e.Mu, e.Dice)
}

// Fig13Examples shows each example as a column: (a) input with GT, (b)
// heat-map of the units of layers 17–18, (c) output B with GT, with μ
// and Dice printed underneath.
func Fig13Examples(es []Example13) (*Figure, error) {
	if len(es) == 0 {
		return nil, fmt.Errorf("%w: Fig13: no examples", ErrEmpty)
	}
	const cell = 0.9 * vg.Inch
	a := gridRow{label: "(a) input"}
	b := gridRow{label: "(b) heat-map\nL17–18"}
	c := gridRow{label: "(c) output B"}
	for i, e := range es {
		what := fmt.Sprintf("Fig13 %s example %d", e.Dataset, i)
		if err := (HeatMap{Image: e.Image, GT: e.GT, Heat: e.Heat}).check(what); err != nil {
			return nil, err
		}
		if err := checkMask(e.Output, e.Image.H, e.Image.W, what+" output", false); err != nil {
			return nil, err
		}
		if err := checkFinite(what+" μ,Dice", []float64{e.Mu, e.Dice}); err != nil {
			return nil, err
		}
		k := raster.Scale(e.Image.H, e.Image.W, cellTarget(cell))
		a.colTitles = append(a.colTitles, e.Dataset)
		a.addImage(e.Image, e.GT, nil, k, "")
		b.addHeat(e.Heat, nil, e.Image.H, e.Image.W, k, "")
		c.addMask(e.Output, e.GT, nil, e.Image.H, e.Image.W, k, e.label13())
	}
	return gridSpec{name: "fig13", title: "Fig. 13 — Input, heat-map of the units of layers 17–18, and output, with μ and Dice",
		rows: []gridRow{a, b, c}, cell: cell, legend: contourLegend[:1],
		bar: &colorBar{label: "fraction of units: object", min: 0, max: 1}}.figure()
}

// ---- Fig. 14 ------------------------------------------------------------------

// Fig14Separableness shows test images ordered by SA(S_x,G) (the Scores),
// lowest first, per dataset two rows: the input with GT contour, and
// the input's own SAM S_x (Panel.Mask, white) with GT contour.
func Fig14Separableness(rs []RankedPanels) (*Figure, error) {
	if err := checkRows(len(rs), "Fig14"); err != nil {
		return nil, err
	}
	const cell = 0.8 * vg.Inch
	var rows []gridRow
	for _, r := range rs {
		ps, ss, err := r.sorted("Fig14")
		if err != nil {
			return nil, err
		}
		top := gridRow{group: r.Dataset, label: "input", colTitles: rankTitles(len(ps))}
		bot := gridRow{group: r.Dataset, label: "Sₓ"}
		for i, p := range ps {
			if p.Mask == nil {
				return nil, fmt.Errorf("plots: Fig14 %s: image %d has no S_x mask", r.Dataset, i)
			}
			k := raster.Scale(p.Image.H, p.Image.W, cellTarget(cell))
			top.addImage(p.Image, p.GT, nil, k, "")
			c := fmt.Sprintf("SA(Sₓ) = %.2f", ss[i])
			if p.Label != "" {
				c += "\n" + p.Label
			}
			bot.addMask(p.Mask, p.GT, nil, p.Image.H, p.Image.W, k, c)
		}
		rows = append(rows, top, bot)
	}
	return gridSpec{name: "fig14", title: "Fig. 14 — Test images ordered by separableness SA(Sₓ, G) (lowest → highest)",
		rows: rows, cell: cell, legend: []legendEntry{contourLegend[0], {label: "Sₓ: ProtoSeg on the input's intensities (white)", fill: color.White}}}.figure()
}
