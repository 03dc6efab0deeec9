package plots

import (
	"fmt"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/unet"
	"image/color"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

const (
	panelW = 2.5 * vg.Inch
	panelH = 2.1 * vg.Inch
)

func checkFinite(what string, xs []float64) error {
	for i, v := range xs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("plots: %s[%d] is %v", what, i, v)
		}
	}
	return nil
}

// MaxDatasets is the most datasets a figure holds (the paper's five), one chart
// panel each; image grids hold up to ViewsPerDataset rows per dataset.
const MaxDatasets = 5

// ViewsPerDataset is the most rows an image grid gives one dataset: the three
// orthogonal slices of a volume.
const ViewsPerDataset = 3

// checkDatasets checks that a chart has between 1 and MaxDatasets panels.
func checkDatasets(n int, what string) error {
	return checkPanels(n, MaxDatasets, what)
}

// checkRows checks that an image grid has between 1 and
// MaxDatasets·ViewsPerDataset dataset rows (a volume gives one per view).
func checkRows(n int, what string) error {
	return checkPanels(n, MaxDatasets*ViewsPerDataset, what)
}

// checkPanels checks that a figure has between 1 and most entries.
func checkPanels(n, most int, what string) error {
	if n == 0 {
		return fmt.Errorf("%w: %s: no datasets", ErrEmpty, what)
	}
	if n > most {
		return fmt.Errorf("plots: %s: %d datasets, at most %d panels", what, n, most)
	}
	return nil
}

// ---- layer groups -------------------------------------------------------------

var groupFill = []color.Color{
	color.NRGBA{0x56, 0xB4, 0xE9, 0x38}, // sky blue tint
	color.NRGBA{0xA0, 0xA0, 0xA0, 0x28}, // grey tint
	color.NRGBA{0xE6, 0x9F, 0x00, 0x38}, // orange tint
}

// groupShade is a plotter that shades the layer groups behind the data.
type groupShade struct{ n int }

func (g groupShade) Plot(c draw.Canvas, p *plot.Plot) {
	if g.n != unet.NumLayers {
		return
	}
	tx, _ := p.Transforms(&c)
	for i, gr := range unet.LayerGroups() {
		x0, x1 := tx(float64(gr.First)-0.5), tx(float64(gr.Last)+0.5)
		x0, x1 = max(x0, c.Min.X), min(x1, c.Max.X)
		c.FillPolygon(groupFill[i], []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
}

func groupLegend(n int) []legendEntry {
	if n != unet.NumLayers {
		return nil
	}
	var es []legendEntry
	for i, gr := range unet.LayerGroups() {
		es = append(es, legendEntry{label: fmt.Sprintf("%s %d–%d", gr.Name, gr.First, gr.Last), fill: groupFill[i]})
	}
	return es
}

// layerTicks labels even layers and marks every layer.
type layerTicks struct{ n int }

func (t layerTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	for l := 1; l <= t.n; l++ {
		lab := ""
		if t.n <= 10 || l%2 == 0 {
			lab = strconv.Itoa(l)
		}
		ts = append(ts, plot.Tick{Value: float64(l), Label: lab})
	}
	return ts
}

func layerAxis(p *plot.Plot, n int) {
	p.X.Min, p.X.Max = 0.5, float64(n)+0.5
	p.X.Tick.Marker = layerTicks{n}
	p.Add(groupShade{n})
}

func series(ys []float64, x0 float64) plotter.XYs {
	xy := make(plotter.XYs, len(ys))
	for i, y := range ys {
		xy[i] = plotter.XY{X: x0 + float64(i), Y: y}
	}
	return xy
}

func lineStyle(c color.Color, width float64, dashed bool) draw.LineStyle {
	ls := draw.LineStyle{Color: c, Width: vg.Points(width)}
	if dashed {
		ls.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
	}
	return ls
}

func glyph(c color.Color, shape draw.GlyphDrawer, r float64) draw.GlyphStyle {
	return draw.GlyphStyle{Color: c, Shape: shape, Radius: vg.Points(r)}
}

func addLinePoints(p *plot.Plot, xy plotter.XYs, ls draw.LineStyle, gs draw.GlyphStyle) {
	l, s, _ := plotter.NewLinePoints(xy)
	l.LineStyle = ls
	s.GlyphStyle = gs
	p.Add(l, s)
}

func hline(p *plot.Plot, y float64, ls draw.LineStyle) {
	f := plotter.NewFunction(func(float64) float64 { return y })
	f.LineStyle = ls
	p.Add(f)
}

// unitRange fixes an SA / Dice axis to [0,1] (or wider if data leave it).
func unitRange(a *plot.Axis, data ...[]float64) {
	a.Min, a.Max = 0, 1
	for _, d := range data {
		for _, v := range d {
			a.Min, a.Max = math.Min(a.Min, v), math.Max(a.Max, v)
		}
	}
}

// ---- Fig. 5 -------------------------------------------------------------------

// LayerSA is the mean SA score of each layer (index 0 = layer 1) over
// the test images of one dataset, for the offline model (trained with
// cross-entropy only) and the online model (trained with the ProtoSeg
// term in the loss).
type LayerSA struct {
	Dataset         string
	Offline, Online []float64
	// OfflineRange and OnlineRange, when set, are the spread of the layer SA
	// over seeds (Offline and Online are then the mean over seeds).
	OfflineRange, OnlineRange *Range
}

// Fig5LayerSA plots mean SA per layer, offline vs online, one panel per
// dataset, with the early / abstract / late layer groups shaded.
func Fig5LayerSA(ds []LayerSA) (*Figure, error) {
	return fig5(ds, "fig05", "Fig. 5 — Mean SA score per layer, offline vs online", "mean SA score")
}

// Fig5LayerSAMetric is Fig. 5 with the SA scored by another metric (its name,
// e.g. "jaccard"), saved as fig05-<metric> (the report's appendix).
func Fig5LayerSAMetric(ds []LayerSA, metric string) (*Figure, error) {
	return fig5(ds, "fig05-"+metric, "Fig. 5 by "+metric+" — Mean SA per layer, offline vs online", "mean SA ("+metric+")")
}

// fig5 draws Fig. 5 under the given file name, title and y label.
func fig5(ds []LayerSA, name, title, ylabel string) (*Figure, error) {
	if err := checkDatasets(len(ds), "Fig5"); err != nil {
		return nil, err
	}
	var panels []chartPanel
	n := 0
	spread := false
	for _, d := range ds {
		if len(d.Offline) == 0 || len(d.Offline) != len(d.Online) {
			return nil, fmt.Errorf("plots: Fig5 %q: %d offline and %d online layers", d.Dataset, len(d.Offline), len(d.Online))
		}
		if n != 0 && len(d.Offline) != n {
			return nil, fmt.Errorf("plots: Fig5 %q: %d layers, others have %d", d.Dataset, len(d.Offline), n)
		}
		n = len(d.Offline)
		if err := checkFinite("Fig5 "+d.Dataset+" offline", d.Offline); err != nil {
			return nil, err
		}
		if err := checkFinite("Fig5 "+d.Dataset+" online", d.Online); err != nil {
			return nil, err
		}
		if err := d.OfflineRange.check("Fig5 "+d.Dataset+" offline", d.Offline); err != nil {
			return nil, err
		}
		if err := d.OnlineRange.check("Fig5 "+d.Dataset+" online", d.Online); err != nil {
			return nil, err
		}
		p := newPlot(d.Dataset, "layer", ylabel)
		layerAxis(p, n)
		unitRange(&p.Y, d.Offline, d.Online)
		addBand(p, d.OfflineRange, 1, oiBlue)
		addBand(p, d.OnlineRange, 1, oiVermillion)
		spread = spread || d.OfflineRange != nil || d.OnlineRange != nil
		addLinePoints(p, series(d.Offline, 1), lineStyle(oiBlue, 1.5, false), glyph(oiBlue, draw.CircleGlyph{}, 2))
		addLinePoints(p, series(d.Online, 1), lineStyle(oiVermillion, 1.5, true), glyph(oiVermillion, draw.TriangleGlyph{}, 2.3))
		panels = append(panels, chartPanel{p: p})
	}
	shared := []legendEntry{
		lineEntry("offline (w/o SA loss)", lineStyle(oiBlue, 1.5, false), ptr(glyph(oiBlue, draw.CircleGlyph{}, 2))),
		lineEntry("online (w/ SA loss)", lineStyle(oiVermillion, 1.5, true), ptr(glyph(oiVermillion, draw.TriangleGlyph{}, 2.3))),
	}
	if spread {
		shared = append(shared, legendEntry{label: "range over seeds", fill: bandColor(grey)})
		title += " (mean and range over seeds)"
	}
	shared = append(shared, groupLegend(n)...)
	return chartFigure(name, title, panels, shared, panelW, panelH), nil
}

func ptr[T any](v T) *T { return &v }

// ---- Fig. 7 -------------------------------------------------------------------

// UnitSA holds the SA score of every unit of layer 18 (any order) for
// one dataset. Units with SA ≥ Threshold are "active", the rest
// "inertia" (protoseg.ActiveUnits); Threshold +Inf (no split: fewer than two
// distinct values) draws every unit as inertia and no threshold line, and
// Threshold ≤ 0 draws no split with every unit active. OutputDice, if > 0, is the
// Dice of the network output B, drawn as a reference line.
type UnitSA struct {
	Dataset    string
	SA         []float64
	Threshold  float64
	OutputDice float64
}

// Fig7UnitSA plots the SA of the units of layer 18 sorted from highest
// to lowest, one panel per dataset, with the active/inertia threshold.
func Fig7UnitSA(ds []UnitSA) (*Figure, error) {
	return unitSAFigure("fig07", "Fig. 7 — Sorted SA scores of the units of layer 18", ds, panelW)
}

// unitSAFigure draws Fig. 7's panels, each width wide, under a figure name and
// title.
func unitSAFigure(name, title string, ds []UnitSA, width vg.Length) (*Figure, error) {
	if err := checkDatasets(len(ds), "Fig7"); err != nil {
		return nil, err
	}
	var panels []chartPanel
	anyThr, anyOut := false, false
	for _, d := range ds {
		cp, err := d.panel()
		if err != nil {
			return nil, err
		}
		anyThr = anyThr || (d.Threshold > 0 && !math.IsInf(d.Threshold, 1))
		anyOut = anyOut || d.OutputDice > 0
		panels = append(panels, cp)
	}
	shared := []legendEntry{
		{label: "active unit", glyph: ptr(activeGlyph())},
		{label: "inertia unit", glyph: ptr(inertGlyph())},
	}
	if anyThr {
		shared = append(shared, lineEntry("active/inertia threshold", lineStyle(oiVermillion, 1, true), nil))
	}
	if anyOut {
		shared = append(shared, lineEntry("Dice of output B", outputDiceLine(), nil))
	}
	return chartFigure(name, title, panels, shared, width, panelH), nil
}

// Fig. 7's marks: active units, inertia units, and the output's Dice.
func activeGlyph() draw.GlyphStyle { return glyph(oiBlue, draw.CircleGlyph{}, 2) }
func inertGlyph() draw.GlyphStyle  { return glyph(oiOrange, draw.TriangleGlyph{}, 2.2) }
func outputDiceLine() draw.LineStyle {
	return draw.LineStyle{Color: oiBlack, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(1), vg.Points(2)}}
}

// panel plots a dataset's unit SA sorted from highest, active units (at or
// above the threshold) and inertia units marked apart, with the threshold's and
// the output Dice's lines and the active count in the panel's legend.
func (d UnitSA) panel() (chartPanel, error) {
	if len(d.SA) == 0 {
		return chartPanel{}, fmt.Errorf("%w: Fig7 %q: no units", ErrEmpty, d.Dataset)
	}
	if err := checkFinite("Fig7 "+d.Dataset, d.SA); err != nil {
		return chartPanel{}, err
	}
	s := append([]float64(nil), d.SA...)
	sort.Sort(sort.Reverse(sort.Float64Slice(s)))
	p := newPlot(d.Dataset, "unit rank (highest SA first)", "SA score")
	unitRange(&p.Y, s)
	p.X.Min, p.X.Max = 0, float64(len(s))+1
	var act, inert plotter.XYs
	for i, v := range s {
		pt := plotter.XY{X: float64(i + 1), Y: v}
		if d.Threshold > 0 && v < d.Threshold { // +Inf: every unit inertia
			inert = append(inert, pt)
		} else {
			act = append(act, pt)
		}
	}
	l, _ := plotter.NewLine(series(s, 1))
	l.LineStyle = lineStyle(grey, 0.8, false)
	p.Add(l)
	var leg []legendEntry
	if math.IsInf(d.Threshold, 1) {
		leg = append(leg, legendEntry{label: fmt.Sprintf("no split: 0 of %d active", len(s))})
	} else if d.Threshold > 0 {
		hline(p, d.Threshold, lineStyle(oiVermillion, 1, true))
		leg = append(leg, legendEntry{label: fmt.Sprintf("active (SA ≥ %.2f): %d of %d", d.Threshold, len(act), len(s))})
	}
	if d.OutputDice > 0 {
		hline(p, d.OutputDice, outputDiceLine())
	}
	for _, m := range []struct {
		pts plotter.XYs
		sty draw.GlyphStyle
	}{{act, activeGlyph()}, {inert, inertGlyph()}} {
		if len(m.pts) > 0 {
			sc, _ := plotter.NewScatter(m.pts)
			sc.GlyphStyle = m.sty
			p.Add(sc)
		}
	}
	return chartPanel{p: p, legend: leg}, nil
}

// ---- Fig. 10 ------------------------------------------------------------------

// QualityScores are per-test-image values of one dataset: Dice(B,G) of
// the network output, the label-free mean SA μ over the units of layers
// 17–18, and the VoG score (raw; the plot min–max scales it to [0,1]).
type QualityScores struct {
	Dataset       string
	Dice, Mu, VoG []float64
	// SeedR, when set, holds the Pearson r of μ and of VoG with Dice on each
	// seed of a multi-seed run (Dice, Mu and VoG then pool every seed's images).
	SeedR *SeedCorrelations
}

// SeedCorrelations are per-seed Pearson r values of μ and VoG with Dice.
type SeedCorrelations struct {
	Mu, VoG []float64
}

// rText is the legend's r: pooled, or the mean and range over seeds.
func rText(pooled float64, seeds []float64) string {
	if len(seeds) == 0 {
		return fmtR(pooled)
	}
	lo, hi, m, n := math.Inf(1), math.Inf(-1), 0.0, 0
	for _, r := range seeds {
		if !math.IsNaN(r) {
			lo, hi, m, n = math.Min(lo, r), math.Max(hi, r), m+r, n+1
		}
	}
	undefined := ""
	if n < len(seeds) {
		undefined = fmt.Sprintf("; n/a on %d", len(seeds)-n)
	}
	if n == 0 {
		return fmt.Sprintf("r = n/a (%d seeds)", len(seeds))
	}
	return fmt.Sprintf("r = %s (%s to %s, %d seeds%s)", signed(m/float64(n), 2), signed(lo, 2), signed(hi, 2), len(seeds), undefined)
}

// PearsonOrNaN is [protoseg.Pearson], NaN where it is undefined (fewer than 2
// points or a constant series), which a legend prints as "n/a".
func PearsonOrNaN(x, y []float64) float64 {
	r, err := protoseg.Pearson(x, y)
	if err != nil {
		return math.NaN()
	}
	return r
}

func fmtR(r float64) string {
	if math.IsNaN(r) {
		return "r = n/a"
	}
	return "r = " + signed(r, 2)
}

// minMaxScale maps xs linearly onto [0,1] (a constant series maps to 0.5).
func minMaxScale(xs []float64) []float64 {
	lo, hi := span(xs)
	out := make([]float64, len(xs))
	for i, v := range xs {
		if hi > lo {
			out[i] = (v - lo) / (hi - lo)
		} else {
			out[i] = 0.5
		}
	}
	return out
}

// fitLine adds the least-squares line of y on x over the x range.
func fitLine(p *plot.Plot, x, y []float64, ls draw.LineStyle) {
	n := float64(len(x))
	var mx, my, sxy, sxx float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= n
	my /= n
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		lo, hi = math.Min(lo, x[i]), math.Max(hi, x[i])
	}
	if sxx == 0 {
		return
	}
	b := sxy / sxx
	a := my - b*mx
	// keep the line inside y ∈ [0,1]
	if b != 0 {
		xa, xb := (0-a)/b, (1-a)/b
		lo, hi = math.Max(lo, math.Min(xa, xb)), math.Min(hi, math.Max(xa, xb))
		if lo >= hi {
			return
		}
	}
	l, _ := plotter.NewLine(plotter.XYs{{X: lo, Y: a + b*lo}, {X: hi, Y: a + b*hi}})
	l.LineStyle = ls
	p.Add(l)
}

func scatter(p *plot.Plot, x, y []float64, gs draw.GlyphStyle) {
	xy := make(plotter.XYs, len(x))
	for i := range x {
		xy[i] = plotter.XY{X: x[i], Y: y[i]}
	}
	s, _ := plotter.NewScatter(xy)
	s.GlyphStyle = gs
	p.Add(s)
}

func checkQuality(q QualityScores, what string) error {
	if len(q.Dice) == 0 {
		return fmt.Errorf("%w: %s %q: no images", ErrEmpty, what, q.Dataset)
	}
	if len(q.Mu) != len(q.Dice) || len(q.VoG) != len(q.Dice) {
		return fmt.Errorf("plots: %s %q: %d Dice, %d μ, %d VoG values", what, q.Dataset, len(q.Dice), len(q.Mu), len(q.VoG))
	}
	for _, s := range []struct {
		n  string
		xs []float64
	}{{"Dice", q.Dice}, {"μ", q.Mu}, {"VoG", q.VoG}} {
		if err := checkFinite(what+" "+q.Dataset+" "+s.n, s.xs); err != nil {
			return err
		}
	}
	return nil
}

// Fig10Scatter plots Dice(B,G) against μ and against the scaled VoG,
// one panel per dataset, with least-squares lines and Pearson r in
// each panel's legend.
func Fig10Scatter(qs []QualityScores) (*Figure, error) {
	if err := checkDatasets(len(qs), "Fig10"); err != nil {
		return nil, err
	}
	muG, vogG := glyph(oiGreen, draw.CircleGlyph{}, 1.8), glyph(grey, draw.TriangleGlyph{}, 2)
	muL, vogL := lineStyle(oiGreen, 1.5, false), lineStyle(grey, 1.5, true)
	var panels []chartPanel
	for _, q := range qs {
		if err := checkQuality(q, "Fig10"); err != nil {
			return nil, err
		}
		v := minMaxScale(q.VoG)
		p := newPlot(q.Dataset, "μ  /  scaled VoG", "Dice(B, G)")
		unitRange(&p.Y, q.Dice)
		unitRange(&p.X, q.Mu, v)
		scatter(p, v, q.Dice, vogG)
		scatter(p, q.Mu, q.Dice, muG)
		fitLine(p, v, q.Dice, vogL)
		fitLine(p, q.Mu, q.Dice, muL)
		var muR, vogR []float64
		if q.SeedR != nil {
			muR, vogR = q.SeedR.Mu, q.SeedR.VoG
		}
		panels = append(panels, chartPanel{p: p, legend: []legendEntry{
			lineEntry("μ: "+rText(PearsonOrNaN(q.Mu, q.Dice), muR), muL, &muG),
			lineEntry("VoG: "+rText(PearsonOrNaN(q.VoG, q.Dice), vogR), vogL, &vogG),
		}})
	}
	shared := []legendEntry{
		lineEntry("mean SA μ (layers 17–18)", muL, &muG),
		lineEntry("VoG, min–max scaled", vogL, &vogG),
	}
	title := "Fig. 10 — Dice of the output vs μ and vs VoG (one point per test image)"
	if len(qs) > 0 && qs[0].SeedR != nil {
		title = "Fig. 10 — Dice of the output vs μ and vs VoG (one point per test image and seed)"
	}
	return chartFigure("fig10", title, panels, shared, panelW, panelH), nil
}

// ---- Fig. 11 ------------------------------------------------------------------

// Buckets holds the mean Dice(B,G) of the test images in each
// percentile bucket of μ and of VoG, lowest score first. Edges are the
// bucket boundaries in percent (len(Mu)+1 values, e.g. 0,20,…,100).
type Buckets struct {
	Dataset string
	Edges   []float64
	Mu, VoG []float64
	// MuRange and VoGRange, when set, are the spread of each bucket's mean Dice
	// over seeds (Mu and VoG are then the mean over seeds), drawn as whiskers.
	MuRange, VoGRange *Range
}

// Fig11Buckets draws grouped bars of mean Dice per percentile bucket of
// μ and of VoG, one panel per dataset.
func Fig11Buckets(bs []Buckets) (*Figure, error) {
	if err := checkDatasets(len(bs), "Fig11"); err != nil {
		return nil, err
	}
	var panels []chartPanel
	spread := false
	for _, b := range bs {
		if err := b.check(); err != nil {
			return nil, err
		}
		panels = append(panels, chartPanel{p: b.plot()})
		spread = spread || b.MuRange != nil || b.VoGRange != nil
	}
	shared := []legendEntry{
		{label: "buckets of mean SA μ", fill: oiGreen},
		{label: "buckets of VoG", fill: vogBarColour()},
	}
	title := "Fig. 11 — Mean Dice per percentile bucket of μ and of VoG (low → high score)"
	if spread {
		shared = append(shared, lineEntry("range over seeds", draw.LineStyle{Color: oiBlack, Width: vg.Points(0.8)}, nil))
		title = "Fig. 11 — Mean Dice per percentile bucket of μ and of VoG (mean and range over seeds)"
	}
	return chartFigure("fig11", title, panels, shared, panelW, panelH), nil
}

// vogBarColour is the grey of Fig. 11's VoG bars.
func vogBarColour() color.RGBA { return color.RGBA{0xB0, 0xB0, 0xB0, 255} }

// check reports buckets that are missing, of unequal counts, not finite, or
// outside their ranges.
func (b Buckets) check() error {
	n := len(b.Mu)
	if n == 0 {
		return fmt.Errorf("%w: Fig11 %q: no buckets", ErrEmpty, b.Dataset)
	}
	if len(b.VoG) != n || len(b.Edges) != n+1 {
		return fmt.Errorf("plots: Fig11 %q: %d μ buckets, %d VoG buckets, %d edges (want %d)", b.Dataset, n, len(b.VoG), len(b.Edges), n+1)
	}
	for _, s := range [][]float64{b.Mu, b.VoG, b.Edges} {
		if err := checkFinite("Fig11 "+b.Dataset, s); err != nil {
			return err
		}
	}
	if err := b.MuRange.check("Fig11 "+b.Dataset+" μ", b.Mu); err != nil {
		return err
	}
	return b.VoGRange.check("Fig11 "+b.Dataset+" VoG", b.VoG)
}

// plot draws a dataset's μ and VoG bars side by side per bucket, with the
// ranges over seeds as whiskers; long bucket names are slanted.
func (b Buckets) plot() *plot.Plot {
	n := len(b.Mu)
	p := newPlot(b.Dataset, "percentile bucket of the score", "mean Dice(B, G)")
	unitRange(&p.Y, b.Mu, b.VoG)
	bw := (panelW - vg.Points(60)) / vg.Length(2*n+n)
	mu, _ := plotter.NewBarChart(plotter.Values(b.Mu), bw)
	mu.Color, mu.LineStyle.Width = oiGreen, 0
	mu.Offset = -bw / 2
	vo, _ := plotter.NewBarChart(plotter.Values(b.VoG), bw)
	vo.Color, vo.LineStyle.Width = vogBarColour(), 0
	vo.Offset = bw / 2
	p.Add(mu, vo)
	addWhiskers(p, b.MuRange, mu.Offset)
	addWhiskers(p, b.VoGRange, vo.Offset)
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%g–%g", b.Edges[i], b.Edges[i+1])
	}
	p.NominalX(names...)
	maxW := vg.Length(0)
	for _, nm := range names {
		maxW = max(maxW, p.X.Tick.Label.Width(nm))
	}
	if maxW*vg.Length(n) > (panelW-vg.Points(50))*0.85 {
		p.X.Tick.Label.Rotation = math.Pi / 6
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	return p
}

// ---- Fig. 15 ------------------------------------------------------------------

// Separableness holds per-test-image values of one dataset: the SA of
// the input's own SAM, SA(S_x,G), and the output's Dice(B,G).
type Separableness struct {
	Dataset string
	SASx    []float64
	Dice    []float64
}

// Fig15Separableness plots Dice(B,G) against SA(S_x,G) with the line
// y = x, one panel per dataset; the legend gives Pearson r and m(d),
// the mean of d = Dice(B,G) − SA(S_x,G).
func Fig15Separableness(ss []Separableness) (*Figure, error) {
	if err := checkDatasets(len(ss), "Fig15"); err != nil {
		return nil, err
	}
	gs := glyph(oiBlue, draw.CircleGlyph{}, 1.8)
	idL := lineStyle(oiBlack, 1, true)
	var panels []chartPanel
	for _, s := range ss {
		if len(s.Dice) == 0 {
			return nil, fmt.Errorf("%w: Fig15 %q: no images", ErrEmpty, s.Dataset)
		}
		if len(s.SASx) != len(s.Dice) {
			return nil, fmt.Errorf("plots: Fig15 %q: %d SA(S_x) and %d Dice values", s.Dataset, len(s.SASx), len(s.Dice))
		}
		if err := checkFinite("Fig15 "+s.Dataset+" SA(S_x)", s.SASx); err != nil {
			return nil, err
		}
		if err := checkFinite("Fig15 "+s.Dataset+" Dice", s.Dice); err != nil {
			return nil, err
		}
		p := newPlot(s.Dataset, "SA(Sₓ, G) of the input", "Dice(B, G) of the output")
		unitRange(&p.X, s.SASx)
		unitRange(&p.Y, s.Dice)
		f := plotter.NewFunction(func(x float64) float64 { return x })
		f.LineStyle = idL
		p.Add(f)
		scatter(p, s.SASx, s.Dice, gs)
		var md float64
		for i := range s.Dice {
			md += s.Dice[i] - s.SASx[i]
		}
		md /= float64(len(s.Dice))
		panels = append(panels, chartPanel{p: p, legend: []legendEntry{
			{label: fmtR(PearsonOrNaN(s.SASx, s.Dice)) + ",  m(d) = " + signed(md, 3)},
		}})
	}
	shared := []legendEntry{
		{label: "test image", glyph: &gs},
		lineEntry("y = x (no gain from the network)", idL, nil),
	}
	return chartFigure("fig15", "Fig. 15 — Dice of the output vs SA of the input's own segmentation Sₓ", panels, shared, panelW, panelW*0.9), nil
}

// ---- Fig. 16 ------------------------------------------------------------------

// NoiseSA holds, for one dataset, the per-layer SA(noisy) − SA(clean)
// averaged over test images: Diff[i][l] at noise level Levels[i] and
// layer l+1.
type NoiseSA struct {
	Dataset string
	Levels  []float64
	Diff    [][]float64
}

// noiseViridisTop is the top of the viridis range the noise levels use: the
// palest yellow is too faint on white.
const noiseViridisTop = 0.92

// Fig16Noise plots SA(noisy) − SA(clean) per layer, one line per noise
// level coloured with viridis, one panel per dataset.
func Fig16Noise(ns []NoiseSA) (*Figure, error) {
	if err := checkDatasets(len(ns), "Fig16"); err != nil {
		return nil, err
	}
	levels := ns[0].Levels
	var panels []chartPanel
	nl := 0
	for _, d := range ns {
		if err := d.checkLevels(levels, ns[0].Dataset); err != nil {
			return nil, err
		}
		p, n, err := d.panel(nl)
		if err != nil {
			return nil, err
		}
		nl = n
		panels = append(panels, chartPanel{p: p})
	}
	var shared []legendEntry
	lo, hi := span(levels)
	for _, l := range levels {
		shared = append(shared, lineEntry(fmtLevel(l), lineStyle(levelColour(l, lo, hi), 2, false), nil))
	}
	shared[0].label = "noise level " + shared[0].label
	shared = append(shared, groupLegend(nl)...)
	return chartFigure("fig16", "Fig. 16 — Change of layer SA under uniform input noise U(0, level)", panels, shared, panelW, panelH), nil
}

// checkLevels reports a dataset without noise levels, with a row of
// differences per level missing, or with other levels than those of ref.
func (d NoiseSA) checkLevels(levels []float64, ref string) error {
	if len(d.Levels) == 0 {
		return fmt.Errorf("%w: Fig16 %q: no noise levels", ErrEmpty, d.Dataset)
	}
	if len(d.Diff) != len(d.Levels) {
		return fmt.Errorf("plots: Fig16 %q: %d levels but %d rows of differences", d.Dataset, len(d.Levels), len(d.Diff))
	}
	if len(d.Levels) != len(levels) {
		return fmt.Errorf("plots: Fig16 %q: %d noise levels, %q has %d", d.Dataset, len(d.Levels), ref, len(levels))
	}
	for i := range levels {
		if d.Levels[i] != levels[i] {
			return fmt.Errorf("plots: Fig16 %q: noise level %g, %q has %g", d.Dataset, d.Levels[i], ref, levels[i])
		}
	}
	return nil
}

// panel plots a dataset's differences, one line per noise level, and returns
// its layer count; nl, if not 0, is the layer count every row must have.
func (d NoiseSA) panel(nl int) (*plot.Plot, int, error) {
	p := newPlot(d.Dataset, "layer", "SA(noisy) − SA(clean)")
	for i, row := range d.Diff {
		if len(row) == 0 || (nl != 0 && len(row) != nl) {
			return nil, 0, fmt.Errorf("plots: Fig16 %q level %g: %d layers, want %d", d.Dataset, d.Levels[i], len(row), nl)
		}
		nl = len(row)
		if err := checkFinite(fmt.Sprintf("Fig16 %s level %g", d.Dataset, d.Levels[i]), row); err != nil {
			return nil, 0, err
		}
	}
	layerAxis(p, nl)
	p.Y.Min, p.Y.Max = 0, 0 // the zero line is always in view
	for _, row := range d.Diff {
		for _, v := range row {
			p.Y.Min, p.Y.Max = math.Min(p.Y.Min, v), math.Max(p.Y.Max, v)
		}
	}
	hline(p, 0, lineStyle(oiBlack, 0.6, true))
	lo, hi := span(d.Levels)
	for i, row := range d.Diff {
		l, _ := plotter.NewLine(series(row, 1))
		l.LineStyle = lineStyle(levelColour(d.Levels[i], lo, hi), 1.2, false)
		p.Add(l)
	}
	return p, nl, nil
}

// span is the least and the greatest of v (+Inf and −Inf when v is empty).
func span(v []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

// levelColour is the colour of noise level l among levels from lo to hi (the
// middle of the range when they are all equal).
func levelColour(l, lo, hi float64) color.RGBA {
	t := 0.5
	if hi > lo {
		t = (l - lo) / (hi - lo)
	}
	return Viridis(t * noiseViridisTop)
}

// signed formats v with a typographic minus sign.
func signed(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if len(s) > 0 && s[0] == '-' {
		s = "−" + s[1:]
	}
	return s
}

func fmtLevel(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
