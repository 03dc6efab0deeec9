package protoseg

import (
	"errors"
	"math"
	"testing"
)

// Four images with risks 0.1, 0.3, 0.6, 0.9; with τ = 0.5 the last two fail.
var fdDice = []float64{0.9, 0.7, 0.4, 0.1}

// Oracle AURC of fdDice (benchmark trapezoid, no ties): the points 0.475, 1/3,
// 0.2, 0.1 at coverages 1, 3/4, 1/2, 1/4, each segment of weight 1/4.
const fdOracle = (0.475 + 2.0/3 + 0.4 + 0.1) / 2 / 4

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
	// Generalized risks 0.475, 0.25, 0.1, 0.025, 0 at coverages 1 … 0.
	near(t, "AUGRC", fd.AUGRC, (0.725+0.35+0.125+0.025)/2/4)
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
	// Points 0.475, 0.6, 0.75, 0.9 at coverages 1, 3/4, 1/2, 1/4.
	aurc := (0.475 + 1.2 + 1.5 + 0.9) / 2 / 4
	near(t, "AURC", fd.AURC, aurc)
	near(t, "E-AURC", fd.EAURC, aurc-fdOracle)
	near(t, "Spearman", fd.Spearman, -1)
	// Centred: (−1.5, −0.5, 0.5, 1.5) and (0.375, 0.175, −0.125, −0.425).
	near(t, "Pearson", fd.Pearson, -1.35/math.Sqrt(5*0.3675))
	near(t, "AUROC", fd.AUROC, 0)
}

// The worked example of the benchmark's curve, with a tie, computed by hand.
//
//	image       0    1    2    3    4
//	confidence 0.2  0.5  0.5  0.9  0.1
//	Dice       0.6  0.8  0.2  1.0  0.3
//	risk       0.4  0.2  0.8  0.0  0.7
//
// Rejection order 4, 0, 1, 2, 3 (the tie 1, 2 in image order). Risk sum 2.1:
// start (1, 0.42); reject 4 (i = 0): (4/5, 1.4/4 = 0.35), weight 1/5; reject 0
// (0.2 ≠ 0.1): (3/5, 1.0/3), weight 1/5; reject 1 (0.5 ≠ 0.2): (2/5, 0.8/2 = 0.4),
// weight 1/5; reject 2 (0.5 = 0.5): no point; one image pending, so the final
// point (0, 0.4) with weight 1/5.
// AURC = ⅕ (0.385 + (0.35 + ⅓)/2 + (⅓ + 0.4)/2 + 0.4) = 0.232 + 1/15.
// Oracle (confidence −risk: order 2, 4, 0, 1, 3, no ties): 0.42, 0.325, 0.2,
// 0.1, 0 → ⅕ (0.745 + 0.525 + 0.3 + 0.1)/2 = 0.167.
// AUGRC: (1, 0.42), (0.8, 0.28), (0.6, 0.2), [no point inside the tie], (0.2, 0),
// (0, 0) → 0.07 + 0.048 + 0.04 = 0.158.
func TestFailureWorkedExampleWithTies(t *testing.T) {
	conf := []float64{0.2, 0.5, 0.5, 0.9, 0.1}
	dice := []float64{0.6, 0.8, 0.2, 1.0, 0.3}
	aurc := 0.232 + 1.0/15
	got, err := AURC(conf, dice)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "AURC", got, aurc)
	o, err := OracleAURC(dice)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "oracle AURC", o, 0.167)
	e, err := EAURC(conf, dice)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "E-AURC", e, aurc-0.167)
	g, err := AUGRC(conf, dice)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "AUGRC", g, 0.158)
	// The benchmark's point after the first image of a tie group depends on
	// which tied image comes first: listing image 2 before image 1 rejects the
	// risk 0.8 first, giving the point (2/5, 0.2/2 = 0.1) and the final point 0.1.
	swapped := []float64{0.6, 0.2, 0.8, 1.0, 0.3}
	got, err = AURC(conf, swapped)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "AURC, tie in the other order", got, 0.2*(0.385+(0.35+1.0/3)/2+(1.0/3+0.1)/2+0.1))
	// AUGRC has no point inside a tie group, so the order does not matter.
	g, err = AUGRC(conf, swapped)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "AUGRC, tie in the other order", g, 0.158)
}

func TestFailureTies(t *testing.T) {
	conf := []float64{2, 2, 1, 1}
	// Order 2, 3, 0, 1: start 0.475; reject 2 → 1.3/3 (weight ¼); reject 3 (tie)
	// → pending; reject 0 (2 ≠ 1) → 0.3/1 (weight 2/4).
	aurc := (0.475+1.3/3)/2/4 + (1.3/3+0.3)/2/2
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

// Coverage, buckets and the risk–coverage curve share one tie rule: tied images
// are rejected in image order.
func TestFailureOneTieRule(t *testing.T) {
	conf := []float64{3, 1, 3, 3, 1}
	dice := []float64{0.2, 0.5, 0.9, 0.6, 0.0}
	order := RejectionOrder(conf)
	for i, want := range []int{1, 4, 0, 2, 3} {
		if order[i] != want {
			t.Fatalf("RejectionOrder = %v, want [1 4 0 2 3]", order)
		}
	}
	rc, err := RiskCoverageCurve(conf, dice)
	if err != nil {
		t.Fatal(err)
	}
	// Most confident first: 3, 2, 0, 4, 1 → risks 0.4, 0.1, 0.8, 1.0, 0.5.
	var cum float64
	for k, j := range []int{3, 2, 0, 4, 1} {
		cum += 1 - dice[j]
		near(t, "risk", rc.Risk[k], cum/float64(k+1))
	}
	kept, err := KeptAtCoverage(conf, 0.4)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 2 || kept[0] != 2 || kept[1] != 3 {
		t.Errorf("KeptAtCoverage(0.4) = %v, want [2 3] (the last two in rejection order)", kept)
	}
}

func TestFailureConstantScore(t *testing.T) {
	conf := []float64{7, 7, 7, 7}
	fd, err := EvaluateFailureDetection(conf, fdDice, DefaultFailureThreshold)
	if !errors.Is(err, ErrUndefined) {
		t.Fatalf("constant score: error %v, want ErrUndefined (ρ and r undefined)", err)
	}
	// Benchmark: start 0.475; reject image 0 (i = 0) → (3/4, 1.8/3 = 0.6),
	// weight ¼; the other two rejections are ties → final (0, 0.6), weight 2/4.
	near(t, "AURC", fd.AURC, (0.475+0.6)/2/4+0.6/2)
	near(t, "E-AURC", fd.EAURC, (0.475+0.6)/2/4+0.6/2-fdOracle)
	// AUGRC: one group, so (1, 0.475) straight to (0, 0).
	near(t, "AUGRC", fd.AUGRC, 0.475/2)
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
