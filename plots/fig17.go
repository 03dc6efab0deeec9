package plots

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
)

// RiskCoverage holds the risk–coverage curves of one dataset: Risk[m][k−1] is
// the mean risk (1 − Dice) of the k most confident test images under method
// Methods[m]; Oracle is the same for the ranking by Dice itself. Every curve has
// one point per test image (coverage k/n).
type RiskCoverage struct {
	Dataset string
	Methods []string
	Risk    [][]float64
	Oracle  []float64
}

// riskColours are the colours of the methods of Fig. 17, in order (Okabe–Ito;
// μ green as in Figs. 10–11, VoG grey).
var riskColours = []color.Color{oiGreen, grey, oiBlue, oiOrange, oiPurple, oiVermillion}

// Fig17RiskCoverage draws the risk–coverage curves of every method and of the
// oracle, one panel per dataset (beyond the ProtoSeg paper: the failure-detection
// view of Zenk et al., MedIA 2025). Every dataset must list the same methods.
func Fig17RiskCoverage(rcs []RiskCoverage) (*Figure, error) {
	if err := checkDatasets(len(rcs), "Fig17"); err != nil {
		return nil, err
	}
	methods := rcs[0].Methods
	if len(methods) == 0 || len(methods) > len(riskColours) {
		return nil, fmt.Errorf("plots: Fig17: %d methods, want 1–%d", len(methods), len(riskColours))
	}
	styles := make([]draw.LineStyle, len(methods))
	for m := range methods {
		styles[m] = lineStyle(riskColours[m], 1.3, false)
	}
	oracle := lineStyle(oiBlack, 1.1, true)
	var panels []chartPanel
	for _, rc := range rcs {
		p, err := rc.plot(methods, styles, oracle)
		if err != nil {
			return nil, err
		}
		panels = append(panels, chartPanel{p: p})
	}
	var shared []legendEntry
	for m, name := range methods {
		shared = append(shared, lineEntry(name, styles[m], nil))
	}
	shared = append(shared, lineEntry("oracle (ranked by Dice)", oracle, nil))
	return chartFigure("fig17", "Fig. 17 — Risk–coverage curves of the quality scores (lower is better)", panels, shared, panelW, panelH), nil
}

// plot draws a dataset's curves with the given styles (methods must be those
// of the first dataset) and the oracle's.
func (rc RiskCoverage) plot(methods []string, styles []draw.LineStyle, oracle draw.LineStyle) (*plot.Plot, error) {
	n := len(rc.Oracle)
	if n == 0 {
		return nil, fmt.Errorf("%w: Fig17 %q: no test images", ErrEmpty, rc.Dataset)
	}
	if len(rc.Methods) != len(methods) || len(rc.Risk) != len(methods) {
		return nil, fmt.Errorf("plots: Fig17 %q: %d methods and %d curves, want %d", rc.Dataset, len(rc.Methods), len(rc.Risk), len(methods))
	}
	if err := checkFinite("Fig17 "+rc.Dataset+" oracle", rc.Oracle); err != nil {
		return nil, err
	}
	p := newPlot(rc.Dataset, "coverage (fraction kept)", "risk (mean 1 − Dice of kept)")
	p.X.Min, p.X.Max = 0, 1
	p.Y.Min, p.Y.Max = 0, 0
	cov := func(ys []float64) plotter.XYs {
		xy := make(plotter.XYs, len(ys))
		for k, y := range ys {
			xy[k] = plotter.XY{X: float64(k+1) / float64(n), Y: y}
			p.Y.Max = max(p.Y.Max, y)
		}
		return xy
	}
	for m, r := range rc.Risk {
		if rc.Methods[m] != methods[m] {
			return nil, fmt.Errorf("plots: Fig17 %q: method %d is %q, other datasets have %q", rc.Dataset, m, rc.Methods[m], methods[m])
		}
		if len(r) != n {
			return nil, fmt.Errorf("plots: Fig17 %q %s: %d points, want %d", rc.Dataset, methods[m], len(r), n)
		}
		if err := checkFinite("Fig17 "+rc.Dataset+" "+methods[m], r); err != nil {
			return nil, err
		}
		l, _ := plotter.NewLine(cov(r))
		l.LineStyle = styles[m]
		p.Add(l)
	}
	l, _ := plotter.NewLine(cov(rc.Oracle))
	l.LineStyle = oracle
	p.Add(l)
	p.Y.Max = max(p.Y.Max*1.05, 0.05)
	return p, nil
}
