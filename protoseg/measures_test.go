package protoseg

import (
	"math"
	"testing"
)

func TestMeanUnitSA(t *testing.T) {
	// μ is 1 when every unit equals B, and the plain mean over all units otherwise.
	l17 := &UnitResult{Name: "layer17", SA: [][]float64{{1, 1}, {0.5, 0}}}
	l18 := &UnitResult{Name: "layer18", SA: [][]float64{{1, 1, 1}, {1, 0, 0.5}}}
	mu, err := MeanUnitSA(l17, l18)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "mu", mu, []float64{1, 0.4}, 1e-15)
	if _, err := MeanUnitSA(l17, &UnitResult{SA: [][]float64{{1}}}); err == nil {
		t.Fatal("different image counts: no error")
	}
}

func TestMeanUnitSADegenerate(t *testing.T) {
	// Image 0 has an empty B (every unit SA 1 by the empty-map convention), image 1
	// a full B in layer 18 only, image 2 is ordinary.
	l17 := &UnitResult{Name: "layer17", SA: [][]float64{{1, 1}, {0.5, 0.5}, {0.5, 1}},
		EmptyObject: []bool{true, false, false}, EmptyBackground: []bool{false, false, false}}
	l18 := &UnitResult{Name: "layer18", SA: [][]float64{{1}, {1}, {0}},
		EmptyObject: []bool{true, false, false}, EmptyBackground: []bool{false, true, false}}
	mu, err := MeanUnitSA(l17, l18)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "mu", mu, []float64{DegenerateMu, DegenerateMu, 0.5}, 1e-15)
	deg, err := Degenerate(l17, l18)
	if err != nil {
		t.Fatal(err)
	}
	if !deg[0] || !deg[1] || deg[2] {
		t.Fatalf("degenerate = %v, want [true true false]", deg)
	}
	// Coverage rejects the degenerate images first: at 1/3 only image 2 is kept.
	kept, err := KeptAtCoverage(mu, 1.0/3)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || kept[0] != 2 {
		t.Fatalf("kept at 1/3: %v, want [2]", kept)
	}
}

func TestPearson(t *testing.T) {
	x := []float64{1, 2, 3, 4}
	if r, _ := Pearson(x, []float64{2, 4, 6, 8}); math.Abs(r-1) > 1e-15 {
		t.Fatalf("r = %v, want 1", r)
	}
	if r, _ := Pearson(x, []float64{8, 6, 4, 2}); math.Abs(r+1) > 1e-15 {
		t.Fatalf("r = %v, want -1", r)
	}
	// Closed form: x = 1..4, y = (1, 3, 2, 4): cov = 0.8·..., r = 0.8.
	if r, _ := Pearson(x, []float64{1, 3, 2, 4}); math.Abs(r-0.8) > 1e-12 {
		t.Fatalf("r = %v, want 0.8", r)
	}
	for _, bad := range [][2][]float64{{{1}, {1}}, {{1, 2}, {3, 3}}, {{1, 2}, {1}}} {
		if _, err := Pearson(bad[0], bad[1]); err == nil {
			t.Fatalf("Pearson(%v): no error", bad)
		}
	}
}

func TestCoverage(t *testing.T) {
	dice := []float64{0.1, 0.9, 0.5, 0.7, 0.3, 0.8, 0.6, 0.2, 0.4, 1.0}
	score := []float64{1, 9, 5, 7, 3, 8, 6, 2, 4, 10} // perfectly ranked
	got, err := Coverage(dice, score, []float64{1, 0.9, 0.75, 0.7, 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// Keep 10, 9, round(7.5)=8, 7, 5 highest: means 0.55, 0.6, (0.3..1.0)=0.65, 0.7, 0.8.
	assertClose(t, "coverage", got, []float64{0.55, 0.6, 0.65, 0.7, 0.8}, 1e-12)
	if _, err := Coverage(dice, score, []float64{0}); err == nil {
		t.Fatal("coverage 0: no error")
	}
}

func TestPercentileBuckets(t *testing.T) {
	dice := []float64{0.1, 0.9, 0.5, 0.7, 0.3, 0.8}
	score := []float64{1, 6, 3, 5, 2, 4}
	b, err := PercentileBuckets(dice, score, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.2, 0.65, 0.8} // (0.1,0.3), (0.5,0.8), (0.7,0.9)
	for i, bk := range b {
		if math.Abs(bk.MeanDice-want[i]) > 1e-12 || bk.N != 2 {
			t.Fatalf("bucket %d = %+v, want mean %v of 2", i, bk, want[i])
		}
	}
	if b[2].From != 100*2.0/3 || b[2].To != 100 {
		t.Fatalf("last bucket range %v–%v", b[2].From, b[2].To)
	}
}

func TestVoG(t *testing.T) {
	// Identical checkpoints: VoG = 0, not degenerate (the gradient is not zero).
	g := []float32{1, 2, 3, 4, 5, 6, 7, 8}
	v, deg, err := VoG([][]float32{g, g, g}, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "VoG identical", v, []float64{0, 0}, 0)
	if deg[0] || deg[1] {
		t.Errorf("identical non-zero gradients flagged degenerate: %v", deg)
	}
	// One image, one pixel, two channels: channel means over 2 checkpoints are 1 and 3
	// → population SD 1.
	v, _, err = VoG([][]float32{{0, 2}, {2, 4}}, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "VoG", v, []float64{1}, 1e-15)
	if _, _, err := VoG([][]float32{g}, 2, 2); err == nil {
		t.Fatal("one checkpoint: no error")
	}
	if _, _, err := VoG([][]float32{{float32(math.NaN()), 0}, {0, 0}}, 1, 2); err == nil {
		t.Fatal("NaN gradient: no error")
	}
}

// An image predicted empty at every checkpoint has a zero gradient everywhere:
// VoG 0, flagged degenerate, and VoGHardness ranks it as the hardest.
func TestVoGDegenerate(t *testing.T) {
	// Two images × two pixels × one channel; image 1 is zero at both checkpoints,
	// image 0 has SDs 1 and 0 (mean 0.5).
	v, deg, err := VoG([][]float32{{0, 5, 0, 0}, {2, 5, 0, 0}}, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "VoG", v, []float64{0.5, 0}, 1e-15)
	if deg[0] || !deg[1] {
		t.Fatalf("degenerate = %v, want [false true]", deg)
	}
	h := VoGHardness([]float64{0.5, 0, 0.2, 0}, []bool{false, true, false, true})
	top := math.Nextafter(0.5, 1)
	assertClose(t, "hardness", h, []float64{0.5, top, 0.2, top}, 0)
	if o := RejectionOrder(h); o[0] != 2 || o[1] != 0 || o[2] != 1 || o[3] != 3 {
		t.Errorf("order by hardness %v, want [2 0 1 3]", o)
	}
	assertClose(t, "no flags", VoGHardness([]float64{0.5, 0}, nil), []float64{0.5, 0}, 0)
}

func TestSeparablenessGap(t *testing.T) {
	d, m, err := SeparablenessGap([]float64{0.9, 0.8}, []float64{0.6, 0.2})
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "d", d, []float64{0.3, 0.6}, 1e-15)
	if math.Abs(m-0.45) > 1e-15 {
		t.Fatalf("m(d) = %v", m)
	}
}

func TestActiveThreshold(t *testing.T) {
	// Two clear groups: inertia near 0.1, active near 0.8.
	sa := []float64{0.82, 0.1, 0.12, 0.79, 0.08, 0.11, 0.85}
	th := ActiveThreshold(sa)
	if math.Abs(th-(0.12+0.79)/2) > 1e-12 {
		t.Fatalf("threshold %v, want midway between 0.12 and 0.79", th)
	}
	if th := ActiveThreshold([]float64{0.5, 0.5}); !math.IsInf(th, 1) {
		t.Fatalf("equal scores: threshold %v, want +Inf (no split)", th)
	}
	kept, err := KeptAtCoverage([]float64{3, 1, 2, 5}, 0.5)
	if err != nil || len(kept) != 2 || kept[0] != 0 || kept[1] != 3 {
		t.Fatalf("kept %v (%v), want [0 3]", kept, err)
	}
}

// One rule for active units: SA ≥ the Otsu split; no split, no active unit.
func TestActiveUnits(t *testing.T) {
	active, n := ActiveUnits([]float64{0.1, 0.9, 0.15, 0.8})
	if n != 2 || active[0] || !active[1] || active[2] || !active[3] {
		t.Fatalf("active %v (%d), want [false true false true] (2)", active, n)
	}
	if _, n := ActiveUnits([]float64{0.4, 0.4, 0.4}); n != 0 {
		t.Fatalf("constant SA: %d active, want 0 (no split)", n)
	}
}
