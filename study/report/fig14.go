package report

import (
	"fmt"

	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// fig14 is Fig. 14: the test images of one dataset ([fig14Dataset]) ordered by
// SA(S_x, G), with S_x and the ground truth.
func fig14(rs []*measure.DatasetResults) (*plots.Figure, error) {
	var in []plots.RankedPanels
	if r := fig14Dataset(rs); r != nil {
		in = append(in, ranked(r.Dataset, r.Sx, r.SxMaps, func(i int) string { return fmt.Sprintf("S_x %.2f", r.Sx[i]) }, RankedCount)...)
	}
	return plots.Fig14Separableness(in)
}

// fig14Dataset is the dataset Fig. 14 shows: the ISIC one (real or stand-in),
// as in the paper, when it has S_x maps; else the first that has them; nil if
// none has.
func fig14Dataset(rs []*measure.DatasetResults) *measure.DatasetResults {
	var first *measure.DatasetResults
	for _, r := range rs {
		if r.Sx == nil || r.SxMaps == nil {
			continue
		}
		if plots.PaperDataset(r.Dataset.Name) == "ISIC" {
			return r
		}
		if first == nil {
			first = r
		}
	}
	return first
}
