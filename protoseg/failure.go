package protoseg

import (
	"errors"
	"fmt"
	"math"
)

// Failure-detection metrics, measured the way Zenk et al., "Comparative
// benchmarking of failure detection methods in medical image segmentation"
// (Medical Image Analysis, 2025) benchmark quality scores. Every function takes a
// per-image confidence (higher = more confident; negate a "higher = harder"
// score such as VoG or entropy first) and the per-image Dice of the prediction.
// The risk of an image is r = 1 − Dice.
//
// Order and ties. Images are rejected in [RejectionOrder]: lowest confidence
// first, and among equal confidences the one listed first (a stable ascending
// sort, as numpy's argsort with kind="stable"). The same order serves coverage
// (Table 2), the percentile buckets (Fig. 11), rankings (Fig. 12) and the
// risk–coverage curves here: one tie rule everywhere.
//
// AURC follows the benchmark's rc_curve_stats and aurc (segmentation_failures_benchmark,
// adapted from fd-shifts): starting from the point (1, mean risk), images are
// rejected one at a time in rejection order; after rejecting the i-th image
// (i = 0 … n−2), a point (coverage (n−1−i)/n, selective risk = mean risk of the
// n−1−i images kept) is added when i = 0 or the image's confidence differs from
// that of the image rejected before it, and its trapezoid weight is the number of
// images rejected since the previous point, over n. Rejections after the last
// point add a final point at coverage 0 with the last risk. Then
//
//	AURC = Σ_j ½ (risk_j + risk_{j+1}) · weight_j.
//
// Without ties this is the trapezoid over the coverages n/n … 1/n. With ties, the
// benchmark places the point after the first image of each new confidence value,
// so the result depends on which tied image goes first; with tied images of equal
// risk (the usual case here: degenerate images, all with Dice 0) it does not.
//
// E-AURC = AURC − AURC of the oracle (confidence = −risk), as the benchmark's
// eaurc (not clipped at 0). AUGRC (Traub et al., NeurIPS 2024; fd-shifts
// rc_stats.py generalized_risk_stats) is the trapezoid of the generalized risk
// — the sum of the risks of the kept images over n, i.e. the joint probability of
// being kept and failing — over the points (1, mean risk), one point after each
// complete group of equal confidence (coverage of the images left, their risk sum
// over n), and (0, 0); it does not over-weight the first images kept as AURC
// does, and ties do not change it.

// DefaultFailureThreshold is the Dice below which an image counts as a failure
// for [FailureAUROC] (τ = 0.5).
const DefaultFailureThreshold = 0.5

// RiskCoverage is a risk–coverage curve with one point per number of images
// kept: after ordering the images from most to least confident (the reverse of
// [RejectionOrder]), point k−1 (k = 1…n) keeps the k most confident images.
type RiskCoverage struct {
	// Coverage[k−1] = k/n.
	Coverage []float64
	// Risk[k−1] is the mean risk (1 − Dice) of the k most confident images.
	Risk []float64
}

// FailureDetection summarises how well one confidence score detects failures.
type FailureDetection struct {
	// AURC is the area under the risk–coverage curve, the benchmark's trapezoid
	// (lower is better; see the package's failure-detection notes).
	AURC float64
	// EAURC is AURC minus the AURC of the oracle ranking (confidence = −risk); 0
	// for a perfect ranking.
	EAURC float64
	// AUGRC is the area under the generalized risk–coverage curve (lower is
	// better).
	AUGRC float64
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

// RejectionOrder returns the image indices in the order a quality score rejects
// them: lowest confidence first, ties in image order (a stable sort). Coverage,
// percentile buckets, rankings and the risk–coverage metrics all use it.
func RejectionOrder(conf []float64) []int {
	return rankAscending(conf)
}

// risks returns 1 − Dice per image.
func risks(dice []float64) []float64 {
	r := make([]float64, len(dice))
	for i, d := range dice {
		r[i] = 1 - d
	}
	return r
}

// RiskCoverageCurve returns the risk–coverage curve of conf against dice, with
// one point per number of images kept, in rejection order. It is an error when
// the lengths differ, there are fewer than two images, or a value is
// NaN/infinite (or a Dice outside [0,1]).
func RiskCoverageCurve(conf, dice []float64) (*RiskCoverage, error) {
	if err := checkPairs("risk–coverage curve", conf, dice); err != nil {
		return nil, err
	}
	n := len(conf)
	order := RejectionOrder(conf)
	rc := &RiskCoverage{Coverage: make([]float64, n), Risk: make([]float64, n)}
	var cum float64
	for k := range n {
		cum += 1 - dice[order[n-1-k]]
		rc.Coverage[k] = float64(k+1) / float64(n)
		rc.Risk[k] = cum / float64(k+1)
	}
	return rc, nil
}

// benchmarkCurve returns the points and trapezoid weights of the benchmark's
// rc_curve_stats for confidences conf and risks r (see the package's
// failure-detection notes): risk has one more entry than weight.
func benchmarkCurve(conf, r []float64) (risk, weight []float64) {
	n := len(r)
	order := RejectionOrder(conf)
	var sum float64
	for _, v := range r {
		sum += v
	}
	risk = append(risk, sum/float64(n))
	pending := 0
	for i := 0; i < n-1; i++ {
		sum -= r[order[i]]
		pending++
		if i == 0 || conf[order[i]] != conf[order[i-1]] {
			risk = append(risk, sum/float64(n-1-i))
			weight = append(weight, float64(pending)/float64(n))
			pending = 0
		}
	}
	if pending > 0 {
		risk = append(risk, risk[len(risk)-1])
		weight = append(weight, float64(pending)/float64(n))
	}
	return risk, weight
}

// trapezoidAURC integrates the benchmark's curve of conf and risks r.
func trapezoidAURC(conf, r []float64) float64 {
	risk, weight := benchmarkCurve(conf, r)
	var a float64
	for j, w := range weight {
		a += (risk[j] + risk[j+1]) / 2 * w
	}
	return a
}

// AURC returns the area under the risk–coverage curve as the benchmark computes
// it (the trapezoid described in the package's failure-detection notes). Lower is
// better; the same errors as [RiskCoverageCurve].
func AURC(conf, dice []float64) (float64, error) {
	if err := checkPairs("AURC", conf, dice); err != nil {
		return 0, err
	}
	return trapezoidAURC(conf, risks(dice)), nil
}

// OracleAURC returns the AURC of the oracle ranking of dice, whose confidence
// is −risk = Dice − 1.
func OracleAURC(dice []float64) (float64, error) {
	if err := checkPairs("oracle AURC", dice, dice); err != nil {
		return 0, err
	}
	r := risks(dice)
	neg := make([]float64, len(r))
	for i, v := range r {
		neg[i] = -v
	}
	return trapezoidAURC(neg, r), nil
}

// EAURC returns the excess AURC: AURC of conf minus [OracleAURC], as the
// benchmark's eaurc (not clipped: with ties it can fall slightly below 0). It is
// 0 when conf orders the images as Dice does and has no ties.
func EAURC(conf, dice []float64) (float64, error) {
	a, err := AURC(conf, dice)
	if err != nil {
		return 0, err
	}
	o, err := OracleAURC(dice)
	if err != nil {
		return 0, err
	}
	return a - o, nil
}

// AUGRC returns the area under the generalized risk–coverage curve (Traub et
// al., NeurIPS 2024), as fd-shifts computes it: the trapezoid over the points
// (1, Σr/n), one point after each complete group of equal confidence (coverage
// of the images left, their risk sum over n), and (0, 0). Lower is better; the
// same errors as [RiskCoverageCurve].
func AUGRC(conf, dice []float64) (float64, error) {
	if err := checkPairs("AUGRC", conf, dice); err != nil {
		return 0, err
	}
	r := risks(dice)
	n := len(r)
	order := RejectionOrder(conf)
	var sum float64
	for _, v := range r {
		sum += v
	}
	prevCov, prevRisk := 1.0, sum/float64(n)
	var area float64
	for i := 0; i < n-1; i++ {
		sum -= r[order[i]]
		if conf[order[i]] != conf[order[i+1]] {
			cov, risk := float64(n-1-i)/float64(n), sum/float64(n)
			area += (prevRisk + risk) / 2 * (prevCov - cov)
			prevCov, prevRisk = cov, risk
		}
	}
	return area + prevRisk/2*prevCov, nil
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
// against dice with failure threshold tau. AURC, E-AURC and AUGRC are always defined for
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
	if fd.AUGRC, err = AUGRC(conf, dice); err != nil {
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
