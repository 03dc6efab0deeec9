package measure

import (
	"testing"

	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
)

func TestAnalyzePerfectModel(t *testing.T) {
	a := fixture.Analyzer(t)
	ds := fixture.TinyDataset(5)
	res, err := Analyze(a, ThresholdModel{Layers: 3}, ds, AnalyzeOptions{BatchSize: 2, Examples: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dice) != 5 || len(res.LayerSA) != 5 || len(res.Mu) != 5 || len(res.Degenerate) != 5 || len(res.Examples) != 3 {
		t.Fatalf("counts: dice %d layers %d mu %d examples %d", len(res.Dice), len(res.LayerSA), len(res.Mu), len(res.Examples))
	}
	for i := range 5 {
		if res.Dice[i] != 1 {
			t.Fatalf("image %d: Dice %v, want 1", i, res.Dice[i])
		}
		for l, sa := range res.LayerSA[i] {
			if sa != 1 {
				t.Fatalf("image %d layer %d: SA %v, want 1", i, l+1, sa)
			}
		}
		// Unit 0 equals B (SA 1), unit 1 is constant (SA 0): μ = 0.5.
		if res.Mu[i] != 0.5 || res.UnitSA[i][0] != 1 || res.UnitSA[i][1] != 0 {
			t.Fatalf("image %d: μ %v unit SA %v", i, res.Mu[i], res.UnitSA[i])
		}
	}
	if ex := res.Examples[2]; ex.Index != 2 || len(ex.LayerSAM) != 3 || len(ex.UnitSAM) != 2 {
		t.Fatalf("example 2: %+v", ex)
	}
	// Heat-map: half of the units call the object pixels object.
	for p, v := range res.Heat[0] {
		want := 0.5 * float32(ds.Test[0].Mask[p])
		if v != want || res.Heat1718[0][p] != want {
			t.Fatalf("heat[%d] = %v / %v, want %v", p, v, res.Heat1718[0][p], want)
		}
	}
	sx, sams, err := Separableness(a, ds, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range sx {
		if v != 1 {
			t.Fatalf("S_x[%d] = %v, want 1 (channel 0 is the mask)", i, v)
		}
		if string(sams[i]) != string(ds.Test[i].Mask) {
			t.Fatalf("S_x map %d is not the mask", i)
		}
	}
}
