package claims

import (
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/stats"
)

// weightClaims is the paper's §5 "no relation" between unit SA and weights.
func weightClaims() []claim {
	return []claim{{WeightClaim, stats.Band{Lo: -WeakCorrelation, Hi: WeakCorrelation},
		func(r *measure.DatasetResults) (statistic, bool) {
			if r.Weights == nil {
				return statistic{}, false
			}
			w := r.Weights
			return statistic{n: len(w.UnitSA), stat: measure.UnitSpearman(w.UnitSA, w.Difference)}, true
		}}}
}

// WeakCorrelation is the |ρ| below which the project reads a rank correlation
// as "no relation" (the conventional bound of a weak correlation).
const WeakCorrelation = 0.3

// WeightClaim is the claim of the weight finding.
const WeightClaim = "No relation between a last-layer unit's SA and its output weight (§5: \"we did not find any relation between the SA scores and the corresponding learned weights on the units of the last layer\"): effect = Spearman ρ(mean unit SA of the offline model, |w_object − w_background|) over the units, resampled by unit; the project reads \"no relation\" as |ρ| < 0.3"
