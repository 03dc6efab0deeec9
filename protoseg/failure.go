package protoseg

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Failure-detection metrics, measured the way Zenk et al., "Comparative
// benchmarking of failure detection methods in medical image segmentation"
// (Medical Image Analysis, 2025) benchmark quality scores. Every function takes a
// per-image confidence (higher = more confident; negate a "higher = harder"
// score such as VoG or entropy first) and the per-image Dice of the prediction.
// The risk of an image is 1 − Dice.
//
// Ties. Images with equal confidence cannot be ordered by the score, so the
// risk–coverage curve treats each group of tied images as one block: every image
// of the group is given the group's mean risk. This is exactly the expectation of
// the curve (and of AURC) over uniformly random orderings inside each tie group,
// so a constant score gets AURC = mean risk, whatever the image order.

// DefaultFailureThreshold is the Dice below which an image counts as a failure
// for [FailureAUROC] (τ = 0.5).
const DefaultFailureThreshold = 0.5

// RiskCoverage is a risk–coverage curve: after sorting the images by decreasing
// confidence, point k−1 (k = 1…n) keeps the k most confident images.
type RiskCoverage struct {
	// Coverage[k−1] = k/n.
	Coverage []float64
	// Risk[k−1] is the mean risk (1 − Dice) of the k most confident images, with
	// tied images given their group's mean risk.
	Risk []float64
}

// FailureDetection summarises how well one confidence score detects failures.
type FailureDetection struct {
	// AURC is the area under the risk–coverage curve (lower is better).
	AURC float64
	// EAURC is AURC minus the AURC of the oracle ranking (confidence = Dice); 0
	// for a perfect ranking.
	EAURC float64
	// Spearman is Spearman's ρ of confidence and Dice (ties averaged).
	Spearman float64
	// Pearson is Pearson's r of confidence and Dice.
	Pearson float64
	// AUROC is the area under the ROC curve of separating failures (Dice < τ)
	// from successes by confidence.
	AUROC float64
}

// checkPairs validates a confidence/Dice pair of series.
func checkPairs(what string, conf, dice []float64) error {
	if len(conf) != len(dice) {
		return fmt.Errorf("protoseg: %s of %d confidence scores and %d Dice values", what, len(conf), len(dice))
	}
	if len(conf) < 2 {
		return fmt.Errorf("protoseg: %s needs at least 2 images, got %d", what, len(conf))
	}
	for i := range conf {
		if math.IsNaN(conf[i]) || math.IsInf(conf[i], 0) {
			return fmt.Errorf("protoseg: %s: confidence of image %d is %v", what, i, conf[i])
		}
		if math.IsNaN(dice[i]) || dice[i] < 0 || dice[i] > 1 {
			return fmt.Errorf("protoseg: %s: Dice of image %d is %v, not in [0,1]", what, i, dice[i])
		}
	}
	return nil
}

// RiskCoverageCurve returns the risk–coverage curve of conf against dice (see the
// tie convention above). It is an error when the lengths differ, there are fewer
// than two images, or a value is NaN/infinite (or a Dice outside [0,1]).
func RiskCoverageCurve(conf, dice []float64) (*RiskCoverage, error) {
	if err := checkPairs("risk–coverage curve", conf, dice); err != nil {
		return nil, err
	}
	n := len(conf)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return conf[idx[a]] > conf[idx[b]] })
	// Risk of each sorted position, tie groups replaced by their mean.
	risk := make([]float64, n)
	for s := 0; s < n; {
		e := s + 1
		for e < n && conf[idx[e]] == conf[idx[s]] {
			e++
		}
		var sum float64
		for _, j := range idx[s:e] {
			sum += 1 - dice[j]
		}
		for p := s; p < e; p++ {
			risk[p] = sum / float64(e-s)
		}
		s = e
	}
	rc := &RiskCoverage{Coverage: make([]float64, n), Risk: make([]float64, n)}
	var cum float64
	for k := range n {
		cum += risk[k]
		rc.Coverage[k] = float64(k+1) / float64(n)
		rc.Risk[k] = cum / float64(k+1)
	}
	return rc, nil
}

// AURC returns the area under the risk–coverage curve: the mean over k = 1…n of
// the mean risk of the k most confident images. Lower is better; the same errors
// as [RiskCoverageCurve].
func AURC(conf, dice []float64) (float64, error) {
	rc, err := RiskCoverageCurve(conf, dice)
	if err != nil {
		return 0, err
	}
	m, _ := MeanSD(rc.Risk)
	return m, nil
}

// EAURC returns the excess AURC: AURC of conf minus the AURC of the oracle
// ranking, whose confidence is the Dice itself. It is ≥ 0, and 0 exactly when
// conf orders the images as Dice does.
func EAURC(conf, dice []float64) (float64, error) {
	a, err := AURC(conf, dice)
	if err != nil {
		return 0, err
	}
	o, err := AURC(dice, dice)
	if err != nil {
		return 0, err
	}
	return math.Max(0, a-o), nil
}

// averageRanks returns the 1-based ranks of x, ties given their mean rank.
func averageRanks(x []float64) []float64 {
	idx := rankAscending(x)
	r := make([]float64, len(x))
	for s := 0; s < len(idx); {
		e := s + 1
		for e < len(idx) && x[idx[e]] == x[idx[s]] {
			e++
		}
		mean := float64(s+e+1) / 2 // mean of ranks s+1 … e
		for _, j := range idx[s:e] {
			r[j] = mean
		}
		s = e
	}
	return r
}

// Spearman returns Spearman's rank correlation ρ of x and y: Pearson's r of their
// ranks, ties given their average rank. It is an error when the lengths differ,
// there are fewer than two pairs, a value is NaN, or one series is constant.
func Spearman(x, y []float64) (float64, error) {
	if len(x) != len(y) {
		return 0, fmt.Errorf("protoseg: Spearman ρ of %d and %d values", len(x), len(y))
	}
	for i := range x {
		if math.IsNaN(x[i]) || math.IsNaN(y[i]) {
			return 0, fmt.Errorf("protoseg: Spearman ρ: pair %d is NaN (%v, %v)", i, x[i], y[i])
		}
	}
	rho, err := Pearson(averageRanks(x), averageRanks(y))
	if err != nil {
		return 0, fmt.Errorf("protoseg: Spearman ρ: %w", err)
	}
	return rho, nil
}

// FailureAUROC returns the AUROC of telling successes from failures (Dice < tau)
// by confidence: the probability that a random success has a higher confidence
// than a random failure, ties counting ½. It is 1 when every success is more
// confident than every failure, 0 for the reverse. It is an error (AUROC
// undefined) when every image or no image fails, and for the errors of
// [RiskCoverageCurve] or a tau outside (0,1].
func FailureAUROC(conf, dice []float64, tau float64) (float64, error) {
	if err := checkPairs("failure AUROC", conf, dice); err != nil {
		return 0, err
	}
	if !(tau > 0 && tau <= 1) {
		return 0, fmt.Errorf("protoseg: failure AUROC: threshold τ = %v not in (0,1]", tau)
	}
	var fail, ok []float64
	for i, d := range dice {
		if d < tau {
			fail = append(fail, conf[i])
		} else {
			ok = append(ok, conf[i])
		}
	}
	if len(fail) == 0 || len(ok) == 0 {
		return 0, fmt.Errorf("protoseg: failure AUROC undefined: %d of %d images fail (Dice < %v)", len(fail), len(dice), tau)
	}
	var wins float64
	for _, s := range ok {
		for _, f := range fail {
			switch {
			case s > f:
				wins++
			case s == f:
				wins += 0.5
			}
		}
	}
	return wins / float64(len(ok)*len(fail)), nil
}

// ErrUndefined wraps the metrics of [EvaluateFailureDetection] that could not be
// computed; the others are still filled in.
var ErrUndefined = errors.New("protoseg: failure-detection metric undefined")

// EvaluateFailureDetection computes every failure-detection metric of conf
// against dice with failure threshold tau. AURC and E-AURC are always defined for
// valid input; when Spearman, Pearson (constant series) or AUROC (all or no
// image failing) are undefined, they are left 0 and the returned error wraps
// [ErrUndefined] and names them, so the caller can still report the rest.
func EvaluateFailureDetection(conf, dice []float64, tau float64) (FailureDetection, error) {
	var fd FailureDetection
	var err error
	if fd.AURC, err = AURC(conf, dice); err != nil {
		return fd, err
	}
	if fd.EAURC, err = EAURC(conf, dice); err != nil {
		return fd, err
	}
	var undefined []error
	if fd.Spearman, err = Spearman(conf, dice); err != nil {
		undefined = append(undefined, err)
	}
	if fd.Pearson, err = Pearson(conf, dice); err != nil {
		undefined = append(undefined, err)
	}
	if fd.AUROC, err = FailureAUROC(conf, dice, tau); err != nil {
		undefined = append(undefined, err)
	}
	if len(undefined) > 0 {
		return fd, fmt.Errorf("%w: %w", ErrUndefined, errors.Join(undefined...))
	}
	return fd, nil
}
