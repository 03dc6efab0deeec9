package report

import (
	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// fig10 is Fig. 10: Dice(B, G) of the online model against μ and against VoG
// ([measure.DatasetResults.VoGHardness]) on the datasets with VoG scores.
func fig10(rs []*measure.DatasetResults) (*plots.Figure, error) {
	var in []plots.QualityScores
	for _, r := range rs {
		if r.VoG != nil {
			in = append(in, plots.QualityScores{Dataset: r.Dataset.Name, Dice: r.Online.Dice, Mu: r.Online.Mu, VoG: r.VoGHardness()})
		}
	}
	return plots.Fig10Scatter(in)
}
