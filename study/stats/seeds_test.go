package stats

import (
	"testing"
)

func TestPoolOverSeeds(t *testing.T) {
	// Two seeds whose image-level replicates are constant (0 and 1): the two-stage
	// bootstrap draws both seeds, one twice or each once: means 0, ½, 1 with
	// probabilities ¼, ½, ¼, so the interval is [0, 1] around the effect ½.
	n := BootstrapResamples
	zeros, ones := make([]float64, n), make([]float64, n)
	for i := range ones {
		ones[i] = 1
	}
	iv, err := PoolOverSeeds([]Interval{{Effect: 0, Replicates: zeros}, {Effect: 1, Replicates: ones}}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if iv.Effect != 0.5 || iv.Low != 0 || iv.High != 1 {
		t.Fatalf("pooled %v [%v, %v], want 0.5 [0, 1]", iv.Effect, iv.Low, iv.High)
	}
	// Identical seeds: the interval is the seeds' own.
	same, _ := PoolOverSeeds([]Interval{{Effect: 1, Replicates: ones}, {Effect: 1, Replicates: ones}}, 3)
	if same.Low != 1 || same.High != 1 {
		t.Fatalf("identical seeds: [%v, %v]", same.Low, same.High)
	}
}
