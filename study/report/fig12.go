package report

import (
	"fmt"
	"sort"

	"github.com/protoseg-go/protoseg-go/data"

	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// RankedCount is the number of test images Figs. 12 and 14 show, spread evenly
// over the ranking.
const RankedCount = 6

// fig12 is Fig. 12: test images ranked by μ (online model), with output contours.
func fig12(rs []*measure.DatasetResults) (*plots.Figure, error) {
	var in []plots.RankedPanels
	for _, r := range rs {
		on := r.Online
		in = append(in, ranked(r.Dataset, on.Mu, on.Output, func(i int) string { return fmt.Sprintf("Dice %.2f", on.Dice[i]) }, RankedCount))
	}
	return plots.Fig12RankedByMu(in)
}

// ranked picks count test images spread evenly over the ranking by score (lowest,
// …, highest) for Fig. 12 and 14.
func ranked(ds *data.Dataset, score []float64, masks [][]uint8, label func(int) string, count int) plots.RankedPanels {
	order := make([]int, len(score))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return score[order[a]] < score[order[b]] })
	count = min(count, len(order))
	r := plots.RankedPanels{Dataset: ds.Name}
	for k := range count {
		i := order[0]
		if count > 1 {
			i = order[k*(len(order)-1)/(count-1)]
		}
		r.Panels = append(r.Panels, plots.Panel{Image: testImage(ds, i), GT: ds.Test[i].Mask, Mask: masks[i], Label: label(i)})
		r.Scores = append(r.Scores, score[i])
	}
	return r
}
