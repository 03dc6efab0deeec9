package study

import (
	"math"
	"testing"

	"github.com/protoseg-go/protoseg-go/protoseg"
)

func meanStat(x []float64) func(idx []int) (float64, error) {
	return func(idx []int) (float64, error) { return meanOf(pick(x, idx)), nil }
}

func TestBootstrapConstantData(t *testing.T) {
	x := []float64{0.7, 0.7, 0.7, 0.7, 0.7}
	iv, err := Bootstrap(len(x), BootstrapResamples, 1, meanStat(x))
	if err != nil {
		t.Fatal(err)
	}
	if iv.Effect != 0.7 || iv.Low != 0.7 || iv.High != 0.7 || len(iv.Replicates) != BootstrapResamples {
		t.Fatalf("constant data: %v [%v, %v] from %d replicates, want a zero-width interval at 0.7", iv.Effect, iv.Low, iv.High, len(iv.Replicates))
	}
}

func TestBootstrapTwoPoints(t *testing.T) {
	// The mean of a resample of {0, 1} is 0, ½ or 1 with probabilities ¼, ½, ¼: the
	// 2.5 % and 97.5 % percentiles are 0 and 1, and about half the replicates are ½.
	x := []float64{0, 1}
	iv, err := Bootstrap(2, BootstrapResamples, 7, meanStat(x))
	if err != nil {
		t.Fatal(err)
	}
	if iv.Effect != 0.5 || iv.Low != 0 || iv.High != 1 {
		t.Fatalf("{0, 1}: %v [%v, %v], want 0.5 [0, 1]", iv.Effect, iv.Low, iv.High)
	}
	half := 0
	for _, v := range iv.Replicates {
		if v == 0.5 {
			half++
		}
	}
	// Binomial(2000, ½): SD 22; 5 SD either side.
	if f := float64(half); math.Abs(f-1000) > 112 {
		t.Fatalf("%d of 2000 replicates are ½, want about 1000", half)
	}
	again, _ := Bootstrap(2, BootstrapResamples, 7, meanStat(x))
	for i := range again.Replicates {
		if again.Replicates[i] != iv.Replicates[i] {
			t.Fatal("the seeded bootstrap is not repeatable")
		}
	}
}

func TestBootstrapKnownSample(t *testing.T) {
	// Mean of 1…100 is 50.5; its bootstrap SE is σ/√n = 28.87/10 = 2.887, so the
	// 95 % interval is about 50.5 ± 1.96·2.887 = [44.8, 56.2].
	x := make([]float64, 100)
	for i := range x {
		x[i] = float64(i + 1)
	}
	iv, err := Bootstrap(len(x), BootstrapResamples, 3, meanStat(x))
	if err != nil {
		t.Fatal(err)
	}
	if iv.Effect != 50.5 || math.Abs(iv.Low-44.84) > 0.8 || math.Abs(iv.High-56.16) > 0.8 {
		t.Fatalf("mean of 1…100: %v [%v, %v], want 50.5 [≈44.8, ≈56.2]", iv.Effect, iv.Low, iv.High)
	}
}

func TestBootstrapUndefined(t *testing.T) {
	// Pearson r of {1,1,1,2} with itself: undefined whenever the resample misses
	// the 2 (probability 0.75⁴ ≈ 0.32) — skipped; the rest give r = 1.
	x := []float64{1, 1, 1, 2}
	iv, err := Bootstrap(4, BootstrapResamples, 5, func(idx []int) (float64, error) {
		return pearsonOf(pick(x, idx), pick(x, idx))
	})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(iv.Low-1) > 1e-12 || math.Abs(iv.High-1) > 1e-12 || len(iv.Replicates) > 1600 || len(iv.Replicates) < 1200 {
		t.Fatalf("r: [%v, %v] from %d replicates", iv.Low, iv.High, len(iv.Replicates))
	}
	if _, err := Bootstrap(4, 100, 5, func([]int) (float64, error) { return math.NaN(), nil }); err == nil {
		t.Fatal("NaN statistic: no error")
	}
}

func TestVerdictRule(t *testing.T) {
	inf := math.Inf(1)
	for _, c := range []struct {
		lo, hi float64
		band   Band
		want   string
	}{
		{0.1, 0.3, Above(0), Holds},
		{-0.1, 0.3, Above(0), Inconclusive},
		{-0.3, -0.1, Above(0), Fails},
		{0, 0.3, Above(0), Inconclusive}, // touches an open bound
		{-0.3, 0, Above(0), Fails},
		{0, 0.3, AtLeast(0), Holds}, // touches a closed bound
		{-0.3, 0, AtLeast(0), Inconclusive},
		{-0.3, -0.1, AtLeast(0), Fails},
		{0.25, 0.45, Band{Lo: 0.2, Hi: 0.5}, Holds},
		{0.15, 0.45, Band{Lo: 0.2, Hi: 0.5}, Inconclusive},
		{0.55, 0.7, Band{Lo: 0.2, Hi: 0.5}, Fails},
		{0.05, 0.15, Band{Lo: 0.2, Hi: 0.5}, Fails},
		// Unit fractions move in steps of 1/C: exactly 0.500 is inside 20–50 %.
		{0.5, 0.5, Band{Lo: 0.2, Hi: 0.5, Closed: true}, Holds},
		{0.5, 0.5, Band{Lo: 0.2, Hi: 0.5}, Fails},
		{0.2, 0.5, Band{Lo: 0.2, Hi: 0.5, Closed: true}, Holds},
		{0.5, 0.625, Band{Lo: 0.2, Hi: 0.5, Closed: true}, Inconclusive},
		{-0.01, 0.01, Band{Lo: -0.02, Hi: 0.02}, Holds},
		{0.01, 0.03, Band{Lo: -0.02, Hi: 0.02}, Inconclusive},
		{0.01, 0.03, Above(-0.02), Holds}, // ΔB > −0.02: a gain does not hurt
		{-inf, -0.03, Above(-0.02), Fails},
	} {
		if got := c.band.Judge(Interval{Low: c.lo, High: c.hi}); got != c.want {
			t.Fatalf("CI [%v, %v] against %v (closed %v): %s, want %s", c.lo, c.hi, c.band, c.band.Closed, got, c.want)
		}
	}
	if CombineVerdicts(Holds, Holds) != Holds || CombineVerdicts(Holds, Inconclusive) != Inconclusive ||
		CombineVerdicts(Inconclusive, Fails, Holds) != Fails || CombineVerdicts() != Inconclusive {
		t.Fatal("CombineVerdicts")
	}
}

func TestBandWorstAndString(t *testing.T) {
	if w := Above(0).Worst([]float64{0.3, -0.1, 0.2}); w != -0.1 {
		t.Errorf("lower bound: worst %v, want −0.1", w)
	}
	if w := (Band{Lo: math.Inf(-1), Hi: 1}).Worst([]float64{0.3, 0.9, 0.2}); w != 0.9 {
		t.Errorf("upper bound: worst %v, want 0.9", w)
	}
	// 20–50 %: centre 0.35, half-width 0.15; 0.18 is 1.13 half-widths out, 0.55 1.33.
	if w := (Band{Lo: 0.2, Hi: 0.5}).Worst([]float64{0.3, 0.18, 0.55}); w != 0.55 {
		t.Errorf("two bounds: worst %v, want 0.55", w)
	}
	for b, want := range map[Band]string{Above(0): "> 0", AtLeast(0): "≥ 0", {Lo: 0.2, Hi: 0.5, Closed: true}: "in [0.2, 0.5]", {Lo: math.Inf(-1), Hi: 1}: "< 1"} {
		if b.String() != want {
			t.Errorf("%+v: %q, want %q", b, b.String(), want)
		}
	}
}

func pearsonOf(x, y []float64) (float64, error) { return protoseg.Pearson(x, y) }
