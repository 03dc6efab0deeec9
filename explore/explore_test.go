package explore

import (
	"bytes"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/study/measure"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/cpubackend"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/unet"
)

// fakeModel gives feature maps shaped like a U-Net's 18 layers (Base base) that
// depend smoothly on the image, so ProtoSeg finds something to separate.
type fakeModel struct {
	base int
	seed float32
}

var (
	fakeWidths = []int{1, 1, 2, 2, 4, 4, 8, 8, 16, 16, 8, 8, 4, 4, 2, 2, 1, 1}
	fakeLevels = []int{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0}
)

// Forward gives the features of images [N, H, W, C] or [N, D, H, W, C]: at
// level l, the spatial axes shrunk 2^l times (to 1 at least), each feature
// voxel seeing the image's channel 0 at its corner.
func (m fakeModel) Forward(images *tensors.Tensor) (*measure.Output, error) {
	d := images.Shape().Dimensions
	n, sp, c := d[0], d[1:len(d)-1], d[len(d)-1]
	pix := tensors.MustCopyFlatData[float32](images)
	grey := make([]float32, len(pix)/c)
	for i := range grey {
		grey[i] = pix[i*c]
	}
	mask := make([]float32, len(grey))
	for i, v := range grey {
		if v > 0.5 {
			mask[i] = 1
		}
	}
	dims := append([]int{n}, sp...)
	out := &measure.Output{Mask: tensors.FromFlatDataAndDimensions(mask, dims...), Prob: tensors.FromFlatDataAndDimensions(mask, dims...)}
	for l, lev := range fakeLevels {
		fsp := make([]int, len(sp))
		for i, v := range sp {
			fsp[i] = max(1, v>>lev)
		}
		fc := fakeWidths[l] * m.base
		f := m.features(grey, n, sp, fsp, 1<<lev, fc, l)
		out.Features = append(out.Features, tensors.FromFlatDataAndDimensions(f, append(append([]int{n}, fsp...), fc)...))
	}
	return out, nil
}

// features is layer l's [n, fsp..., fc] map of the grey images [n, sp...]
// seen every s voxels.
func (m fakeModel) features(grey []float32, n int, sp, fsp []int, s, fc, l int) []float32 {
	vox, fvox := 1, 1
	for i := range sp {
		vox, fvox = vox*sp[i], fvox*fsp[i]
	}
	f := make([]float32, n*fvox*fc)
	coord := make([]int, len(sp))
	for b := range n {
		for q := range fvox {
			rest, src, stride := q, 0, 1
			for a := len(fsp) - 1; a >= 0; a-- {
				coord[a], rest = rest%fsp[a], rest/fsp[a]
				src += min(coord[a]*s, sp[a]-1) * stride
				stride *= sp[a]
			}
			v := grey[b*vox+src]
			x, y, z := coord[len(coord)-1], coord[len(coord)-2], 0
			if len(coord) == 3 {
				z = coord[0]
			}
			for k := range fc {
				// Unit k responds to the intensity with its own gain and
				// offset; some units are constant ("inertia").
				a := float32(math.Sin(float64(k+l*7)+float64(m.seed))) * 2
				val := a*v + float32(k%3)*0.1 + float32((x*7+y*3+z*2+k)%5)*0.01
				if k%4 == 3 {
					val = 0.5
				}
				f[(b*fvox+q)*fc+k] = max(val, 0)
			}
		}
	}
	return f
}

// fakeSource analyses the fake models with the study's own Analyze.
type fakeSource struct {
	ds      *data.Dataset
	models  map[unet.Mode]measure.Model
	results *measure.DatasetResults
}

func newFakeSource(t testing.TB, b backends.Backend, a *protoseg.Analyzer, size, base, test int) *fakeSource {
	src, err := fakeSourceOf(a, size, base, test)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// fakeSourceOf is a stand-in dataset of test images analysed with the fake
// offline and online models.
func fakeSourceOf(a *protoseg.Analyzer, size, base, test int) (*fakeSource, error) {
	ds, err := data.Load("isic-synth", data.Options{Size: size, Seed: 1, TrainCount: 1, TestCount: test})
	if err != nil {
		return nil, err
	}
	return fakeSourceFor(a, ds, base)
}

// fakeSourceFor is ds analysed with the fake offline and online models.
func fakeSourceFor(a *protoseg.Analyzer, ds *data.Dataset, base int) (*fakeSource, error) {
	src := &fakeSource{ds: ds, models: map[unet.Mode]measure.Model{
		unet.Offline: fakeModel{base: base, seed: 0}, unet.Online: fakeModel{base: base, seed: 1},
	}}
	r := &measure.DatasetResults{Dataset: ds}
	for mode, m := range src.models {
		mr, err := measure.Analyze(a, m, ds, measure.AnalyzeOptions{})
		if err != nil {
			return nil, err
		}
		if mode == unet.Offline {
			r.Offline = mr
		} else {
			r.Online = mr
		}
	}
	src.results = r
	return src, nil
}

func (s *fakeSource) Dataset(string) (*data.Dataset, error) { return s.ds, nil }
func (s *fakeSource) Model(_ string, mode unet.Mode) (measure.Model, error) {
	return s.models[mode], nil
}
func (s *fakeSource) Results(string) (*measure.DatasetResults, error) { return s.results, nil }

func setup(t testing.TB, size, base, test int) (*Explorer, *fakeSource) {
	b, err := cpubackend.New("")
	if err != nil {
		t.Fatal(err)
	}
	a, err := protoseg.NewAnalyzer(b, protoseg.Bilinear)
	if err != nil {
		t.Fatal(err)
	}
	src := newFakeSource(t, b, a, size, base, test)
	e, err := New(src, []string{"isic-synth"}, b, a)
	if err != nil {
		t.Fatal(err)
	}
	return e, src
}

func TestView(t *testing.T) {
	e, src := setup(t, 32, 2, 12)
	order, err := e.Order("isic-synth")
	if err != nil {
		t.Fatal(err)
	}
	mu := src.results.Online.Mu
	for i := 1; i < len(order); i++ {
		if mu[order[i]] < mu[order[i-1]] {
			t.Fatalf("order not by rising μ: %v", order)
		}
	}
	for _, mode := range unet.Modes() {
		mr := src.results.Offline
		if mode == unet.Online {
			mr = src.results.Online
		}
		for _, rank := range []int{0, 5, 11} {
			idx := order[rank]
			for layer := 1; layer <= unet.NumLayers; layer++ {
				v, err := e.View(Choice{Dataset: "isic-synth", Rank: rank, Mode: mode, Layer: layer})
				if err != nil {
					t.Fatal(err)
				}
				n := v.Numbers
				// The layer SA is the study's own number for that image and layer.
				if want := mr.LayerSA[idx][layer-1]; math.Abs(n.LayerSA-want) > 1e-9 {
					t.Errorf("%s rank %d layer %d: SA %v, study %v", mode, rank, layer, n.LayerSA, want)
				}
				if n.Index != idx || n.Mu != mr.Mu[idx] || n.Dice != mr.Dice[idx] || n.UnitRank != 0 || !math.IsNaN(n.UnitSA) {
					t.Errorf("numbers %+v", n)
				}
				if len(v.UnitLabels) != n.Units+1 || n.Units != fakeWidths[layer-1]*2 {
					t.Errorf("layer %d: %d units, %d labels", layer, n.Units, len(v.UnitLabels))
				}
			}
			// Units of layer 18 against the study's unit SA, ranked best first.
			prev := math.Inf(1)
			for u := 1; u <= 2; u++ {
				v, err := e.View(Choice{Dataset: "isic-synth", Rank: rank, Mode: mode, Layer: 18, Unit: u})
				if err != nil {
					t.Fatal(err)
				}
				n := v.Numbers
				if want := mr.UnitSA[idx][n.Unit]; math.Abs(n.UnitSA-want) > 1e-9 || n.UnitSA > prev {
					t.Errorf("unit #%d (channel %d): SA %v, study %v, previous %v", u, n.Unit, n.UnitSA, want, prev)
				}
				prev = n.UnitSA
			}
		}
	}
}

func TestViewImageChanges(t *testing.T) {
	e, _ := setup(t, 32, 2, 12)
	base := Choice{Dataset: "isic-synth", Rank: 3, Mode: unet.Online, Layer: 1}
	v1, err := e.View(base)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(v1.PNG))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 2*PanelSide+gap || b.Dy() != PanelSide {
		t.Fatalf("image %v", b)
	}
	if !strings.Contains(v1.Text, "layer 1 (early)") || !strings.Contains(v1.Text, "μ =") {
		t.Fatalf("text:\n%s", v1.Text)
	}
	c := base
	c.Layer = 18
	c.Unit = 1
	v2, err := e.View(c)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(v1.PNG, v2.PNG) {
		t.Fatal("layer 1 and layer 18 unit 1 render the same image")
	}
	if !strings.Contains(v2.Text, "unit #1 of") {
		t.Fatalf("text:\n%s", v2.Text)
	}
	// Deterministic: the same choice renders the same bytes.
	v3, err := e.View(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(v2.PNG, v3.PNG) {
		t.Fatal("same choice, different image")
	}
	// Out-of-range choices are clamped.
	v4, err := e.View(Choice{Rank: 99, Layer: 40, Unit: 999, Mode: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if v4.Choice.Rank != 11 || v4.Choice.Layer != 18 || v4.Choice.Unit != v4.Numbers.Units || v4.Choice.Mode != unet.Online {
		t.Fatalf("clamped %+v", v4.Choice)
	}
	if _, err := e.View(Choice{Dataset: "nope"}); err == nil {
		t.Fatal("unknown dataset: no error")
	}
}

func TestEvictsOldImages(t *testing.T) {
	e, _ := setup(t, 32, 1, 12)
	e.MaxImages = 2
	for rank := range 5 {
		if _, err := e.View(Choice{Rank: rank, Layer: 3}); err != nil {
			t.Fatal(err)
		}
	}
	if len(e.layers) != 2 || len(e.lru) != 2 {
		t.Fatalf("%d layer analyses, %d images kept", len(e.layers), len(e.lru))
	}
	// By bytes: room for one image's layer 3 and a bit, so only the newest
	// image stays; a budget below one image still keeps it.
	one := e.layers[layerKey{e.lru[1], 3}].bytes()
	if want := int64(32*32*(1+4) + 2*32*32*4 + 2*32*32/8 + 2*8); one != want { // unit SAMs: a bit a pixel
		t.Fatalf("layer 3 analysis holds %d bytes, want %d", one, want)
	}
	e.MaxImages, e.MaxBytes = 64, one+one/2
	for rank := range 3 {
		if _, err := e.View(Choice{Rank: rank, Layer: 3}); err != nil {
			t.Fatal(err)
		}
	}
	if len(e.layers) != 1 || len(e.lru) != 1 || e.lru[0].index != e.order["isic-synth"][2] {
		t.Fatalf("MaxBytes %d: %d layer analyses, images %v", e.MaxBytes, len(e.layers), e.lru)
	}
	e.MaxBytes = 1
	if _, err := e.View(Choice{Rank: 4, Layer: 5}); err != nil || len(e.layers) != 1 {
		t.Fatalf("MaxBytes 1: %d layer analyses (%v)", len(e.layers), err)
	}
}

// BenchmarkUpdate measures one explorer update at the default size (64×64, Base
// 8 U-Net feature shapes): "cached" is a change to a layer or unit already
// analysed on this image (render only); "layer" analyses a new layer of an
// image whose features are known (layer + unit SAMs + p_t, then render).
func BenchmarkUpdate(b *testing.B) {
	e, _ := setup(b, 64, 8, 20)
	c := Choice{Dataset: "isic-synth", Rank: 4, Mode: unet.Online, Layer: 1}
	if err := e.Warm(c); err != nil {
		b.Fatal(err)
	}
	b.Run("cached", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			c.Layer = 1 + i%unet.NumLayers
			c.Unit = i % 3
			if _, err := e.View(c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("layer", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			c.Layer = 1 + i%unet.NumLayers
			b.StopTimer()
			delete(e.layers, layerKey{imageKey{c.Dataset, c.Mode, e.order[c.Dataset][c.Rank]}, c.Layer})
			b.StartTimer()
			if _, err := e.View(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestAnswer(t *testing.T) {
	e, _ := setup(t, 32, 1, 12)
	r := e.Answer(State{Seq: 7, Rank: 2, Mode: unet.Offline, Layer: 5, Unit: 1, Compare: CompareLayers, Layer2: 17})
	if r.Error != "" || r.Seq != 7 || len(r.Views) != 2 || r.Images != 12 {
		t.Fatalf("reply %+v", r)
	}
	a, b := r.Views[0].Attrs, r.Views[1].Attrs
	if a["layer"] != "5" || b["layer"] != "17" || a["unit-rank"] != "1" || b["unit-rank"] != "0" || a["mode"] != unet.Offline.String() {
		t.Fatalf("attrs %v / %v", a, b)
	}
	if a["sa"] != a["unit-sa"] || b["sa"] != b["layer-sa"] || b["unit-sa"] != "" || len(a["png-sha256"]) != 64 {
		t.Fatalf("attrs %v / %v", a, b)
	}
	if !strings.HasPrefix(r.Views[0].Src, "data:image/png;base64,") || len(r.UnitLabels) != 5 {
		t.Fatalf("src %.40s, labels %v", r.Views[0].Src, r.UnitLabels)
	}
	r = e.Answer(State{Layer: 18, Compare: CompareModels})
	if len(r.Views) != 2 || r.Views[0].Attrs["mode"] != unet.Offline.String() || r.Views[1].Attrs["mode"] != unet.Online.String() {
		t.Fatalf("models: %+v", r.Views)
	}
	r = e.Answer(State{Dataset: "nope"})
	if r.Error == "" {
		t.Fatal("unknown dataset: no error")
	}
	html := page("u1", "/in", "/out", []string{"isic-synth"}, e.Answer(State{Layer: 3}))
	for _, want := range []string{`data-control="layer"`, `data-control="unit"`, `data-control="rank"`, `data-control="compare"`, `data-role="image"`, `data-role="numbers"`} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Count(html, "</script>") != 1 {
		t.Error("page has a stray </script>")
	}
}
