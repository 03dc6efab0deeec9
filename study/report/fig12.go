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
		in = append(in, ranked(r.Dataset, on.Mu, on.Output, func(i int) string { return fmt.Sprintf("Dice %.2f", on.Dice[i]) }, RankedCount)...)
	}
	return plots.Fig12RankedByMu(in)
}

// ranked picks count test images spread evenly over the ranking by score (lowest,
// …, highest) for Fig. 12 and 14: one row of panels for 2D data, and for volumes
// one row per view (axial, coronal, sagittal; each image sliced through its
// own object's centre).
func ranked(ds *data.Dataset, score []float64, masks [][]uint8, label func(int) string, count int) []plots.RankedPanels {
	order := make([]int, len(score))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return score[order[a]] < score[order[b]] })
	count = min(count, len(order))
	var rows []plots.RankedPanels
	for k := range count {
		i := order[0]
		if count > 1 {
			i = order[k*(len(order)-1)/(count-1)]
		}
		for v, p := range viewsOf(ds, i) {
			if v == len(rows) {
				label := ds.Name
				if p.Name != "" { // each image is sliced through its own centre
					label += " · " + measure.ViewNames[v]
				}
				rows = append(rows, plots.RankedPanels{Dataset: label})
			}
			rows[v].Panels = append(rows[v].Panels, plots.Panel{Image: testView(ds, i, p), GT: measure.SlicePlane(ds.Test[i].Mask, p), Mask: measure.SlicePlane(masks[i], p), Label: label(i)})
			rows[v].Scores = append(rows[v].Scores, score[i])
		}
	}
	return rows
}
