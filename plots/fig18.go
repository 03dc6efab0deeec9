package plots

import (
	"fmt"

	"gonum.org/v1/plot/vg/draw"
)

// WeightSA relates, for one dataset, each unit of the last layer to its weight
// in the 1×1 output convolution: SA is the unit's mean SA; Object, Background
// and Difference are |w_object|, |w_background| and |w_object − w_background|
// per unit. RhoObject, RhoBackground and RhoDifference are Spearman's ρ of SA
// with each of them and its 95 % interval (nil when undefined, e.g. constant
// weights).
type WeightSA struct {
	Dataset                                 string
	SA                                      []float64
	Object, Background, Difference          []float64
	RhoObject, RhoBackground, RhoDifference *[3]float64
}

// rhoText is a legend's ρ with its interval.
func rhoText(rho *[3]float64) string {
	if rho == nil {
		return "ρ undefined"
	}
	return fmt.Sprintf("ρ = %s [%s, %s]", signed(rho[0], 2), signed(rho[1], 2), signed(rho[2], 2))
}

// Fig18WeightSA plots the magnitude of each last-layer unit's output weights
// against its mean SA, one panel per dataset (beyond the paper: its §5 found no
// relation).
func Fig18WeightSA(ws []WeightSA) (*Figure, error) {
	if err := checkDatasets(len(ws), "Fig18"); err != nil {
		return nil, err
	}
	objG, bgG := glyph(oiVermillion, draw.TriangleGlyph{}, 2.2), glyph(oiBlue, draw.BoxGlyph{}, 2)
	diffG := glyph(oiBlack, draw.CircleGlyph{}, 2.2)
	var panels []chartPanel
	for _, w := range ws {
		n := len(w.SA)
		if n == 0 {
			return nil, fmt.Errorf("%w: Fig18 %q: no units", ErrEmpty, w.Dataset)
		}
		for _, s := range [][]float64{w.Object, w.Background, w.Difference} {
			if len(s) != n {
				return nil, fmt.Errorf("plots: Fig18 %q: %d unit SA values and %d weights", w.Dataset, n, len(s))
			}
			if err := checkFinite("Fig18 "+w.Dataset, s); err != nil {
				return nil, err
			}
		}
		if err := checkFinite("Fig18 "+w.Dataset+" SA", w.SA); err != nil {
			return nil, err
		}
		p := newPlot(w.Dataset, "mean SA of the unit (layer 18)", "|weight| in the output layer")
		unitRange(&p.X, w.SA)
		scatter(p, w.SA, w.Background, bgG)
		scatter(p, w.SA, w.Object, objG)
		scatter(p, w.SA, w.Difference, diffG)
		panels = append(panels, chartPanel{p: p, legend: []legendEntry{
			{label: "|w_obj − w_bg|: " + rhoText(w.RhoDifference), glyph: &diffG},
			{label: "|w_obj|: " + rhoText(w.RhoObject), glyph: &objG},
			{label: "|w_bg|: " + rhoText(w.RhoBackground), glyph: &bgG},
		}})
	}
	shared := []legendEntry{
		{label: "|w_obj − w_bg|", glyph: &diffG},
		{label: "|w_obj| (object logit)", glyph: &objG},
		{label: "|w_bg| (background logit)", glyph: &bgG},
	}
	return chartFigure("fig18", "Fig. 18 — Output-layer weight of each last-layer unit against its SA (Spearman ρ, 95 % CI over units)", panels, shared, panelW, panelH), nil
}
