package report

import (
	"fmt"

	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// WeightFigureNumber is the number of the weight figure (beyond the paper).
const WeightFigureNumber = 18

// WeightFigure returns Fig. 18 from the datasets with a weight relation; when
// none has one, the error wraps [ErrNotMeasured].
func WeightFigure(rs []*measure.DatasetResults) (*plots.Figure, error) {
	var ws []plots.WeightSA
	for _, r := range rs {
		w := r.Weights
		if w == nil {
			continue
		}
		rho := func(name string) *[3]float64 {
			iv, ok := w.Rho[name]
			if !ok {
				return nil
			}
			return &[3]float64{iv.Effect, iv.Low, iv.High}
		}
		ws = append(ws, plots.WeightSA{Dataset: r.Dataset.Name, SA: w.UnitSA, Object: w.Object,
			Background: w.Background, Difference: w.Difference,
			RhoObject: rho("object"), RhoBackground: rho("background"), RhoDifference: rho("difference")})
	}
	if len(ws) == 0 {
		return nil, fmt.Errorf("study: figure %d: %w: no dataset has a weight relation", WeightFigureNumber, ErrNotMeasured)
	}
	f, err := plots.Fig18WeightSA(ws)
	if err != nil {
		return nil, fmt.Errorf("study: figure 18: %w", err)
	}
	return f, nil
}
