package plots

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Spread over seeds. A figure of a multi-seed run draws the mean over seeds
// with the range (minimum to maximum) across seeds: a shaded band around a
// line (Fig. 5), whiskers on a bar (Fig. 11), and per-seed correlations in the
// legend (Fig. 10). A single run leaves the ranges nil and draws as before.

// Range is the spread across seeds of a series: Lo[i] ≤ mean ≤ Hi[i].
type Range struct {
	Lo, Hi []float64
}

// check tells whether r is empty or matches a series of n finite values that
// lie inside it.
func (r *Range) check(what string, mean []float64) error {
	if r == nil {
		return nil
	}
	if len(r.Lo) != len(mean) || len(r.Hi) != len(mean) {
		return fmt.Errorf("plots: %s: range of %d/%d values for %d", what, len(r.Lo), len(r.Hi), len(mean))
	}
	if err := checkFinite(what+" range", append(append([]float64(nil), r.Lo...), r.Hi...)); err != nil {
		return err
	}
	for i, m := range mean {
		if r.Lo[i] > m || r.Hi[i] < m {
			return fmt.Errorf("plots: %s: value %d: mean %v outside its range [%v, %v]", what, i, m, r.Lo[i], r.Hi[i])
		}
	}
	return nil
}

// SpreadOf returns the mean and the range, element by element, of several
// seeds' series of equal length.
func SpreadOf(seeds [][]float64) (mean []float64, r *Range, err error) {
	if len(seeds) == 0 {
		return nil, nil, fmt.Errorf("%w: spread of no seeds", ErrEmpty)
	}
	n := len(seeds[0])
	mean, r = make([]float64, n), &Range{Lo: append([]float64(nil), seeds[0]...), Hi: append([]float64(nil), seeds[0]...)}
	for s, v := range seeds {
		if len(v) != n {
			return nil, nil, fmt.Errorf("plots: spread: seed %d has %d values, seed 0 has %d", s, len(v), n)
		}
		for i, x := range v {
			mean[i] += x / float64(len(seeds))
			r.Lo[i], r.Hi[i] = min(r.Lo[i], x), max(r.Hi[i], x)
		}
	}
	// The mean of values can round just outside their range: clamp it back.
	for i := range mean {
		mean[i] = min(max(mean[i], r.Lo[i]), r.Hi[i])
	}
	return mean, r, nil
}

// addBand shades the range r of a series starting at x0, translucent c.
func addBand(p *plot.Plot, r *Range, x0 float64, c color.RGBA) {
	if r == nil {
		return
	}
	var pts plotter.XYs
	for i, v := range r.Hi {
		pts = append(pts, plotter.XY{X: x0 + float64(i), Y: v})
	}
	for i := len(r.Lo) - 1; i >= 0; i-- {
		pts = append(pts, plotter.XY{X: x0 + float64(i), Y: r.Lo[i]})
	}
	poly, err := plotter.NewPolygon(pts)
	if err != nil {
		return
	}
	poly.Color, poly.LineStyle.Width = bandColor(c), 0
	p.Add(poly)
}

// bandAlpha is the opacity of a spread band.
const bandAlpha = 0x48

// bandColor is c, translucent (non-premultiplied, so the hue stays c's).
func bandColor(c color.RGBA) color.NRGBA {
	return color.NRGBA{R: c.R, G: c.G, B: c.B, A: bandAlpha}
}

// addWhiskers draws the range r of bars at positions 0…n−1, shifted by offset
// (the bars' own offset), with small caps.
func addWhiskers(p *plot.Plot, r *Range, offset vg.Length) {
	if r != nil {
		p.Add(whiskers{r: r, offset: offset})
	}
}

// whiskers is a plotter of vertical range lines at integer x positions.
type whiskers struct {
	r      *Range
	offset vg.Length
}

// Plot draws every whisker in data coordinates, shifted by the offset.
func (w whiskers) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	ls := draw.LineStyle{Color: oiBlack, Width: vg.Points(0.8)}
	capW := vg.Points(2)
	for i := range w.r.Lo {
		x := trX(float64(i)) + w.offset
		lo, hi := trY(w.r.Lo[i]), trY(w.r.Hi[i])
		c.StrokeLine2(ls, x, lo, x, hi)
		c.StrokeLine2(ls, x-capW, lo, x+capW, lo)
		c.StrokeLine2(ls, x-capW, hi, x+capW, hi)
	}
}
