package claims

import (
	"testing"

	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/stats"
)

// The §5 finding reads "no relation" as |ρ| < 0.3: a perfect rank relation fails it.
func TestWeightFinding(t *testing.T) {
	r := handResults(20)
	units := len(r.Offline.UnitSA[0])
	sa := make([]float64, units)
	diff := make([]float64, units)
	for k := range units {
		sa[k], diff[k] = float64(k)/float64(units), float64(k)
	}
	r.Weights = &measure.WeightRelation{UnitSA: sa, Object: diff, Background: diff, Difference: diff}
	f := finding(t, Findings([]*measure.DatasetResults{r}), "No relation between a last-layer unit's SA")
	if f.Verdict != stats.Fails || f.Effect != 1 {
		t.Fatalf("ρ = 1: %s, effect %v; want fails with effect 1", f.Verdict, f.Effect)
	}
}
