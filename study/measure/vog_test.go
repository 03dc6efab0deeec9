package measure

import (
	"math"
	"testing"

	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
)

func TestVoGScores(t *testing.T) {
	ds := fixture.TinyDataset(3)
	v, deg, err := VoGScores([]GradientModel{fixture.GradientModel{Scale: 1}, fixture.GradientModel{Scale: 1}, fixture.GradientModel{Scale: 1}}, ds, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range v {
		if x != 0 {
			t.Fatalf("identical checkpoints: VoG %v, want 0", x)
		}
	}
	if len(deg) != len(ds.Test) {
		t.Fatalf("%d degenerate flags for %d images", len(deg), len(ds.Test))
	}
	v, _, err = VoGScores([]GradientModel{fixture.GradientModel{Scale: 0}, fixture.GradientModel{Scale: 2}}, ds, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Per pixel the channel mean is m = (x0+x1)/2; checkpoints give 0 and 2m: SD = m.
	for i, s := range ds.Test {
		var want float64
		for p := range s.Mask {
			want += float64(s.Image[2*p]+s.Image[2*p+1]) / 2
		}
		want /= float64(len(s.Mask))
		if math.Abs(v[i]-want) > 1e-6 {
			t.Fatalf("VoG[%d] = %v, want %v", i, v[i], want)
		}
	}
}
