package report

import (
	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// fig16 is Fig. 16: per layer, SA(noisy) − SA(clean) of the offline model per
// noise level.
func fig16(rs []*measure.DatasetResults) (*plots.Figure, error) {
	var in []plots.NoiseSA
	for _, r := range rs {
		if r.Noise != nil {
			in = append(in, plots.NoiseSA{Dataset: r.Dataset.Name, Levels: r.NoiseLevels, Diff: r.Noise})
		}
	}
	return plots.Fig16Noise(in)
}
