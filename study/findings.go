package study

import (
	"fmt"
	"math"
	"strings"

	"github.com/protoseg-go/protoseg-go/protoseg"
)

// Finding is one qualitative finding of the paper checked on our results.
type Finding struct {
	// Claim is the paper's finding in words.
	Claim string
	// Holds tells whether our results show it (on every dataset checked).
	Holds bool
	// Evidence gives the numbers per dataset.
	Evidence string
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

// Findings checks the paper's qualitative findings (DESIGN §8) on the results and
// says honestly where one does not hold.
func Findings(rs []*DatasetResults) []Finding {
	var out []Finding
	check := func(claim string, per func(r *DatasetResults) (bool, string)) {
		f := Finding{Claim: claim, Holds: true}
		var ev []string
		for _, r := range rs {
			ok, s := per(r)
			if s == "" {
				continue
			}
			f.Holds = f.Holds && ok
			mark := "✓"
			if !ok {
				mark = "✗"
			}
			ev = append(ev, fmt.Sprintf("%s %s: %s", mark, r.Dataset.Name, s))
		}
		if len(ev) == 0 {
			return
		}
		f.Evidence = strings.Join(ev, "; ")
		out = append(out, f)
	}
	check("SA rises from the early to the late layers, with a dip on the low-resolution abstract layers (Fig. 5)",
		func(r *DatasetResults) (bool, string) {
			sa := meanColumns(r.Offline.LayerSA)
			e, a, l := groupMean(sa, EarlyLayers), groupMean(sa, AbstractLayers), groupMean(sa, LateLayers)
			return l > e && a < l, fmt.Sprintf("early %.3f, abstract %.3f, late %.3f", e, a, l)
		})
	check("Online training raises S_18 above offline while the output B stays about the same (Table 1)",
		func(r *DatasetResults) (bool, string) {
			offS, _ := protoseg.MeanSD(column(r.Offline.LayerSA, -1))
			onS, _ := protoseg.MeanSD(column(r.Online.LayerSA, -1))
			offB, _ := protoseg.MeanSD(r.Offline.Dice)
			onB, _ := protoseg.MeanSD(r.Online.Dice)
			return onS > offS && math.Abs(onB-offB) < 0.05,
				fmt.Sprintf("S_18 %.3f → %.3f, B %.3f → %.3f", offS, onS, offB, onB)
		})
	check("Only part (the paper: 20–50 %) of the layer-18 units are active (Fig. 7)",
		func(r *DatasetResults) (bool, string) {
			sa := meanColumns(r.Offline.UnitSA)
			th := protoseg.ActiveThreshold(sa)
			active := 0
			for _, v := range sa {
				if v >= th {
					active++
				}
			}
			frac := float64(active) / float64(len(sa))
			return frac > 0 && frac < 1, fmt.Sprintf("%d of %d units active (%.0f %%)", active, len(sa), 100*frac)
		})
	check("μ correlates positively with Dice, and better than VoG (Fig. 10)",
		func(r *DatasetResults) (bool, string) {
			rm, err := protoseg.Pearson(r.Online.Mu, r.Online.Dice)
			if err != nil {
				return false, "r(μ, Dice) undefined: " + err.Error()
			}
			if r.VoG == nil {
				return rm > 0, fmt.Sprintf("r(μ, Dice) = %.2f (no VoG)", rm)
			}
			rv, err := protoseg.Pearson(r.VoG, r.Online.Dice)
			if err != nil {
				return rm > 0, fmt.Sprintf("r(μ, Dice) = %.2f, r(VoG, Dice) undefined", rm)
			}
			return rm > 0 && rm > math.Abs(rv), fmt.Sprintf("r(μ, Dice) = %.2f, r(VoG, Dice) = %.2f", rm, rv)
		})
	check("Rejecting the lowest-μ images raises the mean Dice of the rest (Table 2)",
		func(r *DatasetResults) (bool, string) {
			cov, err := protoseg.Coverage(r.Online.Dice, r.Online.Mu, []float64{1, 0.5})
			if err != nil {
				return false, err.Error()
			}
			return cov[1] > cov[0], fmt.Sprintf("Dice %.3f at 100 %% → %.3f at 50 %%", cov[0], cov[1])
		})
	check("Input separableness S_x is high for BraTS/ISIC-like data and near zero for pancreas-like data (Table 3)",
		func(r *DatasetResults) (bool, string) {
			if r.Sx == nil {
				return true, ""
			}
			sx, _ := protoseg.MeanSD(r.Sx)
			name := r.Dataset.Name
			switch {
			case strings.HasPrefix(name, "brats"), strings.HasPrefix(name, "isic"):
				return sx > 0.5, fmt.Sprintf("S_x = %.3f (expected high)", sx)
			case strings.HasPrefix(name, "pancreas"):
				return sx < 0.2, fmt.Sprintf("S_x = %.3f (expected near 0)", sx)
			}
			return true, fmt.Sprintf("S_x = %.3f", sx)
		})
	check(QCClaimVoG, qcVersusVoG)
	check(QCClaimBaselines, qcVersusBaselines)
	return out
}
