package report

import (
	"fmt"

	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// Fig11Buckets is the number of percentile buckets of Fig. 11 (fewer when the
// test set is smaller).
const Fig11Buckets = 5

// fig11 is Fig. 11: the online model's mean Dice per percentile bucket of μ and
// of VoG, on the datasets with VoG scores.
func fig11(rs []*measure.DatasetResults) (*plots.Figure, error) {
	var in []plots.Buckets
	for _, r := range rs {
		if r.VoG == nil {
			continue
		}
		b, err := bucketsOf(r)
		if err != nil {
			return nil, err
		}
		in = append(in, b)
	}
	return plots.Fig11Buckets(in)
}

// bucketsOf returns Fig. 11's buckets of the online model's Dice by μ and by
// VoG ([measure.DatasetResults.VoGHardness]) on one dataset with VoG scores.
func bucketsOf(r *measure.DatasetResults) (plots.Buckets, error) {
	on := r.Online
	k := min(Fig11Buckets, len(on.Dice))
	b := plots.Buckets{Dataset: r.Dataset.Name}
	bm, err := protoseg.PercentileBuckets(on.Dice, on.Mu, k)
	if err != nil {
		return b, fmt.Errorf("study: figure 11: %s: %w", r.Dataset.Name, err)
	}
	bv, err := protoseg.PercentileBuckets(on.Dice, r.VoGHardness(), k)
	if err != nil {
		return b, fmt.Errorf("study: figure 11: %s: %w", r.Dataset.Name, err)
	}
	for i := range bm {
		b.Edges = append(b.Edges, bm[i].From)
		b.Mu = append(b.Mu, bm[i].MeanDice)
		b.VoG = append(b.VoG, bv[i].MeanDice)
	}
	b.Edges = append(b.Edges, 100)
	return b, nil
}
