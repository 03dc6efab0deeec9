package report

import (
	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// fig15 is Fig. 15: Dice(B, G) of the online model against SA(S_x, G).
func fig15(rs []*measure.DatasetResults) (*plots.Figure, error) {
	var in []plots.Separableness
	for _, r := range rs {
		if r.Sx != nil {
			in = append(in, plots.Separableness{Dataset: r.Dataset.Name, SASx: r.Sx, Dice: r.Online.Dice})
		}
	}
	return plots.Fig15Separableness(in)
}
