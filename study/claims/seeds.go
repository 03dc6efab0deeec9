package claims

import (
	"fmt"
	"strings"

	"github.com/protoseg-go/protoseg-go/study/stats"
)

// CombineSeeds combines the findings of several seeds (each from [Findings] on
// the same datasets): per dataset, the effect is the mean over seeds with a
// two-stage bootstrap interval ([PoolOverSeeds]: seeds, then test images), and
// the verdict judges that interval with the claim's band, so it agrees with the
// printed interval; over datasets, as in [Findings]. A claim
// or dataset missing from some seed is combined over the seeds that have it.
func CombineSeeds(perSeed [][]Finding) []Finding {
	if len(perSeed) == 0 {
		return nil
	}
	var out []Finding
	for _, f0 := range perSeed[0] {
		f := Finding{Claim: f0.Claim, Band: f0.Band}
		for _, d0 := range f0.PerDataset {
			ivs, seedVerdicts := seedIntervals(perSeed, f0.Claim, d0.Name)
			d := DatasetFinding{Name: d0.Name, Verdict: stats.Inconclusive}
			if iv, err := stats.PoolOverSeeds(ivs, stats.BootstrapSeed); err != nil {
				d.Detail = "undefined: " + err.Error()
			} else {
				d.Defined, d.Effect, d.CILow, d.CIHigh, d.replicates = true, iv.Effect, iv.Low, iv.High, iv.Replicates
				d.Verdict = f.Band.Judge(iv)
				d.Detail = fmt.Sprintf("%s over %s (per seed: %s)", ciText(iv), seedCount(len(ivs)), joinVerdicts(seedVerdicts))
			}
			f.PerDataset = append(f.PerDataset, d)
		}
		f.combine()
		out = append(out, f)
	}
	return out
}

// seedCount is "1 seed" or "n seeds".
func seedCount(n int) string {
	if n == 1 {
		return "1 seed"
	}
	return fmt.Sprintf("%d seeds", n)
}

// seedIntervals returns, over the seeds, the defined intervals of one claim on
// one dataset and every seed's verdict.
func seedIntervals(perSeed [][]Finding, claim, dataset string) (ivs []stats.Interval, verdicts []stats.Verdict) {
	for _, fs := range perSeed {
		for _, g := range fs {
			if g.Claim != claim {
				continue
			}
			for _, d := range g.PerDataset {
				if d.Name != dataset {
					continue
				}
				verdicts = append(verdicts, d.Verdict)
				if d.Defined {
					ivs = append(ivs, stats.Interval{Effect: d.Effect, Low: d.CILow, High: d.CIHigh, Replicates: d.replicates})
				}
			}
		}
	}
	return ivs, verdicts
}

// joinVerdicts lists verdicts separated by commas.
func joinVerdicts(vs []stats.Verdict) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
