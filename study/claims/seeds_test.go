package claims

import (
	"math"
	"testing"

	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/stats"
)

func TestCombineSeeds(t *testing.T) {
	a := Findings([]*measure.DatasetResults{handResults(20)})
	b := Findings([]*measure.DatasetResults{handResults(20)})
	c := CombineSeeds([][]Finding{a, b})
	if len(c) != len(a) {
		t.Fatalf("%d combined findings from %d", len(c), len(a))
	}
	for i := range c {
		if c[i].Verdict != a[i].Verdict || math.Abs(c[i].Effect-a[i].Effect) > 1e-12 {
			t.Fatalf("%q: identical seeds combine to %s %v, want %s %v", c[i].Claim, c[i].Verdict, c[i].Effect, a[i].Verdict, a[i].Effect)
		}
	}
	// The verdict of every combined dataset judges its printed interval.
	for _, f := range c {
		for _, d := range f.PerDataset {
			if d.Defined && f.Band.Judge(stats.Interval{Low: d.CILow, High: d.CIHigh}) != d.Verdict {
				t.Errorf("%q %s: verdict %s disagrees with [%v, %v]", f.Claim, d.Name, d.Verdict, d.CILow, d.CIHigh)
			}
		}
		if f.Pooled && f.Band.Judge(stats.Interval{Low: f.CILow, High: f.CIHigh}) != f.Verdict && f.Verdict != stats.Inconclusive {
			t.Errorf("%q: overall verdict %s disagrees with [%v, %v]", f.Claim, f.Verdict, f.CILow, f.CIHigh)
		}
	}
}
