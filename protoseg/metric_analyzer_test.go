package protoseg

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// truthOf is the ground truth inside a binary ROI, computed here on its own:
// G > 0.5 where R = 1 (nil R: everywhere).
func truthOf(gt, roi *tensors.Tensor, n int) [][]uint8 {
	g := tensors.MustCopyFlatData[float32](gt)
	var r []float32
	if roi != nil {
		r = tensors.MustCopyFlatData[float32](roi)
	}
	size := len(g) / n
	out := make([][]uint8, n)
	for i := range out {
		out[i] = make([]uint8, size)
		for p := range size {
			if g[i*size+p] > 0.5 && (r == nil || r[i*size+p] == 1) {
				out[i][p] = 1
			}
		}
	}
	return out
}

// metricWant scores a SAM against the truth inside the ROI of image i: a count
// metric on the ROI's pixels alone, NSD on the maps (both background outside R).
func metricWant(t *testing.T, m Metric, sam, truth []uint8, roi *tensors.Tensor, i int, spatial []int) float64 {
	t.Helper()
	if roi != nil && !m.NeedsMaps() {
		r := tensors.MustCopyFlatData[float32](roi)[i*len(sam) : (i+1)*len(sam)]
		var s, g []uint8
		for p, v := range r {
			if v == 1 {
				s, g = append(s, sam[p]), append(g, truth[p])
			}
		}
		if len(s) == 0 {
			return m.fromTotals(0, 0, 0, 0)
		}
		sam, truth, spatial = s, g, []int{len(s)}
	}
	v, err := Score(m, sam, truth, spatial)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMetricAnalyzer checks every metric of the Analyzer, layer and units, on
// both unit paths, against Score of the SAMs a Dice analyzer returns (count
// metrics from the graph's and the kernel's counts must equal the counts of the
// maps), on the unit kernel's 2D and 3D cases with binary or no ROI, empty and
// full masks included.
func TestMetricAnalyzer(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 5))
	ref, a := newTestAnalyzer(t, Bilinear), newTestAnalyzer(t, Bilinear)
	ref.SetUnitPath(UnitGraph)
	checked := 0
	for _, c := range unitCases() {
		if c.roi == "fractional" || c.method != Bilinear || c.values == "huge" {
			continue
		}
		f, mask, gt, roi := c.inputs(rng)
		truth := truthOf(gt, roi, c.n)
		layer, err := ref.Layer(c.name, f, mask, gt, roi)
		if err != nil {
			t.Fatal(err)
		}
		units, err := ref.Units(c.name, f, mask, gt, roi, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range Metrics() {
			if err := a.SetMetric(m); err != nil {
				t.Fatal(err)
			}
			lr, err := a.Layer(c.name, f, mask, gt, roi)
			if err != nil {
				t.Fatalf("%s %v: %v", c.name, m, err)
			}
			for i := range c.n {
				want := metricWant(t, m, layer.SAM[i], truth[i], roi, i, c.size)
				if lr.SA[i] != want {
					t.Fatalf("%s %v: layer SA[%d] = %v, want %v", c.name, m, i, lr.SA[i], want)
				}
			}
			for _, path := range []UnitPath{UnitGraph, UnitKernel} {
				a.SetUnitPath(path)
				ur, err := a.Units(c.name, f, mask, gt, roi, false)
				if err != nil {
					t.Fatalf("%s %v %v: %v", c.name, m, path, err)
				}
				if ur.SAMs != nil {
					t.Fatalf("%s %v %v: SAMs kept without keepSAMs", c.name, m, path)
				}
				for i := range c.n {
					for k := range c.c {
						want := metricWant(t, m, units.SAMs[i][k].Unpack(nil), truth[i], roi, i, c.size)
						if math.Float64bits(ur.SA[i][k]) != math.Float64bits(want) {
							t.Fatalf("%s %v %v: unit SA[%d][%d] = %v, want %v", c.name, m, path, i, k, ur.SA[i][k], want)
						}
						checked++
					}
				}
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d unit scores checked", checked)
	}
	if err := a.SetMetric(Metric(-1)); err == nil || a.Metric() != MetricNSD {
		t.Fatalf("SetMetric(-1): %v, metric now %v; want an error and no change", err, a.Metric())
	}
}

// TestMetricHandComputed: a new analyzer scores by Dice, and the hand-computed
// layer of TestHandComputed scores as the closed forms say under each metric.
func TestMetricHandComputed(t *testing.T) {
	a := newTestAnalyzer(t, Bilinear)
	if a.Metric() != MetricDice {
		t.Fatalf("default metric %v, want dice", a.Metric())
	}
	f := tensors.FromFlatDataAndDimensions([]float64{0, 1, 2, 3}, 1, 1, 4, 1)
	b := tensors.FromFlatDataAndDimensions([]float64{0, 0, 1, 1}, 1, 1, 4)
	g := tensors.FromFlatDataAndDimensions([]float64{0, 1, 1, 1}, 1, 1, 4)
	// SAM = [0 0 1 1] against G = [0 1 1 1]: TP 2, FP 0, FN 1, TN 1. On a 1×4
	// grid every object pixel touches the border: ∂S = {2, 3}, ∂G = {1, 2, 3},
	// each within 1 pixel of the other: NSD = 1.
	want := map[Metric]float64{MetricDice: 0.8, MetricJaccard: 2.0 / 3, MetricSensitivity: 2.0 / 3,
		MetricSpecificity: 1, MetricAccuracy: 0.75, MetricNSD: 1}
	for m, w := range want {
		if err := a.SetMetric(m); err != nil {
			t.Fatal(err)
		}
		res, err := a.Layer("hand", f, b, g, nil)
		if err != nil {
			t.Fatal(err)
		}
		units, err := a.Units("hand", f, b, g, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(res.SA[0]-w) > 1e-15 || math.Abs(units.SA[0][0]-w) > 1e-15 {
			t.Errorf("%v: layer %v, unit %v; want %v", m, res.SA[0], units.SA[0][0], w)
		}
	}
}

// WithMetric scores by its metric and leaves the original analyzer on its own.
func TestWithMetric(t *testing.T) {
	a := newTestAnalyzer(t, Bilinear)
	j, err := a.WithMetric(MetricJaccard)
	if err != nil {
		t.Fatal(err)
	}
	f := tensors.FromFlatDataAndDimensions([]float64{0, 1, 2, 3}, 1, 1, 4, 1)
	b := tensors.FromFlatDataAndDimensions([]float64{0, 0, 1, 1}, 1, 1, 4)
	g := tensors.FromFlatDataAndDimensions([]float64{0, 1, 1, 1}, 1, 1, 4)
	rj, err := j.Layer("hand", f, b, g, nil)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := a.Layer("hand", f, b, g, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rj.SA[0] != 2.0/3 || rd.SA[0] != 0.8 || a.Metric() != MetricDice {
		t.Fatalf("WithMetric: jaccard %v (want 2/3), original %v %v (want dice 0.8)", rj.SA[0], a.Metric(), rd.SA[0])
	}
	if _, err := a.WithMetric(Metric(99)); err == nil {
		t.Fatal("unknown metric: no error")
	}
}
