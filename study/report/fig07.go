package report

import (
	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/stats"
)

// fig7 is Fig. 7: the sorted mean SA of the last layer's units (offline model)
// with the active/inertia split.
func fig7(rs []*measure.DatasetResults) (*plots.Figure, error) {
	var in []plots.UnitSA
	for _, r := range rs {
		unitMean := stats.MeanColumns(r.Offline.UnitSA)
		dice, _ := protoseg.MeanSD(r.Offline.Dice)
		in = append(in, plots.UnitSA{Dataset: r.Dataset.Name, SA: unitMean, Threshold: protoseg.ActiveThreshold(unitMean), OutputDice: dice})
	}
	return plots.Fig7UnitSA(in)
}
