package study

import (
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
)

// handResults builds results with known effects: online S_18 = offline S_18 + 0.1
// with the same output Dice, μ = Dice, and 1 active unit of 10 in layer 18.
func handResults(n int) *DatasetResults {
	off, on := &ModelResults{}, &ModelResults{}
	for i := range n {
		dice := 0.5 + 0.4*float64(i)/float64(n)
		sa := make([]float64, NumLayers)
		for l := range sa {
			sa[l] = 0.6
			if l >= 4 && l < 14 {
				sa[l] = 0.3 // the abstract dip
			}
		}
		onSA := append([]float64(nil), sa...)
		onSA[NumLayers-1] += 0.1
		units := []float64{0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}
		for _, m := range []*ModelResults{off, on} {
			m.Dice = append(m.Dice, dice)
			m.Mu = append(m.Mu, dice)
			m.UnitSA = append(m.UnitSA, units)
		}
		off.LayerSA = append(off.LayerSA, sa)
		on.LayerSA = append(on.LayerSA, onSA)
	}
	return &DatasetResults{Dataset: &data.Dataset{Name: "covid-synth"}, Offline: off, Online: on}
}

func TestFindingsVerdicts(t *testing.T) {
	fs := Findings([]*DatasetResults{handResults(20)})
	want := map[string]string{
		"Online training raises S_18": Holds, // ΔS_18 = 0.1 exactly, ΔB = 0
		"20–50 % of the layer-18":     Fails, // 10 % active
		"The abstract layers":         Holds, // dip 0.3
		"SA rises from the early":     Fails, // offline late − early = 0 exactly: not > 0
		"μ correlates positively with Dice (Fig. 10): effect = Pearson": Holds,
	}
	for prefix, v := range want {
		found := false
		for _, f := range fs {
			if strings.HasPrefix(f.Claim, prefix) {
				found = true
				if f.Verdict != v || len(f.PerDataset) != 1 || !f.Pooled {
					t.Fatalf("%q: verdict %s (%s), want %s", f.Claim, f.Verdict, f.Evidence, v)
				}
			}
		}
		if !found {
			t.Fatalf("no finding %q", prefix)
		}
	}
	for _, f := range fs {
		if strings.HasPrefix(f.Claim, "Online training") && (f.Effect < 0.1-1e-9 || f.Effect > 0.1+1e-9 || f.CILow > f.Effect || f.CIHigh < f.Effect) {
			t.Fatalf("ΔS_18 effect %v [%v, %v], want 0.1", f.Effect, f.CILow, f.CIHigh)
		}
		if strings.Contains(f.Claim, "VoG") {
			t.Fatalf("VoG finding without VoG scores: %+v", f)
		}
	}
}
