package report

import (
	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/stats"
)

// fig5 is Fig. 5: the mean SA per layer, offline against online, per dataset.
func fig5(rs []*measure.DatasetResults) (*plots.Figure, error) {
	var in []plots.LayerSA
	for _, r := range rs {
		in = append(in, plots.LayerSA{Dataset: r.Dataset.Name, Offline: stats.MeanColumns(r.Offline.LayerSA), Online: stats.MeanColumns(r.Online.LayerSA)})
	}
	return plots.Fig5LayerSA(in)
}
