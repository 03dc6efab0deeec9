package measure

import (
	"testing"

	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
)

func TestNoiseStudy(t *testing.T) {
	a := fixture.Analyzer(t)
	ds := fixture.TinyDataset(4)
	model := ThresholdModel{Layers: 2}
	res, err := Analyze(a, model, ds, AnalyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	diff, err := NoiseStudy(a, model, ds, res.LayerSA, []float64{0, 0.4, 1}, 7, 3)
	if err != nil {
		t.Fatal(err)
	}
	// No noise, or noise below 0.5 on a 0/1 channel thresholded at 0.5: SA unchanged.
	for _, row := range diff[:2] {
		for _, d := range row {
			if d != 0 {
				t.Fatalf("noise ≤ 0.4: SA change %v, want 0", d)
			}
		}
	}
	// Noise up to 1 flips background pixels to object: SA drops.
	if diff[2][0] >= 0 {
		t.Fatalf("noise 1.0: SA change %v, want < 0", diff[2][0])
	}
	same, err := NoiseStudy(a, model, ds, res.LayerSA, []float64{0, 0.4, 1}, 7, 3)
	if err != nil {
		t.Fatal(err)
	}
	if same[2][0] != diff[2][0] {
		t.Fatalf("seeded noise study is not repeatable: %v vs %v", same[2][0], diff[2][0])
	}
}
