package report

import (
	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// fig13 is Fig. 13: the test images of lowest and highest μ (online model) with
// the heat-map of the last two layers, the output, μ and Dice.
func fig13(rs []*measure.DatasetResults) (*plots.Figure, error) {
	var in []plots.Example13
	for _, r := range rs {
		ds, on := r.Dataset, r.Online
		for _, i := range []int{argmin(on.Mu), argmax(on.Mu)} {
			for _, p := range viewsOf(ds, i) {
				in = append(in, plots.Example13{Dataset: viewLabel(ds.Name, p), Image: testView(ds, i, p), GT: measure.SlicePlane(ds.Test[i].Mask, p),
					Heat: measure.SlicePlane(on.Heat1718[i], p), Output: measure.SlicePlane(on.Output[i], p),
					Mu: on.Mu[i], Dice: on.Dice[i], Degenerate: i < len(on.Degenerate) && on.Degenerate[i]})
			}
		}
	}
	return plots.Fig13Examples(in)
}

// argmin is the index of the first smallest value of x.
func argmin(x []float64) int {
	k := 0
	for i, v := range x {
		if v < x[k] {
			k = i
		}
	}
	return k
}

// argmax is the index of the first largest value of x.
func argmax(x []float64) int {
	k := 0
	for i, v := range x {
		if v > x[k] {
			k = i
		}
	}
	return k
}
