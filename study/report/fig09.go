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
		in = append(in, plots.HeatMap{Dataset: ds.Name, Image: testImage(ds, ex), GT: ds.Test[ex].Mask, Heat: r.Offline.Heat[ex]})
	}
	return plots.Fig9HeatMaps(in)
}
