package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// BootstrapResamples is the number of bootstrap resamples behind every confidence
// interval of the findings.
const BootstrapResamples = 2000

// BootstrapSeed seeds the bootstrap of the findings, so a report is repeatable.
const BootstrapSeed = 20230101

// Interval is an effect size with its 95 % percentile-bootstrap confidence
// interval.
type Interval struct {
	// Effect is the statistic on the full sample.
	Effect float64
	// Low and High are the 2.5 % and 97.5 % percentiles of the bootstrap
	// replicates.
	Low, High float64
	// Replicates are the statistic on every valid resample (in resample order), so
	// the intervals of several datasets can be pooled.
	Replicates []float64
}

// Bootstrap returns the statistic stat on the n images and its 95 % percentile
// bootstrap interval: resamples times, n image indices are drawn with replacement
// (a PCG stream seeded with seed) and stat is evaluated on them. A claim comparing
// two models evaluates both on the same indices inside stat, which makes the
// bootstrap paired. A resample on which stat is undefined (an error, e.g. a
// correlation of a constant series) is skipped; it is an error when stat is
// undefined on the full sample or on more than half of the resamples, or when it
// gives a non-finite value.
func Bootstrap(n, resamples int, seed uint64, stat func(idx []int) (float64, error)) (Interval, error) {
	if n <= 0 || resamples <= 0 {
		return Interval{}, fmt.Errorf("study: bootstrap of %d images with %d resamples", n, resamples)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	effect, err := stat(idx)
	if err != nil {
		return Interval{}, fmt.Errorf("study: bootstrap: statistic on the full sample: %w", err)
	}
	if math.IsNaN(effect) || math.IsInf(effect, 0) {
		return Interval{}, fmt.Errorf("study: bootstrap: statistic on the full sample is %v", effect)
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	reps := make([]float64, 0, resamples)
	for range resamples {
		for i := range idx {
			idx[i] = rng.IntN(n)
		}
		v, err := stat(idx)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		reps = append(reps, v)
	}
	if 2*len(reps) < resamples {
		return Interval{}, fmt.Errorf("study: bootstrap: statistic undefined on %d of %d resamples", resamples-len(reps), resamples)
	}
	lo, hi := percentileInterval(reps)
	return Interval{Effect: effect, Low: lo, High: hi, Replicates: reps}, nil
}

// percentileInterval returns the 2.5 % and 97.5 % percentiles of v (linear
// interpolation between order statistics).
func percentileInterval(v []float64) (lo, hi float64) {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return quantile(s, 0.025), quantile(s, 0.975)
}

// quantile of sorted s at q in [0,1], interpolating linearly.
func quantile(s []float64, q float64) float64 {
	if len(s) == 1 {
		return s[0]
	}
	pos := q * float64(len(s)-1)
	i := int(math.Floor(pos))
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	f := pos - float64(i)
	return s[i]*(1-f) + s[i+1]*f
}

// alignReplicates returns the length of the shortest replicate list of ivs (the
// common resamples two poolers can combine) and the mean of their effects.
func alignReplicates(ivs []Interval) (m int, meanEffect float64) {
	m = len(ivs[0].Replicates)
	for _, iv := range ivs {
		m = min(m, len(iv.Replicates))
		meanEffect += iv.Effect
	}
	return m, meanEffect / float64(len(ivs))
}
