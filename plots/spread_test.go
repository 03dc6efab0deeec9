package plots

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestSpreadOf(t *testing.T) {
	mean, r, err := SpreadOf([][]float64{{0.1, 0.5, 0.9}, {0.3, 0.5, 0.6}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct{ m, lo, hi float64 }{{0.2, 0.1, 0.3}, {0.5, 0.5, 0.5}, {0.75, 0.6, 0.9}} {
		if math.Abs(mean[i]-want.m) > 1e-15 || r.Lo[i] != want.lo || r.Hi[i] != want.hi {
			t.Errorf("value %d: mean %v [%v, %v], want %v [%v, %v]", i, mean[i], r.Lo[i], r.Hi[i], want.m, want.lo, want.hi)
		}
	}
	if _, _, err := SpreadOf(nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("no seeds: %v", err)
	}
	if _, _, err := SpreadOf([][]float64{{1, 2}, {1}}); err == nil {
		t.Error("ragged seeds: no error")
	}
}

// Figures with a spread over seeds draw, and reject a mean outside its range.
func TestSpreadFigures(t *testing.T) {
	sa := []float64{0.5, 0.4, 0.3, 0.6}
	r := &Range{Lo: []float64{0.4, 0.3, 0.2, 0.5}, Hi: []float64{0.6, 0.5, 0.4, 0.7}}
	f, err := Fig5LayerSA([]LayerSA{{Dataset: "d", Offline: sa, Online: sa, OfflineRange: r, OnlineRange: r}})
	if err != nil {
		t.Fatal(err)
	}
	if f.Title == "" || !strings.Contains(f.Title, "over seeds") {
		t.Errorf("Fig. 5 with a spread: title %q does not say so", f.Title)
	}
	bad := &Range{Lo: []float64{0.6, 0.3, 0.2, 0.5}, Hi: r.Hi}
	if _, err := Fig5LayerSA([]LayerSA{{Dataset: "d", Offline: sa, Online: sa, OfflineRange: bad}}); err == nil {
		t.Error("mean below its range: no error")
	}
	b := Buckets{Dataset: "d", Edges: []float64{0, 50, 100}, Mu: []float64{0.3, 0.8}, VoG: []float64{0.5, 0.6},
		MuRange: &Range{Lo: []float64{0.2, 0.7}, Hi: []float64{0.4, 0.9}}, VoGRange: &Range{Lo: []float64{0.5, 0.5}, Hi: []float64{0.5, 0.7}}}
	if _, err := Fig11Buckets([]Buckets{b}); err != nil {
		t.Fatal(err)
	}
	if got := rText(0.1, []float64{0.2, 0.4}); got != "r = 0.30 (0.20 to 0.40, 2 seeds)" {
		t.Errorf("per-seed r legend %q", got)
	}
	if got := rText(0.1, []float64{0.2, math.NaN()}); got != "r = 0.20 (0.20 to 0.20, 2 seeds; n/a on 1)" {
		t.Errorf("per-seed r legend with an undefined seed %q", got)
	}
}

func TestFig18WeightSA(t *testing.T) {
	w := WeightSA{Dataset: "d", SA: []float64{0.1, 0.5}, Object: []float64{1, 2}, Background: []float64{0.5, 0.5},
		Difference: []float64{1.5, 2.5}, RhoDifference: &[3]float64{-0.5, -1, 0.25}}
	if _, err := Fig18WeightSA([]WeightSA{w}); err != nil {
		t.Fatal(err)
	}
	if got := rhoText(w.RhoDifference); got != "ρ = −0.50 [−1.00, 0.25]" {
		t.Errorf("legend %q", got)
	}
	if got := rhoText(w.RhoObject); got != "ρ undefined" {
		t.Errorf("legend without ρ %q", got)
	}
	w.Difference = w.Difference[:1]
	if _, err := Fig18WeightSA([]WeightSA{w}); err == nil {
		t.Error("fewer weights than units: no error")
	}
}

// Fig. 7 without a split (+Inf) draws and says that no unit is active.
func TestFig7NoSplit(t *testing.T) {
	if _, err := Fig7UnitSA([]UnitSA{{Dataset: "d", SA: []float64{0.3, 0.3}, Threshold: math.Inf(1)}}); err != nil {
		t.Fatal(err)
	}
}
