package stats

import (
	"fmt"
	"math/rand/v2"
)

// PoolOverSeeds combines the intervals of one effect measured on several seeds
// (independent training runs) by a two-stage bootstrap: replicate b draws as many
// seeds as there are, with replacement, and averages their b-th image-level
// replicates, so the interval covers both run-to-run and image-to-image
// variation. The effect is the mean over seeds. With one seed it is that seed's
// interval.
func PoolOverSeeds(ivs []Interval, seed uint64) (Interval, error) {
	if len(ivs) == 0 {
		return Interval{}, fmt.Errorf("study: pooling no seeds")
	}
	if len(ivs) == 1 {
		return ivs[0], nil
	}
	m, effect := alignReplicates(ivs)
	if m == 0 {
		return Interval{}, fmt.Errorf("study: pooling seeds without replicates")
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	reps := make([]float64, m)
	for b := range m {
		for range ivs {
			reps[b] += ivs[rng.IntN(len(ivs))].Replicates[b]
		}
		reps[b] /= float64(len(ivs))
	}
	lo, hi := percentileInterval(reps)
	return Interval{Effect: effect, Low: lo, High: hi, Replicates: reps}, nil
}
