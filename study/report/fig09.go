package report

import (
	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// fig9 is Fig. 9: the heat-map of the last layer's binary unit SAMs on each
// dataset's example image (offline model).
func fig9(rs []*measure.DatasetResults) (*plots.Figure, error) {
	var in []plots.HeatMap
	for _, r := range rs {
		ds := r.Dataset
		ex, off, on := examplesOf(r)
		if off == nil || on == nil {
			continue
		}
		for _, p := range viewsOf(ds, ex) {
			in = append(in, plots.HeatMap{Dataset: viewLabel(ds.Name, p), Image: testView(ds, ex, p), GT: measure.SlicePlane(ds.Test[ex].Mask, p), Heat: measure.SlicePlane(r.Offline.Heat[ex], p)})
		}
	}
	return plots.Fig9HeatMaps(in)
}
