package plots

import (
	"fmt"
	"math"

	"github.com/protoseg-go/protoseg-go/plots/raster"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Figures for any network (`protoseg analyze --out`): the paper's Figs. 5, 6, 7,
// 9 and 12 drawn from features a user exported, whatever their layer count. Layers
// are numbered 1… in file order; the early / middle / late groups are the thirds
// of the layers by index ([LayerThirds]), since a foreign network has no fixed
// groups. 3D cases come as three orthogonal views (see [NetworkView]).

// LayerGroup is a named range of layers, First…Last (1-based, inclusive).
type LayerGroup struct {
	Name        string
	First, Last int
}

// String is e.g. "early 1–6" ("late 3" for a group of one layer).
func (g LayerGroup) String() string {
	if g.First == g.Last {
		return fmt.Sprintf("%s %d", g.Name, g.First)
	}
	return fmt.Sprintf("%s %d–%d", g.Name, g.First, g.Last)
}

// LayerThirds splits n layers by index into early, middle and late thirds: the
// early and late groups hold round(n/3) layers each, the middle the rest. Groups
// that would be empty (n < 3) are left out.
func LayerThirds(n int) []LayerGroup {
	k := int(math.Round(float64(n) / 3))
	all := []LayerGroup{{"early", 1, k}, {"middle", k + 1, n - k}, {"late", n - k + 1, n}}
	var gs []LayerGroup
	for _, g := range all {
		if g.First <= g.Last {
			gs = append(gs, g)
		}
	}
	return gs
}

// thirdsShade shades the layer thirds behind the data.
type thirdsShade struct{ groups []LayerGroup }

// Plot fills each group's band over the plot's height.
func (g thirdsShade) Plot(c draw.Canvas, p *plot.Plot) {
	tx, _ := p.Transforms(&c)
	for i, gr := range g.groups {
		x0, x1 := tx(float64(gr.First)-0.5), tx(float64(gr.Last)+0.5)
		x0, x1 = max(x0, c.Min.X), min(x1, c.Max.X)
		c.FillPolygon(groupFill[i%len(groupFill)], []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
}

// NetworkSA is the layer SA of one network in file order: Mean[l] is the mean over
// cases of layer l+1's SA, Range (optional) its minimum and maximum over cases.
type NetworkSA struct {
	// Title names the panel (e.g. the case folder).
	Title string
	Mean  []float64
	Range *Range
}

// NetworkLayerSA plots mean SA per layer in file order (Fig. 5 style), the
// early / middle / late thirds of the layers shaded, with the range over cases
// when given.
func NetworkLayerSA(s NetworkSA) (*Figure, error) {
	n := len(s.Mean)
	if n == 0 {
		return nil, fmt.Errorf("%w: layer SA: no layers", ErrEmpty)
	}
	if err := checkFinite("layer SA", s.Mean); err != nil {
		return nil, err
	}
	if err := s.Range.check("layer SA", s.Mean); err != nil {
		return nil, err
	}
	p := newPlot(s.Title, "layer (file order)", "mean SA score")
	groups := LayerThirds(n)
	p.X.Min, p.X.Max = 0.5, float64(n)+0.5
	p.X.Tick.Marker = layerTicks{n}
	p.Add(thirdsShade{groups})
	unitRange(&p.Y, s.Mean)
	shared := []legendEntry{lineEntry("mean over cases", lineStyle(oiBlue, 1.5, false), ptr(glyph(oiBlue, draw.CircleGlyph{}, 2)))}
	if s.Range != nil {
		unitRange(&p.Y, s.Mean, s.Range.Lo, s.Range.Hi)
		addBand(p, s.Range, 1, oiBlue)
		shared = append(shared, legendEntry{label: "range over cases", fill: bandColor(oiBlue)})
	}
	addLinePoints(p, series(s.Mean, 1), lineStyle(oiBlue, 1.5, false), glyph(oiBlue, draw.CircleGlyph{}, 2))
	for i, g := range groups {
		shared = append(shared, legendEntry{label: g.String(), fill: groupFill[i%len(groupFill)]})
	}
	return chartFigure("fig05", "Fig. 5 style — Mean SA score per layer",
		[]chartPanel{{p: p}}, shared, 2*panelW, panelH), nil
}

// NetworkView is one 2D view of a case: the whole map of a 2D case, or one of the
// three orthogonal slices of a 3D case. Every map is H×W, row-major.
type NetworkView struct {
	// Name is the view's row label (e.g. "axial (d = 12)"; "" for a 2D case).
	Name string
	// Output is the network's foreground probability, shown in grey (C = 1).
	Output Image
	// B is the binarised output (red contour); Ref what SA is scored against
	// (green contour: the label, or B without one).
	B, Ref []uint8
	// SAMs are the layer SAMs of the shown layers; Heat (optional) the fraction of
	// the last layer's units calling each pixel object.
	SAMs [][]uint8
	Heat []float32
}

// NetworkCase is one case with its views.
type NetworkCase struct {
	Name  string
	Views []NetworkView
}

func (v NetworkView) check(what string, layers int) error {
	if err := (Panel{Image: v.Output, GT: v.Ref, Mask: v.B}).check(what); err != nil {
		return err
	}
	if len(v.SAMs) != layers {
		return fmt.Errorf("plots: %s: %d layer SAMs, want %d", what, len(v.SAMs), layers)
	}
	for l, s := range v.SAMs {
		if err := checkMask(s, v.Output.H, v.Output.W, fmt.Sprintf("%s SAM %d", what, l+1), false); err != nil {
			return err
		}
	}
	return nil
}

// NetworkSAMs draws the layer SAMs of a few cases (Fig. 6 style): one row per
// case view, the output probability with B (red) and the reference (green) first,
// then each shown layer's SAM (white = object, red contour) with the reference
// contour. columns titles the layer columns (e.g. "L1", "L7", "L18").
func NetworkSAMs(columns []string, cases []NetworkCase) (*Figure, error) {
	if len(cases) == 0 || len(columns) == 0 {
		return nil, fmt.Errorf("%w: layer SAMs: %d cases, %d layers", ErrEmpty, len(cases), len(columns))
	}
	const cell = 0.7 * vg.Inch
	var rows []gridRow
	for ci, c := range cases {
		for vi, v := range c.Views {
			if err := v.check(fmt.Sprintf("layer SAMs %s view %d", c.Name, vi), len(columns)); err != nil {
				return nil, err
			}
			h, w := v.Output.H, v.Output.W
			k := raster.Scale(h, w, cellTarget(cell))
			row := gridRow{group: c.Name, label: v.Name}
			if ci == 0 && vi == 0 {
				row.colTitles = append([]string{"output B"}, columns...)
			}
			row.addImage(v.Output, v.Ref, v.B, k, "")
			for _, s := range v.SAMs {
				row.addMask(s, v.Ref, s, h, w, k, "")
			}
			rows = append(rows, row)
		}
	}
	leg := []legendEntry{{label: "reference: label, or B without one (green, outer ring)", fill: ContourGT},
		{label: "B or the layer SAM (red, inner ring; SAM white)", fill: ContourSeg}}
	return gridSpec{name: "fig06", title: "Fig. 6 style — Layer SAMs of a few cases", rows: rows, cell: cell, legend: leg}.figure()
}

// NetworkUnitSA plots the sorted SA of the units of the network's last layer
// (Fig. 7 style) with the active/inertia split.
func NetworkUnitSA(u UnitSA) (*Figure, error) {
	return unitSAFigure("fig07", "Fig. 7 style — Sorted unit SA of the last layer", []UnitSA{u}, 2*panelW)
}

// NetworkHeatMaps shows, per case view, the output with the reference contour and
// the heat-map of the last layer's units (Fig. 9 style).
func NetworkHeatMaps(hs []HeatMap) (*Figure, error) {
	return heatMapFigure(gridText{name: "fig09", title: "Fig. 9 style — Mean of the binary unit SAMs of the last layer (heat-map)",
		top: "output B", bottom: "heat-map\nlast layer"}, hs)
}

// NetworkRankedByMu shows cases ranked by μ, lowest to highest (Fig. 12 style):
// one row per view (a 2D network has one), each ordered by μ.
func NetworkRankedByMu(rs []RankedPanels) (*Figure, error) {
	return rankedFigure(gridText{name: "fig12", title: "Fig. 12 style — Cases ranked by mean SA μ (lowest → highest)"}, rs)
}
