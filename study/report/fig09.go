package report

import (
	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// fig9 is Fig. 9: the heat-map of the last layer's binary unit SAMs on each
// dataset's example image (offline model).
func fig9(rs []*measure.DatasetResults) (*plots.Figure, error) {
	var in []plots.HeatMap
	for _, v := range exampleViews(rs) {
		in = append(in, plots.HeatMap{Dataset: v.label(), Image: v.image(), GT: v.truth(),
			Heat: measure.SlicePlane(v.r.Offline.Heat[v.off.Index], v.p)})
	}
	return plots.Fig9HeatMaps(in)
}
