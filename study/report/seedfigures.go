package report

import (
	"fmt"

	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/stats"
)

// SeedFigures returns Figs. 5, 10 and 11 of a multi-seed run, showing the
// spread over seeds: Fig. 5 the mean layer SA over seeds with its range, Fig. 10
// every seed's test images pooled with each seed's Pearson r, Fig. 11 the mean
// bucket Dice over seeds with its range. perSeed[s] holds seed s's results of
// the same datasets; Fig. 10 and 11 need VoG on every seed (else they are left
// out).
func SeedFigures(perSeed [][]*measure.DatasetResults) ([]*plots.Figure, error) {
	if len(perSeed) == 0 || len(perSeed[0]) == 0 {
		return nil, fmt.Errorf("study: seed figures of no results")
	}
	var f5 []plots.LayerSA
	var f10 []plots.QualityScores
	var f11 []plots.Buckets
	for d, r0 := range perSeed[0] {
		seeds := make([]*measure.DatasetResults, len(perSeed))
		for s, rs := range perSeed {
			if d >= len(rs) || rs[d].Dataset.Name != r0.Dataset.Name {
				return nil, fmt.Errorf("study: seed figures: seed %d lacks dataset %s", s, r0.Dataset.Name)
			}
			seeds[s] = rs[d]
		}
		l, err := layerSpread(seeds)
		if err != nil {
			return nil, err
		}
		f5 = append(f5, l)
		if !allHaveVoG(seeds) {
			continue
		}
		f10 = append(f10, pooledQuality(seeds))
		b, err := bucketSpread(seeds)
		if err != nil {
			return nil, err
		}
		f11 = append(f11, b)
	}
	figs := []*plots.Figure{}
	f, err := plots.Fig5LayerSA(f5)
	if err != nil {
		return nil, fmt.Errorf("study: seed figure 5: %w", err)
	}
	figs = append(figs, f)
	if len(f10) > 0 {
		if f, err = plots.Fig10Scatter(f10); err != nil {
			return nil, fmt.Errorf("study: seed figure 10: %w", err)
		}
		figs = append(figs, f)
		if f, err = plots.Fig11Buckets(f11); err != nil {
			return nil, fmt.Errorf("study: seed figure 11: %w", err)
		}
		figs = append(figs, f)
	}
	return figs, nil
}

func allHaveVoG(seeds []*measure.DatasetResults) bool {
	for _, r := range seeds {
		if r.VoG == nil {
			return false
		}
	}
	return true
}

// layerSpread is Fig. 5's mean layer SA over seeds with its range.
func layerSpread(seeds []*measure.DatasetResults) (plots.LayerSA, error) {
	var off, on [][]float64
	for _, r := range seeds {
		off, on = append(off, stats.MeanColumns(r.Offline.LayerSA)), append(on, stats.MeanColumns(r.Online.LayerSA))
	}
	l := plots.LayerSA{Dataset: seeds[0].Dataset.Name}
	var err error
	if l.Offline, l.OfflineRange, err = plots.SpreadOf(off); err != nil {
		return l, fmt.Errorf("study: seed figure 5: %s: %w", l.Dataset, err)
	}
	if l.Online, l.OnlineRange, err = plots.SpreadOf(on); err != nil {
		return l, fmt.Errorf("study: seed figure 5: %s: %w", l.Dataset, err)
	}
	return l, nil
}

// pooledQuality is Fig. 10's scatter of every seed's test images, with each
// seed's Pearson r of μ and of VoG with Dice (NaN where undefined).
func pooledQuality(seeds []*measure.DatasetResults) plots.QualityScores {
	q := plots.QualityScores{Dataset: seeds[0].Dataset.Name, SeedR: &plots.SeedCorrelations{}}
	for _, r := range seeds {
		on, vog := r.Online, r.VoGHardness()
		q.Dice, q.Mu, q.VoG = append(q.Dice, on.Dice...), append(q.Mu, on.Mu...), append(q.VoG, vog...)
		q.SeedR.Mu = append(q.SeedR.Mu, plots.PearsonOrNaN(on.Mu, on.Dice))
		q.SeedR.VoG = append(q.SeedR.VoG, plots.PearsonOrNaN(vog, on.Dice))
	}
	return q
}

// bucketSpread is Fig. 11's mean bucket Dice over seeds with its range.
func bucketSpread(seeds []*measure.DatasetResults) (plots.Buckets, error) {
	var mu, vog [][]float64
	var edges []float64
	for _, r := range seeds {
		b, err := bucketsOf(r)
		if err != nil {
			return b, err
		}
		mu, vog, edges = append(mu, b.Mu), append(vog, b.VoG), b.Edges
	}
	b := plots.Buckets{Dataset: seeds[0].Dataset.Name, Edges: edges}
	var err error
	if b.Mu, b.MuRange, err = plots.SpreadOf(mu); err != nil {
		return b, fmt.Errorf("study: seed figure 11: %s: %w", b.Dataset, err)
	}
	if b.VoG, b.VoGRange, err = plots.SpreadOf(vog); err != nil {
		return b, fmt.Errorf("study: seed figure 11: %s: %w", b.Dataset, err)
	}
	return b, nil
}
