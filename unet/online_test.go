package unet

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// variables returns the model's variables (scope /unet) by scope/name, as float32 values.
func variables(t *testing.T, n *Network) map[string][]float32 {
	t.Helper()
	out := map[string][]float32{}
	for v := range n.ctx.IterVariables() {
		val, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(v.Scope(), "/unet") && val.DType().IsFloat() && val.DType().Size() == 4 {
			out[v.ScopeAndName()] = tensors.MustCopyFlatData[float32](val)
		}
	}
	return out
}

func TestSeededTrainingRepeats(t *testing.T) {
	backend := testBackend(t)
	ds := discs(24, 32, 2)
	cfg := Config{Base: 2, InChannels: 1}
	tc := TrainConfig{Epochs: 1, Seed: 11}
	trainTwiceEqual(t, backend, cfg, tc, ds)
}

// trainTwiceEqual trains cfg with tc on ds twice, into two fresh folders, and
// checks that the two runs end with bit-identical variables.
func trainTwiceEqual(t *testing.T, backend backends.Backend, cfg Config, tc TrainConfig, ds *data.Dataset) {
	t.Helper()
	a, err := Train(backend, cfg, tc, ds, filepath.Join(t.TempDir(), "a"), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Train(backend, cfg, tc, ds, filepath.Join(t.TempDir(), "b"), nil)
	if err != nil {
		t.Fatal(err)
	}
	sameVariables(t, variables(t, a), variables(t, b))
}

// lateSA is the mean SA of layers 15–18 over the test set (prototypes from B).
func lateSA(t *testing.T, n *Network, a *protoseg.Analyzer, batch int) float64 {
	t.Helper()
	ds := discs(48, 32, 1)
	images, gt, err := ds.Batch(ds.Test[:batch])
	if err != nil {
		t.Fatal(err)
	}
	pred, err := n.Forward(images)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for l := 15; l <= 18; l++ {
		r, err := a.Layer(LayerName(l), pred.Features[l-1], pred.Mask, gt, nil)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := protoseg.MeanSD(r.SA)
		sum += m
	}
	return sum / 4
}

func TestOnlineRaisesLateLayerSA(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two models")
	}
	backend := testBackend(t)
	ds := discs(48, 32, 1)
	cfg := Config{Base: 4, InChannels: 1}
	a, err := protoseg.NewAnalyzer(backend, protoseg.Bilinear)
	if err != nil {
		t.Fatal(err)
	}
	results := map[Mode]float64{}
	for _, mode := range Modes() {
		tc := TrainConfig{Mode: mode, Epochs: 3, Seed: 3, LearningRate: 3e-3}
		net, err := Train(backend, cfg, tc, ds, filepath.Join(t.TempDir(), mode.String()), nil)
		if err != nil {
			t.Fatal(err)
		}
		results[mode] = lateSA(t, net, a, 10)
	}
	t.Logf("mean SA of layers 15–18: offline %.3f, online %.3f", results[Offline], results[Online])
	if results[Online] <= results[Offline] {
		t.Fatalf("online training did not raise the late layers' SA: offline %.3f, online %.3f",
			results[Offline], results[Online])
	}
}

func TestPrunedOutputKeepingAllUnits(t *testing.T) {
	backend := testBackend(t)
	ds := discs(24, 32, 4)
	net, err := Train(backend, Config{Base: 2, InChannels: 1}, TrainConfig{Epochs: 1, Seed: 5}, ds, filepath.Join(t.TempDir(), "p"), nil)
	if err != nil {
		t.Fatal(err)
	}
	images, _, _ := ds.Batch(ds.Test[:3])
	pred, err := net.Forward(images)
	if err != nil {
		t.Fatal(err)
	}
	keep := make([]bool, net.Config.Width(18))
	for k := range keep {
		keep[k] = true
	}
	got, err := net.PrunedOutput(pred.Features[17], keep)
	if err != nil {
		t.Fatal(err)
	}
	want := tensors.MustCopyFlatData[float32](pred.Mask)
	for i, m := range got {
		for p, v := range m {
			if float32(v) != want[i*len(m)+p] {
				t.Fatalf("image %d pixel %d: pruned-with-all-units output %d, network output %v", i, p, v, want[i*len(m)+p])
			}
		}
	}
	none := make([]bool, len(keep))
	if _, err := net.PrunedOutput(pred.Features[17], none[:1]); err == nil {
		t.Fatal("wrong number of keep flags: no error")
	}
	// The head's weights and bias give the network's output from layer 18:
	// object where Σ_k f_k (w_k1 − w_k0) + b_1 − b_0 > 0.
	w, bias, err := net.HeadWeights()
	if err != nil {
		t.Fatal(err)
	}
	if len(w) != len(keep) || len(w[0]) != 2 || len(bias) != 2 {
		t.Fatalf("head weights %d×%d, bias %d; want %d×2, 2", len(w), len(w[0]), len(bias), len(keep))
	}
	f := tensors.MustCopyFlatData[float32](pred.Features[17])
	c := len(w)
	for p := range len(f) / c {
		margin := bias[1] - bias[0]
		for k, v := range f[p*c : (p+1)*c] {
			margin += float64(v) * (w[k][1] - w[k][0])
		}
		if math.Abs(margin) > 1e-4 && (margin > 0) != (want[p] == 1) {
			t.Fatalf("pixel %d: head margin %v, network output %v", p, margin, want[p])
		}
	}
}

func TestObjectWeight(t *testing.T) {
	ds := discs(8, 32, 6)
	w := ObjectWeightFor(ds)
	var object, total float64
	for _, s := range ds.Train {
		for _, m := range s.Mask {
			object += float64(m)
		}
		total += float64(len(s.Mask))
	}
	if want := math.Min(10, math.Max(1, math.Sqrt((total-object)/object))); w != want {
		t.Fatalf("object weight %v, want %v", w, want)
	}
	if w := ObjectWeightFor(&data.Dataset{Train: []data.Sample{{Mask: make([]uint8, 4)}}}); w != 1 {
		t.Fatalf("no object pixels: weight %v, want 1", w)
	}
}
