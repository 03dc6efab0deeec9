package stats

import (
	"math"
	"testing"
)

func TestVerdictRule(t *testing.T) {
	inf := math.Inf(1)
	for _, c := range []struct {
		lo, hi float64
		band   Band
		want   Verdict
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
