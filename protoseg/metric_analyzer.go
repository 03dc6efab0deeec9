package protoseg

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// SetMetric selects the metric [Analyzer.Layer] and [Analyzer.Units] score every
// SAM by (default [MetricDice], the paper's SA score); an unknown metric is an error.
//
// The count metrics cost nothing more than Dice: they come from the same
// per-image and per-unit totals |S∩G| and |S| (graph or unit kernel) and the
// region totals |G| and |R|. A map metric ([MetricNSD]) needs every SAM: Layer has
// them anyway; Units then makes the N·C unit SAMs (N·C·P bits, as with
// keepSAMs) and scores each in plain Go, O(P) per unit, so it is slower and
// holds more memory than the count metrics.
func (a *Analyzer) SetMetric(m Metric) error {
	if !m.valid() {
		return fmt.Errorf("protoseg: set metric: unknown metric %v (known: %v)", m, MetricNames())
	}
	a.metric = m
	return nil
}

// Metric returns the metric the analyzer scores by.
func (a *Analyzer) Metric() Metric { return a.metric }

// scoreLayerMaps replaces the SA of every image of res by the map metric of its
// SAM (as returned, filled by the empty-region convention) against G·R.
func (a *Analyzer) scoreLayerMaps(res *LayerResult, f, gt, roi *tensors.Tensor) error {
	truth, err := truthMaps(f, gt, roi, len(res.SAM))
	if err != nil {
		return fmt.Errorf("protoseg: %s: %w", res.Name, err)
	}
	for i, sam := range res.SAM {
		if res.SA[i], err = Score(a.metric, sam, truth[i], res.Spatial); err != nil {
			return fmt.Errorf("protoseg: %s: image %d: %w", res.Name, i, err)
		}
	}
	return nil
}

// scoreUnitMaps replaces the SA of every image and unit of res by the map metric
// of the unit SAM against G·R, and drops the SAMs unless keep.
func (a *Analyzer) scoreUnitMaps(res *UnitResult, f, gt, roi *tensors.Tensor, keep bool) error {
	if a.metric != MetricNSD {
		return fmt.Errorf("protoseg: %s: no unit scoring for the map metric %v", res.Name, a.metric)
	}
	truth, err := truthMaps(f, gt, roi, len(res.SAMs))
	if err != nil {
		return fmt.Errorf("protoseg: %s: %w", res.Name, err)
	}
	for i, sams := range res.SAMs {
		if err := checkMaps(truth[i], truth[i], res.Spatial); err != nil {
			return fmt.Errorf("protoseg: %s: image %d: %w", res.Name, i, err)
		}
		g := newSurface(truth[i], res.Spatial, NSDTolerance)
		var buf []uint8
		for k, sam := range sams {
			buf = sam.Unpack(buf)
			res.SA[i][k] = g.dice(buf)
		}
	}
	if !keep {
		res.SAMs = nil
	}
	return nil
}

// truthMaps returns the n binary ground-truth maps inside the ROI the analysis
// graphs score against: G > 0.5 after conversion to the feature's dtype (as
// prepare binarises it), and R > 0.5 (nil: everywhere) — a map metric reads R as
// binary.
func truthMaps(f, gt, roi *tensors.Tensor, n int) ([][]uint8, error) {
	g := toFloat64(gt)
	if f.DType() == dtypes.Float32 {
		g32, err := flatFloat32(gt)
		if err != nil {
			return nil, fmt.Errorf("ground truth shaped %s: %w", gt.Shape(), err)
		}
		for i, v := range g32 {
			g[i] = float64(v)
		}
	}
	var r []float64
	if roi != nil {
		r = toFloat64(roi)
	}
	if n == 0 || len(g)%n != 0 || (r != nil && len(r) != len(g)) {
		return nil, fmt.Errorf("ground truth shaped %s does not split into %d maps", gt.Shape(), n)
	}
	size := len(g) / n
	out := make([][]uint8, n)
	for i := range out {
		m := make([]uint8, size)
		for p := range m {
			q := i*size + p
			if g[q] > 0.5 && (r == nil || r[q] > 0.5) {
				m[p] = 1
			}
		}
		out[i] = m
	}
	return out, nil
}

// WithMetric returns an analyzer that scores by m and shares a's compiled graphs
// and caches (the metric only changes how counts and maps are scored). Use the
// two from one goroutine at a time, as a itself.
func (a *Analyzer) WithMetric(m Metric) (*Analyzer, error) {
	b := *a
	if err := b.SetMetric(m); err != nil {
		return nil, err
	}
	return &b, nil
}
