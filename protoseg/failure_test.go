package protoseg

import (
	"errors"
	"math"
	"testing"
)

// Four images with risks 0.1, 0.3, 0.6, 0.9; with τ = 0.5 the last two fail.
var fdDice = []float64{0.9, 0.7, 0.4, 0.1}

// Oracle AURC of fdDice: curve 0.1, 0.2, 1.0/3, 1.9/4.
const fdOracle = (0.1 + 0.2 + 1.0/3 + 1.9/4) / 4

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("%s = %.15g, want %.15g", what, got, want)
	}
}

func TestFailurePerfectRanking(t *testing.T) {
	fd, err := EvaluateFailureDetection([]float64{4, 3, 2, 1}, fdDice, DefaultFailureThreshold)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "AURC", fd.AURC, fdOracle)
	near(t, "E-AURC", fd.EAURC, 0)
	near(t, "Spearman", fd.Spearman, 1)
	near(t, "AUROC", fd.AUROC, 1)
	rc, err := RiskCoverageCurve([]float64{4, 3, 2, 1}, fdDice)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range []float64{0.1, 0.2, 1.0 / 3, 0.475} {
		near(t, "risk", rc.Risk[k], want)
		near(t, "coverage", rc.Coverage[k], float64(k+1)/4)
	}
}

func TestFailureReversedRanking(t *testing.T) {
	fd, err := EvaluateFailureDetection([]float64{1, 2, 3, 4}, fdDice, DefaultFailureThreshold)
	if err != nil {
		t.Fatal(err)
	}
	// Curve 0.9, 0.75, 0.6, 0.475.
	aurc := (0.9 + 0.75 + 0.6 + 0.475) / 4
	near(t, "AURC", fd.AURC, aurc)
	near(t, "E-AURC", fd.EAURC, aurc-fdOracle)
	near(t, "Spearman", fd.Spearman, -1)
	// Centred: (−1.5, −0.5, 0.5, 1.5) and (0.375, 0.175, −0.125, −0.425).
	near(t, "Pearson", fd.Pearson, -1.35/math.Sqrt(5*0.3675))
	near(t, "AUROC", fd.AUROC, 0)
}

func TestFailureTies(t *testing.T) {
	conf := []float64{2, 2, 1, 1}
	// Groups {0.1, 0.3} → 0.2 and {0.6, 0.9} → 0.75: curve 0.2, 0.2, 1.15/3, 1.9/4.
	aurc := (0.2 + 0.2 + 1.15/3 + 0.475) / 4
	fd, err := EvaluateFailureDetection(conf, fdDice, DefaultFailureThreshold)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "AURC", fd.AURC, aurc)
	near(t, "E-AURC", fd.EAURC, aurc-fdOracle)
	// Ranks (3.5, 3.5, 1.5, 1.5) against (4, 3, 2, 1): r = 4/√20.
	near(t, "Spearman", fd.Spearman, 4/math.Sqrt(20))
	near(t, "AUROC", fd.AUROC, 1)
	// Ties across the classes count ½: successes at 2, 1 and failures at 2, 1.
	auc, err := FailureAUROC([]float64{2, 1, 2, 1}, fdDice, DefaultFailureThreshold)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "AUROC with cross ties", auc, 0.5)
}

// The tie convention equals the mean curve over every order of the tied images.
func TestFailureTiesAreExpectedOrder(t *testing.T) {
	conf := []float64{3, 1, 3, 3, 1}
	dice := []float64{0.2, 0.5, 0.9, 0.6, 0.0}
	rc, err := RiskCoverageCurve(conf, dice)
	if err != nil {
		t.Fatal(err)
	}
	// Brute force: every permutation of the top group {0,2,3} and bottom {1,4}.
	top := [][]int{{0, 2, 3}, {0, 3, 2}, {2, 0, 3}, {2, 3, 0}, {3, 0, 2}, {3, 2, 0}}
	bottom := [][]int{{1, 4}, {4, 1}}
	mean := make([]float64, 5)
	for _, a := range top {
		for _, b := range bottom {
			var cum float64
			for k, j := range append(append([]int{}, a...), b...) {
				cum += 1 - dice[j]
				mean[k] += cum / float64(k+1) / 12
			}
		}
	}
	for k := range mean {
		near(t, "risk", rc.Risk[k], mean[k])
	}
}

func TestFailureConstantScore(t *testing.T) {
	conf := []float64{7, 7, 7, 7}
	fd, err := EvaluateFailureDetection(conf, fdDice, DefaultFailureThreshold)
	if !errors.Is(err, ErrUndefined) {
		t.Fatalf("constant score: error %v, want ErrUndefined (ρ and r undefined)", err)
	}
	near(t, "AURC", fd.AURC, 0.475) // every k: the mean risk
	near(t, "E-AURC", fd.EAURC, 0.475-fdOracle)
	near(t, "AUROC", fd.AUROC, 0.5)
	if _, err := Spearman(conf, fdDice); err == nil {
		t.Error("Spearman of a constant score: no error")
	}
}

func TestFailureThresholdAndUndefined(t *testing.T) {
	// τ = 0.8: only image 0 succeeds, and it is the least confident.
	auc, err := FailureAUROC([]float64{1, 4, 3, 2}, fdDice, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "AUROC(τ=0.8)", auc, 0)
	if _, err := FailureAUROC([]float64{1, 2, 3, 4}, fdDice, 0.05); err == nil {
		t.Error("no image failing: no error")
	}
	if _, err := FailureAUROC([]float64{1, 2, 3, 4}, fdDice, 0.95); err == nil {
		t.Error("every image failing: no error")
	}
	if _, err := FailureAUROC([]float64{1, 2, 3, 4}, fdDice, 0); err == nil {
		t.Error("τ = 0: no error")
	}
	fd, err := EvaluateFailureDetection([]float64{4, 3, 2, 1}, fdDice, 0.01)
	if !errors.Is(err, ErrUndefined) {
		t.Errorf("no failures: error %v, want ErrUndefined", err)
	}
	near(t, "AURC still computed", fd.AURC, fdOracle)
}

func TestFailureInputErrors(t *testing.T) {
	if _, err := AURC([]float64{1, 2}, []float64{0.5}); err == nil {
		t.Error("length mismatch: no error")
	}
	if _, err := AURC([]float64{1}, []float64{0.5}); err == nil {
		t.Error("one image: no error")
	}
	if _, err := AURC([]float64{1, math.NaN()}, []float64{0.5, 0.4}); err == nil {
		t.Error("NaN confidence: no error")
	}
	if _, err := EAURC([]float64{1, 2}, []float64{0.5, 1.5}); err == nil {
		t.Error("Dice > 1: no error")
	}
	if _, err := Spearman([]float64{1, 2, 3}, []float64{1, 2}); err == nil {
		t.Error("Spearman length mismatch: no error")
	}
}
