package unet

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/protoseg-go/protoseg-go/cpubackend"
	"github.com/protoseg-go/protoseg-go/data"
)

var sharedBackend = sync.OnceValues(func() (backends.Backend, error) { return cpubackend.New("") })

func testBackend(t testing.TB) backends.Backend {
	t.Helper()
	b, err := sharedBackend()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// discs is an easy dataset: a bright disc of random size and place on noise.
func discs(n, size int, seed uint64) *data.Dataset {
	rng := rand.New(rand.NewPCG(seed, 7))
	ds := &data.Dataset{Name: "discs", Channels: 1, Height: size, Width: size}
	for i := range n {
		s := data.Sample{Image: make([]float32, size*size), Mask: make([]uint8, size*size), Subject: "d"}
		cy, cx := 8+rng.Float64()*float64(size-16), 8+rng.Float64()*float64(size-16)
		r := 3 + rng.Float64()*float64(size)/6
		for y := range size {
			for x := range size {
				p := y*size + x
				v := 0.3 * rng.Float64()
				if math.Hypot(float64(y)-cy, float64(x)-cx) <= r {
					s.Mask[p] = 1
					v += 0.6
				}
				s.Image[p] = float32(v)
			}
		}
		if i%4 == 3 {
			ds.Test = append(ds.Test, s)
		} else {
			ds.Train = append(ds.Train, s)
		}
	}
	return ds
}

func TestModelShapes(t *testing.T) {
	backend := testBackend(t)
	cfg := Config{Base: 2, InChannels: 3}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, up := range []Upsample{UpsampleTranspose, UpsampleResize} {
		cfg.Upsample = up
		net, err := newNetwork(backend, context.New(), cfg, "")
		if err != nil {
			t.Fatal(err)
		}
		images := tensors.FromFlatDataAndDimensions(make([]float32, 2*32*32*3), 2, 32, 32, 3)
		pred, err := net.Forward(images)
		if err != nil {
			t.Fatal(err)
		}
		if len(pred.Features) != NumLayers {
			t.Fatalf("%d features, want 18", len(pred.Features))
		}
		sizes := []int{32, 32, 16, 16, 8, 8, 4, 4, 2, 2, 4, 4, 8, 8, 16, 16, 32, 32}
		for l, f := range pred.Features {
			d := f.Shape().Dimensions
			if d[0] != 2 || d[1] != sizes[l] || d[2] != sizes[l] || d[3] != cfg.Width(l+1) {
				t.Fatalf("%s %s: shape %v, want [2 %d %d %d]", up, LayerName(l+1), d, sizes[l], sizes[l], cfg.Width(l+1))
			}
		}
		if d := pred.Mask.Shape().Dimensions; d[0] != 2 || d[1] != 32 || d[2] != 32 {
			t.Fatalf("mask shape %v", d)
		}
	}
	if _, err := newNetwork(backend, context.New(), cfg, ""); err != nil {
		t.Fatal(err)
	}
	bad := Config{Base: 0, InChannels: 1}
	if err := bad.Validate(); err == nil {
		t.Fatal("Base 0: no error")
	}
	if err := CheckSize(40, 32); err == nil {
		t.Fatal("size 40: no error")
	}
}

func TestTrainingLearnsAndResumes(t *testing.T) {
	backend := testBackend(t)
	ds := discs(48, 32, 1)
	cfg := Config{Base: 4, InChannels: 1}
	tc := TrainConfig{Epochs: 1, Seed: 3, LearningRate: 3e-3}
	dir := filepath.Join(t.TempDir(), "run")
	untrainedCtx := context.New()
	if err := untrainedCtx.SetRNGStateFromSeed(3); err != nil {
		t.Fatal(err)
	}
	untrained, err := newNetwork(backend, untrainedCtx, Config{Base: 4, InChannels: 1, Classes: 2, Upsample: UpsampleTranspose}, "")
	if err != nil {
		t.Fatal(err)
	}
	base, err := untrained.TestDice(ds, 10)
	if err != nil {
		t.Fatal(err)
	}
	// Train 1 epoch, "stop", then resume to 3.
	if _, err := Train(backend, cfg, tc, ds, dir, nil); err != nil {
		t.Fatal(err)
	}
	tc.Epochs = 3
	net, err := Train(backend, cfg, tc, ds, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := ReadHistory(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || hist[2].Epoch != 3 {
		t.Fatalf("history after resume: %+v", hist)
	}
	dice, err := net.TestDice(ds, 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("test Dice: untrained %.3f, trained %.3f (history %+v)", base, dice, hist)
	if dice < 0.6 || dice < base+0.2 {
		t.Fatalf("test Dice after training %.3f (untrained %.3f): not learning", dice, base)
	}
	// A finished run is reloaded, not retrained.
	again, err := Train(backend, cfg, tc, ds, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h2, _ := ReadHistory(dir); len(h2) != 3 {
		t.Fatalf("finished run retrained: %d history lines", len(h2))
	}
	d2, _ := again.TestDice(ds, 10)
	if d2 != dice {
		t.Fatalf("reloaded run Dice %v != %v", d2, dice)
	}
	loaded, err := Load(backend, dir)
	if err != nil {
		t.Fatal(err)
	}
	if d3, _ := loaded.TestDice(ds, 10); d3 != dice {
		t.Fatalf("Load: Dice %v != %v", d3, dice)
	}
	ckpts, err := LoadCheckpoints(backend, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ckpts) != 3 {
		t.Fatalf("%d checkpoints kept, want 3", len(ckpts))
	}
	// 3 epochs, K = 5: VoG keeps epochs 1, 2, 3 (every epoch), the last being the
	// final network.
	vog, err := LoadVoGCheckpoints(backend, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(vog) != 3 {
		t.Fatalf("%d VoG checkpoints kept, want 3", len(vog))
	}
	if d4, _ := vog[2].TestDice(ds, 10); d4 != dice {
		t.Fatalf("last VoG checkpoint: Dice %v != %v", d4, dice)
	}
	images, _, _ := ds.Batch(ds.Test[:2])
	g, err := ckpts[0].InputGradient(images)
	if err != nil {
		t.Fatal(err)
	}
	if d := g.Shape().Dimensions; d[0] != 2 || d[3] != 1 {
		t.Fatalf("input gradient shape %v", d)
	}
	if _, err := os.Stat(filepath.Join(dir, configFile)); err != nil {
		t.Fatal(err)
	}
}

func TestVoGEpochs(t *testing.T) {
	for _, c := range []struct {
		epochs, k int
		want      []int
	}{
		{8, 5, []int{2, 3, 5, 6, 8}},
		{10, 5, []int{2, 4, 6, 8, 10}},
		{3, 5, []int{1, 2, 3}},
		{100, 5, []int{20, 40, 60, 80, 100}},
	} {
		if got := VoGEpochs(c.epochs, c.k); !slices.Equal(got, c.want) {
			t.Fatalf("VoGEpochs(%d, %d) = %v, want %v", c.epochs, c.k, got, c.want)
		}
	}
}

// The groups cover layers 1…18 once each, in order, as the paper's Fig. 4.
func TestLayerGroups(t *testing.T) {
	next := 1
	for _, g := range LayerGroups() {
		if g.First != next || g.Last < g.First {
			t.Fatalf("group %+v does not continue at layer %d", g, next)
		}
		next = g.Last + 1
	}
	if next != NumLayers+1 {
		t.Fatalf("groups end at layer %d, want %d", next-1, NumLayers)
	}
	for l, want := range map[int]string{1: "early", 4: "early", 5: "abstract", 14: "abstract", 15: "late", 18: "late", 0: "", 19: ""} {
		if got := GroupOf(l); got != want {
			t.Errorf("GroupOf(%d) = %q, want %q", l, got, want)
		}
	}
}
