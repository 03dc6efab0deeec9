package stats

import (
	"math"
	"testing"

	"github.com/protoseg-go/protoseg-go/protoseg"
)

func meanStat(x []float64) func(idx []int) (float64, error) {
	return func(idx []int) (float64, error) { return Mean(Pick(x, idx)), nil }
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
		return pearsonOf(Pick(x, idx), Pick(x, idx))
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

func pearsonOf(x, y []float64) (float64, error) { return protoseg.Pearson(x, y) }
