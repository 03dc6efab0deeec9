package claims

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/stats"
	"github.com/protoseg-go/protoseg-go/unet"
)

// handResults builds results with known effects: online S_18 = offline S_18 + 0.1
// with the same output Dice, μ = Dice, and 1 active unit of 10 in layer 18.
func handResults(n int) *measure.DatasetResults {
	off, on := &measure.ModelResults{}, &measure.ModelResults{}
	for i := range n {
		dice := 0.5 + 0.4*float64(i)/float64(n)
		sa := make([]float64, unet.NumLayers)
		for l := range sa {
			sa[l] = 0.6
			if l >= 4 && l < 14 {
				sa[l] = 0.3 // the abstract dip
			}
		}
		onSA := append([]float64(nil), sa...)
		onSA[unet.NumLayers-1] += 0.1
		units := []float64{0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}
		for _, m := range []*measure.ModelResults{off, on} {
			m.Dice = append(m.Dice, dice)
			m.Mu = append(m.Mu, dice)
			m.UnitSA = append(m.UnitSA, units)
		}
		off.LayerSA = append(off.LayerSA, sa)
		on.LayerSA = append(on.LayerSA, onSA)
	}
	return &measure.DatasetResults{Dataset: &data.Dataset{Name: "covid-synth"}, Offline: off, Online: on}
}

func TestFindingsVerdicts(t *testing.T) {
	fs := Findings([]*measure.DatasetResults{handResults(20)})
	want := map[string]stats.Verdict{
		"Online training raises S_18":                                   stats.Holds, // ΔS_18 = 0.1 exactly
		"Online training does not hurt":                                 stats.Holds, // ΔB = 0
		"20–50 % of the layer-18":                                       stats.Fails, // 10 % active
		"The abstract layers":                                           stats.Holds, // dip 0.3
		"SA rises from the early":                                       stats.Fails, // offline late − early = 0 exactly: not > 0
		"μ correlates positively with Dice (Fig. 10): effect = Pearson": stats.Holds,
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
		if strings.HasPrefix(f.Claim, "Online training raises S_18") && (f.Effect < 0.1-1e-9 || f.Effect > 0.1+1e-9 || f.CILow > f.Effect || f.CIHigh < f.Effect) {
			t.Fatalf("ΔS_18 effect %v [%v, %v], want 0.1", f.Effect, f.CILow, f.CIHigh)
		}
		if strings.Contains(f.Claim, "VoG") {
			t.Fatalf("VoG finding without VoG scores: %+v", f)
		}
	}
}

// finding returns the finding whose claim starts with prefix.
func finding(t *testing.T, fs []Finding, prefix string) Finding {
	t.Helper()
	for _, f := range fs {
		if strings.HasPrefix(f.Claim, prefix) {
			return f
		}
	}
	t.Fatalf("no finding %q", prefix)
	return Finding{}
}

// withQC adds VoG and QC scores to r: μ ranks the images by Dice except for a
// swapped pair, VoG (as a hardness) ranks them worse, and TTA perfectly, so
// AURC(tta) < AURC(μ) < AURC(VoG).
func withQC(t *testing.T, r *measure.DatasetResults) *measure.DatasetResults {
	t.Helper()
	n := len(r.Online.Dice)
	dice := r.Online.Dice
	mu := append([]float64(nil), dice...)
	mu[0], mu[n-1] = mu[n-1], mu[0]
	r.Online.Mu = mu
	r.VoG = make([]float64, n)
	for i := range n {
		r.VoG[i] = float64((i * 7) % n) // a poor hardness ranking
	}
	r.VoGDegenerate = make([]bool, n)
	q := &measure.QCResults{Dice: dice, Scores: map[string][]float64{"mu": mu, "tta": append([]float64(nil), dice...)},
		Metrics: map[string]protoseg.FailureDetection{}}
	neg := r.VoGHardness()
	for i := range neg {
		neg[i] = -neg[i]
	}
	q.Scores["vog"] = neg
	for m, sc := range q.Scores {
		fd, err := protoseg.EvaluateFailureDetection(sc, dice, protoseg.DefaultFailureThreshold)
		if err != nil && !errors.Is(err, protoseg.ErrUndefined) {
			t.Fatal(err)
		}
		q.Metrics[m] = fd
	}
	r.QC = q
	return r
}

// The VoG finding compares μ with VoG only: a better baseline (TTA) must not
// enter its effect (it once did: the effect was min over every baseline).
func TestFindingsQCCompareWithVoGOnly(t *testing.T) {
	r := withQC(t, handResults(20))
	fs := Findings([]*measure.DatasetResults{r})
	q := r.QC.Metrics
	if !(q["tta"].AURC < q["mu"].AURC && q["mu"].AURC < q["vog"].AURC) {
		t.Fatalf("fixture: AURC tta %v, μ %v, VoG %v", q["tta"].AURC, q["mu"].AURC, q["vog"].AURC)
	}
	vog := finding(t, fs, "μ detects failures at least as well as VoG")
	if want := q["vog"].AURC - q["mu"].AURC; len(vog.PerDataset) != 1 || math.Abs(vog.PerDataset[0].Effect-want) > 1e-12 {
		t.Fatalf("VoG finding effect %+v, want AURC(VoG) − AURC(μ) = %v", vog.PerDataset, want)
	}
	base := finding(t, fs, "μ detects failures at least as well as every other baseline")
	if want := q["tta"].AURC - q["mu"].AURC; math.Abs(base.PerDataset[0].Effect-want) > 1e-12 || base.Verdict == stats.Holds {
		t.Fatalf("baselines finding effect %v (%s), want AURC(tta) − AURC(μ) = %v, not holding", base.PerDataset[0].Effect, base.Verdict, want)
	}
	// The correlation finding runs on VoG too.
	finding(t, fs, "μ correlates with Dice better than VoG (Fig. 10): effect = Pearson")
}

// A μ that is negatively correlated with Dice is not credited, however large |r|.
func TestFindingsSignedMuCorrelation(t *testing.T) {
	r := withQC(t, handResults(20))
	for i, d := range r.Online.Dice {
		r.Online.Mu[i] = -d
	}
	f := finding(t, Findings([]*measure.DatasetResults{r}), "μ correlates with Dice better than VoG (Fig. 10): effect = Pearson")
	if f.Verdict != stats.Fails || f.Effect > -1+0.5 {
		t.Fatalf("r(μ) = −1: verdict %s, effect %v; want fails with effect −1 − |r(VoG)|", f.Verdict, f.Effect)
	}
}

// Online training that improves B does not hurt it (the paper's prostate row:
// ΔB = +0.033); a loss of 0.05 does.
func TestFindingsOnlineGainInB(t *testing.T) {
	for _, c := range []struct {
		delta float64
		want  stats.Verdict
	}{{0.033, stats.Holds}, {-0.05, stats.Fails}} {
		r := handResults(20)
		r.Online.Dice = append([]float64(nil), r.Online.Dice...)
		for i := range r.Online.Dice {
			r.Online.Dice[i] += c.delta
		}
		f := finding(t, Findings([]*measure.DatasetResults{r}), "Online training does not hurt the output")
		if f.Verdict != c.want || math.Abs(f.Effect-c.delta) > 1e-9 {
			t.Errorf("ΔB = %v: %s, effect %v; want %s", c.delta, f.Verdict, f.Effect, c.want)
		}
	}
}

// Exactly half of the units active (5 of 10 in every image) lies inside the
// closed 20–50 % band.
func TestFindingsActiveFractionClosedBound(t *testing.T) {
	r := handResults(20)
	units := []float64{0.9, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1}
	for i := range r.Offline.UnitSA {
		r.Offline.UnitSA[i] = units
	}
	f := finding(t, Findings([]*measure.DatasetResults{r}), "20–50 % of the layer-18 units")
	if f.Verdict != stats.Holds || f.Effect != 0.5 || f.CILow != 0.5 || f.CIHigh != 0.5 {
		t.Fatalf("0.500 [0.500, 0.500]: %s %v [%v, %v], want holds", f.Verdict, f.Effect, f.CILow, f.CIHigh)
	}
}

// Over datasets the finding must hold on every one: the printed effect is the
// worst dataset's, and the verdict agrees with the printed interval.
func TestFindingsPooledAgreesWithVerdict(t *testing.T) {
	good := handResults(20)
	bad := handResults(20)
	bad.Dataset = &data.Dataset{Name: "other"}
	bad.Online.LayerSA = bad.Offline.LayerSA // ΔS_18 = 0: not > 0
	fs := Findings([]*measure.DatasetResults{good, bad})
	f := finding(t, fs, "Online training raises S_18")
	if f.Verdict != stats.Fails || f.Effect != 0 {
		t.Fatalf("one dataset without gain: %s, effect %v; want fails with effect 0", f.Verdict, f.Effect)
	}
	for _, f := range fs {
		if f.Pooled && f.Band.Judge(stats.Interval{Low: f.CILow, High: f.CIHigh}) != f.Verdict {
			t.Errorf("%q: verdict %s, interval [%v, %v] says otherwise", f.Claim, f.Verdict, f.CILow, f.CIHigh)
		}
		if strings.Contains(f.Claim, "S_x") {
			t.Errorf("S_x is a calibration target, not a finding: %q", f.Claim)
		}
	}
}
