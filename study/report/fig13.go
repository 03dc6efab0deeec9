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
			for v, p := range viewsOf(ds, i) {
				label := viewLabel(ds.Name, p)
				if v > 0 { // the columns of one volume stand together: name it once
					label = p.Name
				}
				in = append(in, plots.Example13{Dataset: label, Image: testView(ds, i, p), GT: measure.SlicePlane(ds.Test[i].Mask, p),
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
