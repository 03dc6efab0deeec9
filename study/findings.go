package study

import (
	"fmt"
	"math"
	"strings"

	"github.com/protoseg-go/protoseg-go/protoseg"
)

// Finding is one qualitative finding of the paper checked on our results, with an
// effect size, its 95 % bootstrap confidence interval and a verdict.
type Finding struct {
	// Claim is the paper's finding in words, with the threshold the effect is
	// judged against.
	Claim string
	// Verdict is Holds, Fails or Inconclusive over all datasets checked
	// ([CombineVerdicts] of the per-dataset verdicts: the paper states each
	// finding for every dataset).
	Verdict string
	// Pooled tells whether Effect, CILow, CIHigh are set: the mean of the
	// per-dataset effects with a bootstrap stratified by dataset ([PoolIntervals]).
	// A claim whose threshold differs per dataset (S_x) has no pooled effect.
	Pooled                bool
	Effect, CILow, CIHigh float64
	// PerDataset holds the verdict and interval of every dataset checked.
	PerDataset []DatasetFinding
	// Evidence gives the numbers per dataset in words.
	Evidence string
}

// Holds tells whether the finding holds on every dataset checked.
func (f Finding) Holds() bool { return f.Verdict == Holds }

// DatasetFinding is a finding's verdict on one dataset.
type DatasetFinding struct {
	// Name is the dataset's name.
	Name string
	// Verdict is Holds, Fails or Inconclusive; Inconclusive also when the effect
	// is undefined on this dataset (Detail says why).
	Verdict string
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

// Layer groups of the paper's U-Net (1-based, inclusive).
var (
	EarlyLayers    = [2]int{1, 4}
	AbstractLayers = [2]int{5, 14}
	LateLayers     = [2]int{15, 18}
)

func groupMean(sa []float64, g [2]int) float64 {
	var s float64
	for l := g[0]; l <= g[1] && l <= len(sa); l++ {
		s += sa[l-1]
	}
	return s / float64(min(g[1], len(sa))-g[0]+1)
}

// pick returns x at the indices idx (a bootstrap resample).
func pick(x []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for i, j := range idx {
		out[i] = x[j]
	}
	return out
}

// pickRows returns the rows of x at the indices idx.
func pickRows(x [][]float64, idx []int) [][]float64 {
	out := make([][]float64, len(idx))
	for i, j := range idx {
		out[i] = x[j]
	}
	return out
}

// activeFraction is the share of units at or above the Otsu split of their mean SA.
func activeFraction(unitSA [][]float64) float64 {
	sa := meanColumns(unitSA)
	th := protoseg.ActiveThreshold(sa)
	active := 0
	for _, v := range sa {
		if v >= th {
			active++
		}
	}
	return float64(active) / float64(len(sa))
}

// claimCheck is the per-dataset part of a finding: it returns the effect's
// interval, the verdict and a detail line; ok false skips the dataset.
type claimCheck func(r *DatasetResults, seed uint64) (iv Interval, verdict, detail string, ok bool, err error)

// meanDiff is the paired statistic mean(a[idx]) − mean(b[idx]).
func meanDiff(a, b []float64) func(idx []int) (float64, error) {
	return func(idx []int) (float64, error) {
		var s float64
		for _, j := range idx {
			s += a[j] - b[j]
		}
		return s / float64(len(idx)), nil
	}
}

func ciText(iv Interval) string {
	return fmt.Sprintf("%.3f [%.3f, %.3f]", iv.Effect, iv.Low, iv.High)
}

// Findings checks the paper's qualitative findings on the results: every finding
// gets an effect size per dataset with a 95 % percentile-bootstrap interval over
// the test images ([BootstrapResamples] resamples, seeded, paired where two models
// or two scores are compared) and a verdict ([Verdict]: inconclusive when the
// interval spans the threshold). It says honestly where a finding fails.
func Findings(rs []*DatasetResults) []Finding {
	var out []Finding
	check := func(claim string, pooled bool, per claimCheck) {
		f := Finding{Claim: claim}
		var ev, verdicts []string
		var ivs []Interval
		for di, r := range rs {
			iv, verdict, detail, ok, err := per(r, BootstrapSeed+uint64(di))
			if !ok {
				continue
			}
			d := DatasetFinding{Name: r.Dataset.Name, Verdict: verdict, Detail: detail}
			if err != nil {
				d.Verdict, d.Detail = Inconclusive, "undefined: "+err.Error()
			} else {
				d.Defined, d.Effect, d.CILow, d.CIHigh, d.replicates = true, iv.Effect, iv.Low, iv.High, iv.Replicates
				ivs = append(ivs, iv)
			}
			f.PerDataset = append(f.PerDataset, d)
			verdicts = append(verdicts, d.Verdict)
			ev = append(ev, fmt.Sprintf("%s %s: %s", d.Verdict, d.Name, d.Detail))
		}
		if len(f.PerDataset) == 0 {
			return
		}
		f.Verdict = CombineVerdicts(verdicts...)
		if pooled && len(ivs) > 0 {
			if p, err := PoolIntervals(ivs); err == nil {
				f.Pooled, f.Effect, f.CILow, f.CIHigh = true, p.Effect, p.Low, p.High
			}
		}
		f.Evidence = strings.Join(ev, "; ")
		out = append(out, f)
	}
	inf := math.Inf(1)
	// simple checks one statistic against the interval (lo, hi).
	simple := func(n func(r *DatasetResults) int, stat func(r *DatasetResults) func(idx []int) (float64, error), lo, hi float64) claimCheck {
		return func(r *DatasetResults, seed uint64) (Interval, string, string, bool, error) {
			s := stat(r)
			if s == nil {
				return Interval{}, "", "", false, nil
			}
			iv, err := Bootstrap(n(r), BootstrapResamples, seed, s)
			if err != nil {
				return iv, "", "", true, err
			}
			return iv, Verdict(iv, lo, hi), ciText(iv), true, nil
		}
	}
	nTest := func(r *DatasetResults) int { return len(r.Offline.Dice) }

	check("SA rises from the early (1–4) to the late layers (15–18) (Fig. 5): effect = late − early mean SA of the offline model > 0", true,
		simple(nTest, func(r *DatasetResults) func([]int) (float64, error) {
			return func(idx []int) (float64, error) {
				sa := meanColumns(pickRows(r.Offline.LayerSA, idx))
				return groupMean(sa, LateLayers) - groupMean(sa, EarlyLayers), nil
			}
		}, 0, inf))
	check("The abstract layers (5–14) dip: their mean SA lies below both the early and the late layers' (Fig. 5): effect = min(early, late) − abstract > 0", true,
		simple(nTest, func(r *DatasetResults) func([]int) (float64, error) {
			return func(idx []int) (float64, error) {
				sa := meanColumns(pickRows(r.Offline.LayerSA, idx))
				return math.Min(groupMean(sa, EarlyLayers), groupMean(sa, LateLayers)) - groupMean(sa, AbstractLayers), nil
			}
		}, 0, inf))
	check("Online training raises S_18 above offline while B changes by less than 0.02 (Table 1): effect = ΔS_18 > 0 (paired) and |ΔB| < 0.02", true,
		func(r *DatasetResults, seed uint64) (Interval, string, string, bool, error) {
			s18on, s18off := column(r.Online.LayerSA, -1), column(r.Offline.LayerSA, -1)
			ds, err := Bootstrap(nTest(r), BootstrapResamples, seed, meanDiff(s18on, s18off))
			if err != nil {
				return ds, "", "", true, err
			}
			db, err := Bootstrap(nTest(r), BootstrapResamples, seed, meanDiff(r.Online.Dice, r.Offline.Dice))
			if err != nil {
				return ds, "", "", true, err
			}
			v := CombineVerdicts(Verdict(ds, 0, inf), Verdict(db, -0.02, 0.02))
			return ds, v, fmt.Sprintf("ΔS_18 %s, ΔB %s", ciText(ds), ciText(db)), true, nil
		})
	check("The online model's S_18 is at least its output's Dice B (§4.4.4): effect = mean(S_18 − B) ≥ 0 (paired)", true,
		simple(nTest, func(r *DatasetResults) func([]int) (float64, error) {
			return meanDiff(column(r.Online.LayerSA, -1), r.Online.Dice)
		}, 0, inf))
	check("20–50 % of the layer-18 units are active (Fig. 7): effect = active fraction (Otsu split of the offline model's unit SA) in (0.2, 0.5)", true,
		simple(nTest, func(r *DatasetResults) func([]int) (float64, error) {
			if len(r.Offline.UnitSA) == 0 || len(r.Offline.UnitSA[0]) == 0 {
				return nil
			}
			return func(idx []int) (float64, error) { return activeFraction(pickRows(r.Offline.UnitSA, idx)), nil }
		}, 0.2, 0.5))
	type corr struct {
		name string
		f    func(x, y []float64) (float64, error)
	}
	for _, c := range []corr{{"Pearson r", protoseg.Pearson}, {"Spearman ρ", protoseg.Spearman}} {
		check(fmt.Sprintf("μ correlates positively with Dice (Fig. 10): effect = %s(μ, Dice) of the online model > 0", c.name), true,
			simple(nTest, func(r *DatasetResults) func([]int) (float64, error) {
				return func(idx []int) (float64, error) { return c.f(pick(r.Online.Mu, idx), pick(r.Online.Dice, idx)) }
			}, 0, inf))
		check(fmt.Sprintf("μ correlates with Dice better than VoG (Fig. 10): effect = |%s(μ, Dice)| − |%s(VoG, Dice)| > 0 (paired)", c.name, c.name), true,
			simple(nTest, func(r *DatasetResults) func([]int) (float64, error) {
				if r.VoG == nil {
					return nil
				}
				return func(idx []int) (float64, error) {
					d := pick(r.Online.Dice, idx)
					rm, err := c.f(pick(r.Online.Mu, idx), d)
					if err != nil {
						return 0, err
					}
					rv, err := c.f(pick(r.VoG, idx), d)
					if err != nil {
						return 0, err
					}
					return math.Abs(rm) - math.Abs(rv), nil
				}
			}, 0, inf))
	}
	check("Rejecting the lowest-μ half of the images raises the mean Dice of the rest (Table 2): effect = Dice at 50 % − Dice at 100 % coverage > 0", true,
		simple(nTest, func(r *DatasetResults) func([]int) (float64, error) {
			return func(idx []int) (float64, error) {
				cov, err := protoseg.Coverage(pick(r.Online.Dice, idx), pick(r.Online.Mu, idx), []float64{1, 0.5})
				if err != nil {
					return 0, err
				}
				return cov[1] - cov[0], nil
			}
		}, 0, inf))
	check("Input separableness S_x is high (> 0.5) for BraTS/ISIC-like data and near zero (< 0.2) for pancreas-like data (Table 3): effect = mean S_x", false,
		func(r *DatasetResults, seed uint64) (Interval, string, string, bool, error) {
			if r.Sx == nil {
				return Interval{}, "", "", false, nil
			}
			lo, hi := math.Inf(-1), math.Inf(1)
			name := r.Dataset.Name
			switch {
			case strings.HasPrefix(name, "brats"), strings.HasPrefix(name, "isic"):
				lo = 0.5
			case strings.HasPrefix(name, "pancreas"):
				hi = 0.2
			default:
				return Interval{}, "", "", false, nil
			}
			iv, err := Bootstrap(len(r.Sx), BootstrapResamples, seed, func(idx []int) (float64, error) { return meanOf(pick(r.Sx, idx)), nil })
			if err != nil {
				return iv, "", "", true, err
			}
			return iv, Verdict(iv, lo, hi), "S_x " + ciText(iv), true, nil
		})
	check(QCClaimVoG+": effect = AURC(VoG) − AURC(μ) > 0 (paired)", true, qcCheck(qcVersusVoG, func(string) bool { return false }))
	check(QCClaimBaselines+": effect = min over those baselines of AURC − AURC(μ) > 0 (paired)", true,
		qcCheck(qcVersusBaselines, func(m string) bool { return m == "vog" }))
	return out
}

// qcCheck turns a failure-detection comparison into a bootstrapped claim: the
// effect is the lowest AURC among the QC methods other than μ (and those skip
// drops) minus AURC(μ), on the same resampled images; the full-sample numbers
// come from words. A dataset for which words gives "" is skipped.
func qcCheck(words func(r *DatasetResults) (bool, string), skip func(method string) bool) claimCheck {
	return func(r *DatasetResults, seed uint64) (Interval, string, string, bool, error) {
		_, detail := words(r)
		if detail == "" {
			return Interval{}, "", "", false, nil
		}
		q := r.QC
		var others []string
		for _, m := range qcMethods(q) {
			if m != "mu" && !skip(m) {
				others = append(others, m)
			}
		}
		iv, err := Bootstrap(len(q.Dice), BootstrapResamples, seed, func(idx []int) (float64, error) {
			dice := pick(q.Dice, idx)
			mu, err := protoseg.AURC(pick(q.Scores["mu"], idx), dice)
			if err != nil {
				return 0, err
			}
			best := math.Inf(1)
			for _, m := range others {
				a, err := protoseg.AURC(pick(q.Scores[m], idx), dice)
				if err != nil {
					return 0, err
				}
				best = math.Min(best, a)
			}
			return best - mu, nil
		})
		if err != nil {
			return iv, "", "", true, err
		}
		return iv, Verdict(iv, 0, math.Inf(1)), fmt.Sprintf("%s; effect %s", detail, ciText(iv)), true, nil
	}
}
