package study

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/protoseg-go/protoseg-go/data"
)

// ExampleLayers are the toy network's layers in file order: nnU-Net-like module
// paths with their unit (channel) counts and down-sampling factors.
var ExampleLayers = []ExampleLayer{
	{Name: "encoder.stages.0.0.convs.0", Units: 8, Down: 1, Signal: "image", Informative: 8, Noise: 0.15},
	{Name: "encoder.stages.1.0.convs.0", Units: 12, Down: 2, Signal: "image", Informative: 8, Noise: 0.3},
	{Name: "encoder.stages.2.0.convs.0", Units: 16, Down: 4, Signal: "", Informative: 0, Noise: 1},
	{Name: "decoder.stages.0.convs.0", Units: 12, Down: 2, Signal: "prediction", Informative: 6, Noise: 0.5},
	{Name: "decoder.stages.1.convs.1", Units: 16, Down: 1, Signal: "prediction", Informative: 6, Noise: 0.2},
}

// ExampleLayer is one layer of the toy network: Informative of its Units carry
// Signal ("image", "prediction", or "" for none) times a random gain plus
// Gaussian noise of SD Noise; the other units are noise alone, Noise/10 in the
// last layer (near-constant "inertia" units). The layer is H/Down × W/Down
// (average-pooled), so ProtoSeg up-samples it when Down > 1.
type ExampleLayer struct {
	Name        string
	Units, Down int
	Signal      string
	Informative int
	Noise       float64
}

// exampleSizes are the cases' output sizes (H, W), in turn: cases may differ in
// size. Each is divisible by the largest Down.
var exampleSizes = [][2]int{{48, 48}, {40, 56}, {56, 40}}

// exampleScene is one case's maps, H × W row-major: the image, the label (0/1)
// and the network's foreground probability.
type exampleScene struct {
	h, w               int
	image, label, pred []float64
	quality            float64 // 0 (hardest) … 1 (easiest)
}

// ExampleCases writes n per-case files case_000.npz … into dir (created if
// needed): features as float16, "probabilities" (2 × H × W, float32) and
// "label" (uint8), deflate-compressed, as an nnU-Net exporter would. Case i has
// quality q spread over [0, 1] (shuffled by seed): the lower q, the lower the
// image contrast, the more the prediction is shifted and the noisier the decoder
// units. It returns the paths written.
func ExampleCases(dir string, n int, seed uint64) ([]string, error) {
	if n < 1 {
		return nil, fmt.Errorf("study: example cases: want at least one case, got %d", n)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("study: example cases: %w", err)
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	order := rng.Perm(n)
	var paths []string
	for i := range n {
		q := 1.0
		if n > 1 {
			q = float64(order[i]) / float64(n-1)
		}
		size := exampleSizes[i%len(exampleSizes)]
		s := newExampleScene(rng, size[0], size[1], q)
		path := filepath.Join(dir, fmt.Sprintf("case_%03d.npz", i))
		if err := data.WriteTypedNPZ(path, true, s.arrays(rng)...); err != nil {
			return nil, fmt.Errorf("study: example cases: %w", err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// newExampleScene draws an elliptical object, an image of it (contrast rising
// with q, plus noise) and a prediction: the ellipse shifted and resized by an
// error that shrinks with q, as a soft probability.
func newExampleScene(rng *rand.Rand, h, w int, q float64) *exampleScene {
	s := &exampleScene{h: h, w: w, quality: q}
	cy, cx := float64(h)*(0.35+0.3*rng.Float64()), float64(w)*(0.35+0.3*rng.Float64())
	ry, rx := float64(h)*(0.15+0.1*rng.Float64()), float64(w)*(0.15+0.1*rng.Float64())
	miss := (1 - q) * 0.7
	angle := 2 * math.Pi * rng.Float64()
	py, px := cy+miss*ry*math.Sin(angle), cx+miss*rx*math.Cos(angle)
	scale := 1 + miss*0.5*(2*rng.Float64()-1)
	contrast := 0.15 + 0.6*q
	for y := range h {
		for x := range w {
			d := math.Hypot((float64(y)-cy)/ry, (float64(x)-cx)/rx)
			in := 0.0
			if d < 1 {
				in = 1
			}
			dp := math.Hypot((float64(y)-py)/(ry*scale), (float64(x)-px)/(rx*scale))
			s.label = append(s.label, in)
			s.image = append(s.image, 0.2+contrast*in+0.15*rng.NormFloat64())
			s.pred = append(s.pred, 1/(1+math.Exp(-6*(1-dp))))
		}
	}
	return s
}

// arrays returns the case file's arrays: the layers in order, then the
// probabilities and the label.
func (s *exampleScene) arrays(rng *rand.Rand) []data.TypedArray {
	var out []data.TypedArray
	for l, layer := range ExampleLayers {
		out = append(out, s.layer(rng, layer, l == len(ExampleLayers)-1))
	}
	probs := make([]float64, 0, 2*len(s.pred))
	for _, p := range s.pred {
		probs = append(probs, 1-p)
	}
	probs = append(probs, s.pred...)
	return append(out,
		data.TypedArray{Name: data.ProbabilitiesKey, DType: "float32", Shape: []int{2, s.h, s.w}, Values: probs},
		data.TypedArray{Name: data.LabelKey, DType: "uint8", Shape: []int{s.h, s.w}, Values: s.label})
}

// layer computes one layer's units: C × H/Down × W/Down. The decoder layers'
// noise grows as the case gets harder (their units agree less with B).
func (s *exampleScene) layer(rng *rand.Rand, l ExampleLayer, last bool) data.TypedArray {
	var signal []float64
	noise := l.Noise
	switch l.Signal {
	case "image":
		signal = avgPool(s.image, s.h, s.w, l.Down)
	case "prediction":
		signal = avgPool(s.pred, s.h, s.w, l.Down)
		noise *= 1 + 2*(1-s.quality)
	}
	h, w := s.h/l.Down, s.w/l.Down
	values := make([]float64, 0, l.Units*h*w)
	for k := range l.Units {
		gain, sd := 0.0, noise
		if k < l.Informative && signal != nil {
			gain = (0.5 + rng.Float64()) * float64(1-2*rng.IntN(2))
		} else if last {
			sd = noise / 10
		}
		bias := rng.NormFloat64()
		for i := range h * w {
			v := bias + sd*rng.NormFloat64()
			if gain != 0 {
				v += gain * signal[i]
			}
			values = append(values, v)
		}
	}
	return data.TypedArray{Name: l.Name, DType: "float16", Shape: []int{l.Units, h, w}, Values: values}
}

// avgPool averages m (h × w) over f × f blocks (h and w divisible by f).
func avgPool(m []float64, h, w, f int) []float64 {
	if f == 1 {
		return m
	}
	out := make([]float64, (h/f)*(w/f))
	for y := range h {
		for x := range w {
			out[(y/f)*(w/f)+x/f] += m[y*w+x] / float64(f*f)
		}
	}
	return out
}
