package measure

import (
	"math"
	"strings"
	"testing"
)

// fixedHead is a HeadWeighter with given weights.
type fixedHead [][]float64

func (h fixedHead) HeadWeights() ([][]float64, []float64, error) { return h, []float64{0, 0}, nil }

func TestWeights(t *testing.T) {
	// Four units with mean SA 0.1, 0.4, 0.2, 0.8 (ranks 1 3 2 4); |w1 − w0| =
	// 2.5, 4, 2, 8 and |w1| = 1.5, 5, 1, 9 (both ranks 2 3 1 4): ρ = 1 − 6·2/60 =
	// 0.8; |w0| is constant, so its ρ is undefined.
	sa := [][]float64{{0.1, 0.4, 0.2, 0.8}, {0.1, 0.4, 0.2, 0.8}}
	head := fixedHead{{-1, 1.5}, {-1, -5}, {-1, 1}, {-1, -9}}
	w, err := Weights(sa, head, 7)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range []float64{2.5, 4, 2, 8} {
		if w.Difference[k] != want {
			t.Fatalf("difference %v, want [2.5 4 2 8]", w.Difference)
		}
	}
	if iv := w.Rho["difference"]; math.Abs(iv.Effect-0.8) > 1e-12 {
		t.Errorf("ρ(SA, |w1 − w0|) = %v, want 0.8", iv.Effect)
	}
	if iv := w.Rho["object"]; math.Abs(iv.Effect-0.8) > 1e-12 || iv.Low > iv.Effect || iv.High < iv.Effect {
		t.Errorf("ρ(SA, |w1|) = %v [%v, %v], want 0.8 inside its interval", iv.Effect, iv.Low, iv.High)
	}
	if _, ok := w.Rho["background"]; ok || !strings.Contains(w.Undefined["background"], "constant") {
		t.Errorf("constant |w0|: ρ %v, undefined %q; want undefined", w.Rho["background"], w.Undefined["background"])
	}
	if _, err := Weights(sa, fixedHead{{1, 2}}, 7); err == nil {
		t.Error("1 weight row for 4 units: no error")
	}
}
