package claims

import (
	"fmt"
	"math"
	"strings"

	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/stats"
	"github.com/protoseg-go/protoseg-go/unet"
)

// Finding is one qualitative finding of the paper checked on our results, with an
// effect size, its 95 % bootstrap confidence interval and a verdict.
type Finding struct {
	// Claim is the paper's finding in words, with the threshold the effect is
	// judged against.
	Claim string
	// Band is the range the effect must lie in for the claim to hold.
	Band stats.Band
	// Verdict is Holds, Fails or Inconclusive over all datasets checked: the
	// paper states each finding for every dataset, so it holds when it holds on
	// every dataset, fails when it fails on one, and is inconclusive otherwise
	// ([Finding.combine]).
	Verdict stats.Verdict
	// Pooled tells whether Effect, CILow, CIHigh are set: the effect and interval
	// of Decider, the dataset that decides the verdict (among those with the
	// overall verdict, the one closest to violating the band); judged by Band,
	// this interval gives Verdict.
	Pooled                bool
	Decider               string
	Effect, CILow, CIHigh float64
	// PerDataset holds the verdict and interval of every dataset checked.
	PerDataset []DatasetFinding
	// Evidence gives the numbers per dataset in words.
	Evidence string
}

// Holds tells whether the finding holds on every dataset checked.
func (f Finding) Holds() bool { return f.Verdict == stats.Holds }

// DatasetFinding is a finding's verdict on one dataset.
type DatasetFinding struct {
	// Name is the dataset's name.
	Name string
	// Verdict is Holds, Fails or Inconclusive; Inconclusive also when the effect
	// is undefined on this dataset (Detail says why).
	Verdict stats.Verdict
	// Defined tells whether the effect could be computed; Effect, CILow, CIHigh
	// are then the effect and its 95 % percentile-bootstrap interval over the test
	// images (paired where two models are compared).
	Defined               bool
	Effect, CILow, CIHigh float64
	// Detail gives the numbers in words.
	Detail string
	// replicates are the bootstrap replicates behind the interval (for pooling
	// over seeds).
	replicates []float64
}

// groupMean is the mean of sa (sa[l−1] for layer l) over the layers of g.
func groupMean(sa []float64, g unet.LayerGroup) float64 {
	var s float64
	for l := g.First; l <= g.Last && l <= len(sa); l++ {
		s += sa[l-1]
	}
	return s / float64(min(g.Last, len(sa))-g.First+1)
}

// activeFraction is the share of active units ([protoseg.ActiveUnits]) of the
// units' mean SA.
func activeFraction(unitSA [][]float64) float64 {
	sa := stats.MeanColumns(unitSA)
	_, n := protoseg.ActiveUnits(sa)
	return float64(n) / float64(len(sa))
}

// statistic is a claim's effect on one dataset: the statistic on a resample of
// the n test images' indices, and words on the full-sample numbers (may be "").
type statistic struct {
	n    int
	stat func(idx []int) (float64, error)
	note string
}

// claim is one of the paper's findings: its words, the band its effect must lie
// in, and its statistic on a dataset (ok false skips the dataset).
type claim struct {
	text string
	band stats.Band
	on   func(r *measure.DatasetResults) (s statistic, ok bool)
}

func ciText(iv stats.Interval) string {
	return fmt.Sprintf("%.3f [%.3f, %.3f]", iv.Effect, iv.Low, iv.High)
}

// Findings checks the paper's qualitative findings on the results: every finding
// gets an effect size per dataset with a 95 % percentile-bootstrap interval over
// the test images ([BootstrapResamples] resamples, seeded, paired where two models
// or two scores are compared) and a verdict ([Band.Judge]). Over datasets a
// finding must hold on every one ([Finding.combine]); its printed effect and
// interval are those of the dataset that decides the verdict. It says honestly
// where a finding fails.
func Findings(rs []*measure.DatasetResults) []Finding {
	return judge(rs, claims())
}

// judge checks the claims cs on rs (see [Findings]).
func judge(rs []*measure.DatasetResults, cs []claim) []Finding {
	var out []Finding
	for _, c := range cs {
		f := Finding{Claim: c.text + " (effect " + c.band.String() + ")", Band: c.band}
		for di, r := range rs {
			s, ok := c.on(r)
			if !ok {
				continue
			}
			d := DatasetFinding{Name: r.Dataset.Name}
			iv, err := stats.Bootstrap(s.n, stats.BootstrapResamples, stats.BootstrapSeed+uint64(di), s.stat)
			if err != nil {
				d.Verdict, d.Detail = stats.Inconclusive, "undefined: "+err.Error()
			} else {
				d.Defined, d.Effect, d.CILow, d.CIHigh, d.replicates = true, iv.Effect, iv.Low, iv.High, iv.Replicates
				d.Verdict, d.Detail = c.band.Judge(iv), strings.TrimPrefix(s.note+"; effect "+ciText(iv), "; ")
			}
			f.PerDataset = append(f.PerDataset, d)
		}
		if len(f.PerDataset) > 0 {
			f.combine()
			out = append(out, f)
		}
	}
	return out
}

// combine sets the overall verdict of f from its datasets' verdicts — the paper
// states each finding for every dataset, so it holds when it holds on every
// dataset (an intersection–union test: each dataset's 95 % interval must lie in
// the band), fails when it fails on some dataset, and is inconclusive otherwise
// ([CombineVerdicts]) — and prints the interval of the dataset that decides it
// ([decider]), so the printed interval, judged by f.Band, gives the verdict.
func (f *Finding) combine() {
	var ev []string
	var verdicts []stats.Verdict
	for _, d := range f.PerDataset {
		verdicts = append(verdicts, d.Verdict)
		ev = append(ev, fmt.Sprintf("%s %s: %s", d.Verdict, d.Name, d.Detail))
	}
	f.Evidence = strings.Join(ev, "; ")
	f.Verdict = stats.CombineVerdicts(verdicts...)
	if d, ok := decider(f.PerDataset, f.Band, f.Verdict); ok {
		f.Pooled, f.Decider, f.Effect, f.CILow, f.CIHigh = true, d.Name, d.Effect, d.CILow, d.CIHigh
	}
}

// decider returns the dataset whose interval decides the overall verdict v:
// among the datasets with verdict v, the one whose effect is closest to
// violating the band ([Band.Worst]); ok is false when v comes from a dataset on
// which the effect is undefined.
func decider(per []DatasetFinding, b stats.Band, v stats.Verdict) (DatasetFinding, bool) {
	var cands []DatasetFinding
	var effects []float64
	for _, d := range per {
		if d.Defined && d.Verdict == v {
			cands, effects = append(cands, d), append(effects, d.Effect)
		}
	}
	if len(cands) == 0 {
		return DatasetFinding{}, false
	}
	w := b.Worst(effects)
	for _, d := range cands {
		if d.Effect == w {
			return d, true
		}
	}
	return cands[0], true
}

// onTest is a statistic over the test images of r.
func onTest(r *measure.DatasetResults, stat func(idx []int) (float64, error)) statistic {
	return statistic{n: len(r.Offline.Dice), stat: stat}
}

// layerClaims are the findings on the layers of the offline model (Fig. 5, Fig. 7).
func layerClaims() []claim {
	return []claim{
		{"SA rises from the early (1–4) to the late layers (15–18) (Fig. 5): effect = late − early mean SA of the offline model", stats.Above(0),
			func(r *measure.DatasetResults) (statistic, bool) {
				return onTest(r, func(idx []int) (float64, error) {
					sa := stats.MeanColumns(stats.PickRows(r.Offline.LayerSA, idx))
					return groupMean(sa, unet.LateLayers) - groupMean(sa, unet.EarlyLayers), nil
				}), true
			}},
		{"The abstract layers (5–14) dip below both the early and the late layers (the project's reading of §4.4.1: \"the SA score increases from early to late layers, except on the several layers on deep abstract layers which have a low spatial resolution, yielding a small SA score\"): effect = min(early, late) − abstract mean SA of the offline model", stats.Above(0),
			func(r *measure.DatasetResults) (statistic, bool) {
				return onTest(r, func(idx []int) (float64, error) {
					sa := stats.MeanColumns(stats.PickRows(r.Offline.LayerSA, idx))
					return math.Min(groupMean(sa, unet.EarlyLayers), groupMean(sa, unet.LateLayers)) - groupMean(sa, unet.AbstractLayers), nil
				}), true
			}},
		{"20–50 % of the layer-18 units are active (Fig. 7): effect = active fraction (Otsu split of the offline model's unit SA)", stats.Band{Lo: 0.2, Hi: 0.5, Closed: true},
			func(r *measure.DatasetResults) (statistic, bool) {
				if len(r.Offline.UnitSA) == 0 || len(r.Offline.UnitSA[0]) == 0 {
					return statistic{}, false
				}
				return onTest(r, func(idx []int) (float64, error) { return activeFraction(stats.PickRows(r.Offline.UnitSA, idx)), nil }), true
			}},
	}
}

// onlineClaims are the findings of Table 1 and §4.4.4 on online training.
func onlineClaims() []claim {
	return []claim{
		{"Online training raises S_18 above offline (Table 1): effect = ΔS_18 = S_18(online) − S_18(offline), paired", stats.Above(0),
			func(r *measure.DatasetResults) (statistic, bool) {
				return onTest(r, stats.MeanDiff(stats.Column(r.Online.LayerSA, -1), stats.Column(r.Offline.LayerSA, -1))), true
			}},
		{"Online training does not hurt the output (Table 1, §4.4.3): effect = ΔB = Dice(online) − Dice(offline), paired; a gain counts as not hurting", stats.Above(-0.02),
			func(r *measure.DatasetResults) (statistic, bool) {
				return onTest(r, stats.MeanDiff(r.Online.Dice, r.Offline.Dice)), true
			}},
		{"The online model's S_18 is at least its output's Dice B (§4.4.3): effect = mean(S_18 − B) of the online model, paired", stats.AtLeast(0),
			func(r *measure.DatasetResults) (statistic, bool) {
				return onTest(r, stats.MeanDiff(stats.Column(r.Online.LayerSA, -1), r.Online.Dice)), true
			}},
	}
}

// muClaims are the findings on μ (Fig. 10, Table 2).
func muClaims() []claim {
	type corr struct {
		name string
		f    func(x, y []float64) (float64, error)
	}
	var out []claim
	for _, c := range []corr{{"Pearson r", protoseg.Pearson}, {"Spearman ρ", protoseg.Spearman}} {
		out = append(out, claim{fmt.Sprintf("μ correlates positively with Dice (Fig. 10): effect = %s(μ, Dice) of the online model", c.name), stats.Above(0),
			func(r *measure.DatasetResults) (statistic, bool) {
				return onTest(r, func(idx []int) (float64, error) {
					return c.f(stats.Pick(r.Online.Mu, idx), stats.Pick(r.Online.Dice, idx))
				}), true
			}})
		out = append(out, claim{fmt.Sprintf("μ correlates with Dice better than VoG (Fig. 10): effect = %s(μ, Dice) − |%s(VoG, Dice)|, paired (a negative r(μ) counts against μ)", c.name, c.name), stats.Above(0),
			func(r *measure.DatasetResults) (statistic, bool) {
				if r.VoG == nil {
					return statistic{}, false
				}
				vog := r.VoGHardness()
				return onTest(r, func(idx []int) (float64, error) {
					d := stats.Pick(r.Online.Dice, idx)
					rm, err := c.f(stats.Pick(r.Online.Mu, idx), d)
					if err != nil {
						return 0, err
					}
					rv, err := c.f(stats.Pick(vog, idx), d)
					if err != nil {
						return 0, err
					}
					return rm - math.Abs(rv), nil
				}), true
			}})
	}
	out = append(out, claim{"Rejecting the lowest-μ half of the images raises the mean Dice of the rest (Table 2): effect = Dice at 50 % − Dice at 100 % coverage", stats.Above(0),
		func(r *measure.DatasetResults) (statistic, bool) {
			return onTest(r, func(idx []int) (float64, error) {
				cov, err := protoseg.Coverage(stats.Pick(r.Online.Dice, idx), stats.Pick(r.Online.Mu, idx), []float64{1, 0.5})
				if err != nil {
					return 0, err
				}
				return cov[1] - cov[0], nil
			}), true
		}})
	return out
}

// claims returns every finding checked, in report order.
func claims() []claim {
	out := append(layerClaims(), onlineClaims()...)
	out = append(out, muClaims()...)
	out = append(out, qcClaims()...)
	return append(out, weightClaims()...)
}

// qcClaims are the failure-detection findings (Table 4).
func qcClaims() []claim {
	return []claim{
		{QCClaimVoG + ": effect = AURC(VoG) − AURC(μ), paired", stats.AtLeast(0), qcVersus(func(m string) bool { return m == "vog" })},
		{QCClaimBaselines + ": effect = min over entropy, entropy_fg and TTA of AURC − AURC(μ), paired", stats.AtLeast(0),
			qcVersus(func(m string) bool { return m != "mu" && m != "vog" })},
	}
}

// qcVersus turns a failure-detection comparison into a claim's statistic: the
// lowest AURC among the QC methods that compared selects, minus AURC(μ), on the
// same resampled images. A dataset without QC scores, without μ or without any
// compared method is skipped.
func qcVersus(compared func(method string) bool) func(r *measure.DatasetResults) (statistic, bool) {
	return func(r *measure.DatasetResults) (statistic, bool) {
		q := r.QC
		if q == nil || q.Scores["mu"] == nil {
			return statistic{}, false
		}
		var others, words []string
		for _, m := range q.Methods() {
			if compared(m) {
				others = append(others, m)
				words = append(words, fmt.Sprintf("AURC(%s) = %.3f", m, q.Metrics[m].AURC))
			}
		}
		if len(others) == 0 {
			return statistic{}, false
		}
		note := fmt.Sprintf("AURC(μ) = %.3f, %s", q.Metrics["mu"].AURC, strings.Join(words, ", "))
		return statistic{n: len(q.Dice), note: note, stat: func(idx []int) (float64, error) {
			dice := stats.Pick(q.Dice, idx)
			mu, err := protoseg.AURC(stats.Pick(q.Scores["mu"], idx), dice)
			if err != nil {
				return 0, err
			}
			best := math.Inf(1)
			for _, m := range others {
				a, err := protoseg.AURC(stats.Pick(q.Scores[m], idx), dice)
				if err != nil {
					return 0, err
				}
				best = math.Min(best, a)
			}
			return best - mu, nil
		}}, true
	}
}
