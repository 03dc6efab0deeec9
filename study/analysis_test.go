package study

import (
	"math"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/cpubackend"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

var testBackend = sync.OnceValues(func() (backends.Backend, error) { return cpubackend.New("") })

func newAnalyzer(t *testing.T) *protoseg.Analyzer {
	t.Helper()
	b, err := testBackend()
	if err != nil {
		t.Fatal(err)
	}
	a, err := protoseg.NewAnalyzer(b, protoseg.Bilinear)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// thresholdModel segments channel 0 at 0.5; each of its layers has `units` units:
// the output mask itself and constants.
type thresholdModel struct{ layers, units int }

func (m thresholdModel) Forward(images *tensors.Tensor) (*Output, error) {
	d := images.Shape().Dimensions
	n, h, w, c := d[0], d[1], d[2], d[3]
	mask := tensors.FromShape(shapes.Make(dtypes.Float32, n, h, w))
	x := tensors.MustCopyFlatData[float32](images)
	mv := make([]float32, n*h*w)
	for i := range mv {
		if x[i*c] > 0.5 {
			mv[i] = 1
		}
	}
	tensors.MustMutableFlatData(mask, func(f []float32) { copy(f, mv) })
	out := &Output{Mask: mask, Prob: mask}
	u := max(m.units, 2)
	for range m.layers {
		f := make([]float32, n*h*w*u)
		for i, v := range mv {
			f[u*i] = v
			for k := 1; k < u; k++ {
				f[u*i+k] = float32(k)
			}
		}
		out.Features = append(out.Features, tensors.FromFlatDataAndDimensions(f, n, h, w, u))
	}
	return out, nil
}

// gradientModel returns the same input gradient at every checkpoint.
type gradientModel struct{ scale float32 }

func (g gradientModel) InputGradient(images *tensors.Tensor) (*tensors.Tensor, error) {
	x := tensors.MustCopyFlatData[float32](images)
	for i := range x {
		x[i] *= g.scale
	}
	return tensors.FromFlatDataAndDimensions(x, images.Shape().Dimensions...), nil
}

// tinyDataset has test images whose channel 0 is exactly the mask (a square of
// growing size) and channel 1 a ramp.
func tinyDataset(n int) *data.Dataset {
	const h, w = 8, 8
	ds := &data.Dataset{Name: "tiny", Channels: 2, Height: h, Width: w}
	for k := range n {
		s := data.Sample{Image: make([]float32, h*w*2), Mask: make([]uint8, h*w), Subject: "s"}
		for y := range h {
			for x := range w {
				i := y*w + x
				if y >= 2 && y < 3+k && x >= 2 && x < 4+k {
					s.Mask[i], s.Image[2*i] = 1, 1
				}
				s.Image[2*i+1] = float32(x) / w
			}
		}
		ds.Test = append(ds.Test, s)
	}
	return ds
}

func TestAnalyzePerfectModel(t *testing.T) {
	a := newAnalyzer(t)
	ds := tinyDataset(5)
	res, err := Analyze(a, thresholdModel{layers: 3}, ds, AnalyzeOptions{BatchSize: 2, Examples: 3})
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

func TestNoiseStudy(t *testing.T) {
	a := newAnalyzer(t)
	ds := tinyDataset(4)
	model := thresholdModel{layers: 2}
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

func TestVoGScores(t *testing.T) {
	ds := tinyDataset(3)
	v, deg, err := VoGScores([]GradientModel{gradientModel{1}, gradientModel{1}, gradientModel{1}}, ds, 2)
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
	v, _, err = VoGScores([]GradientModel{gradientModel{0}, gradientModel{2}}, ds, 2)
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
