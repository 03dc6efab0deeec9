package unet

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/protoseg-go/protoseg-go/cpubackend"
	"github.com/protoseg-go/protoseg-go/cpubackend/simplego"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// spheres is an easy volumetric dataset: a bright ball of random size and
// place on noise, side×side×side voxels of one channel, flat in Sample.Image
// and Sample.Mask as [d][h][w] (a volumetric data.Dataset, Depth side).
// Every fourth volume is a test volume.
func spheres(n, side int, seed uint64) *data.Dataset { return balls(n, side, side, side, seed) }

// balls is spheres in d×h×w volumes.
func balls(n, d, h, w int, seed uint64) *data.Dataset {
	rng := rand.New(rand.NewPCG(seed, 11))
	ds := &data.Dataset{Name: "spheres", Channels: 1, Depth: d, Height: h, Width: w}
	vox := d * h * w
	for i := range n {
		s := data.Sample{Image: make([]float32, vox), Mask: make([]uint8, vox), Subject: "s"}
		var c [3]float64
		for a, side := range []int{d, h, w} {
			c[a] = 5 + rng.Float64()*float64(side-10)
		}
		r := 2.5 + rng.Float64()*float64(min(d, h, w))/6
		for p := range vox {
			z, y, x := p/(h*w), p/w%h, p%w
			v := 0.3 * rng.Float64()
			if math.Hypot(math.Hypot(float64(z)-c[0], float64(y)-c[1]), float64(x)-c[2]) <= r {
				s.Mask[p] = 1
				v += 0.6
			}
			s.Image[p] = float32(v)
		}
		if i%4 == 3 {
			ds.Test = append(ds.Test, s)
		} else {
			ds.Train = append(ds.Train, s)
		}
	}
	return ds
}

// TestModel3DShapes checks the 18 feature maps [N, d, h, w, C] of the 3D
// network with both up-samplings, and the size checks.
func TestModel3DShapes(t *testing.T) {
	backend := testBackend(t)
	for _, up := range []Upsample{UpsampleTranspose, UpsampleResize} {
		cfg := Config{Base: 2, InChannels: 2, Dims: 3, Upsample: up}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		net, err := newNetwork(backend, context.New(), cfg, "")
		if err != nil {
			t.Fatal(err)
		}
		images := tensors.FromFlatDataAndDimensions(make([]float32, 2*16*32*16*2), 2, 16, 32, 16, 2)
		pred, err := net.Forward(images)
		if err != nil {
			t.Fatal(err)
		}
		if len(pred.Features) != NumLayers {
			t.Fatalf("%d features, want 18", len(pred.Features))
		}
		scale := []int{1, 1, 2, 2, 4, 4, 8, 8, 16, 16, 8, 8, 4, 4, 2, 2, 1, 1}
		for l, f := range pred.Features {
			want := []int{2, 16 / scale[l], 32 / scale[l], 16 / scale[l], cfg.Width(l + 1)}
			if got := f.Shape().Dimensions; !equalInts(got, want) {
				t.Errorf("%s %s: feature %v, want %v", up, LayerName(l+1), got, want)
			}
		}
		if got := pred.Mask.Shape().Dimensions; !equalInts(got, []int{2, 16, 32, 16}) {
			t.Errorf("mask %v, want [2 16 32 16]", got)
		}
		if _, err := net.Forward(tensors.FromFlatDataAndDimensions(make([]float32, 16*16*24*2), 1, 16, 16, 24, 2)); err == nil {
			t.Error("volume side 24: no error")
		}
		if _, err := net.Forward(tensors.FromFlatDataAndDimensions(make([]float32, 16*16*2), 1, 16, 16, 2)); err == nil {
			t.Error("2D images into a 3D network: no error")
		}
	}
	if err := (&Config{Base: 2, InChannels: 1, Dims: 4}).Validate(); err == nil {
		t.Error("Dims 4: no error")
	}
	cfg3 := Config{Base: 2, InChannels: 1, Dims: 3}
	if _, err := Train(backend, cfg3, TrainConfig{}, discs(8, 32, 1), filepath.Join(t.TempDir(), "2d"), nil); err == nil {
		t.Error("a 3D network trained on images: no error")
	}
	if _, err := Train(backend, Config{Base: 2, InChannels: 1}, TrainConfig{}, spheres(4, 16, 1), filepath.Join(t.TempDir(), "3d"), nil); err == nil {
		t.Error("a 2D network trained on volumes: no error")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestConv3DModesAgree runs the same weights through the 27-slice im2col and
// the backend's ConvGeneral (a direct 3D convolution loop): every feature of
// layer18 must match to float32 rounding (relative 1e-4).
func TestConv3DModesAgree(t *testing.T) {
	backend := testBackend(t)
	ctx := context.New()
	ds := spheres(4, 16, 3)
	images, _, err := ds.Batch(ds.Train[:2])
	if err != nil {
		t.Fatal(err)
	}
	var features [2][]float32
	for i, mode := range []string{ConvIm2Col, ConvBackend} {
		cfg := Config{Base: 2, InChannels: 1, Conv: mode, Dims: 3}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		net, err := newNetwork(backend, ctx, cfg, "")
		if err != nil {
			t.Fatal(err)
		}
		pred, err := net.Forward(images)
		if err != nil {
			t.Fatal(err)
		}
		features[i] = tensors.MustCopyFlatData[float32](pred.Features[NumLayers-1])
	}
	for i := range features[0] {
		if d := math.Abs(float64(features[0][i] - features[1][i])); d > 1e-4*max(1, math.Abs(float64(features[0][i]))) {
			t.Fatalf("layer18[%d]: im2col %v, ConvGeneral %v", i, features[0][i], features[1][i])
		}
	}
}

// TestTrain3D trains the 3D network offline on balls: the loss falls, a run
// stopped after one epoch and resumed to three equals the uninterrupted run
// bit for bit, Load gives back the same network, and the input gradient and
// the pruned output work on volumes. Online training (the SA term over the
// 18 volumetric feature maps, resize up-sampling) runs and lowers its loss.
func TestTrain3D(t *testing.T) {
	backend := testBackend(t)
	ds := spheres(16, 16, 1)
	cfg := Config{Base: 2, InChannels: 1, Dims: 3}
	tc := TrainConfig{Epochs: 3, Seed: 5, BatchSize: 4, LearningRate: 3e-3}
	dirA, dirB := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	a, err := Train(backend, cfg, tc, ds, dirA, nil)
	if err != nil {
		t.Fatal(err)
	}
	one := tc
	one.Epochs = 1
	if _, err := Train(backend, cfg, one, ds, dirB, nil); err != nil {
		t.Fatal(err)
	}
	b, err := Train(backend, cfg, tc, ds, dirB, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameVariables(t, variables(t, a), variables(t, b))
	hist, err := ReadHistory(dirA)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || !(hist[2].TrainLoss < hist[0].TrainLoss) {
		t.Fatalf("history %+v: want 3 epochs with a falling loss", hist)
	}
	dice, err := a.TestDice(ds, 4)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(backend, dirA)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Config.Dims != 3 {
		t.Fatalf("loaded config %+v, want Dims 3", loaded.Config)
	}
	if d, err := loaded.TestDice(ds, 4); err != nil || d != dice {
		t.Fatalf("Load: Dice %v (%v), want %v", d, err, dice)
	}
	t.Logf("offline: loss %.4f → %.4f, test Dice %.3f", hist[0].TrainLoss, hist[2].TrainLoss, dice)
	checkVolumeOutputs(t, loaded, ds)

	online := TrainConfig{Mode: Online, Epochs: 2, Seed: 5, BatchSize: 4, LearningRate: 3e-3}
	cfgR := Config{Base: 2, InChannels: 1, Dims: 3, Upsample: UpsampleResize}
	dirC := filepath.Join(t.TempDir(), "c")
	if _, err := Train(backend, cfgR, online, ds, dirC, nil); err != nil {
		t.Fatal(err)
	}
	hc, err := ReadHistory(dirC)
	if err != nil {
		t.Fatal(err)
	}
	if len(hc) != 2 || math.IsNaN(hc[1].TrainLoss) || !(hc[1].TrainLoss < hc[0].TrainLoss) {
		t.Fatalf("online history %+v: want 2 epochs with a falling, finite loss", hc)
	}
	t.Logf("online: loss %.4f → %.4f, test Dice %.3f", hc[0].TrainLoss, hc[1].TrainLoss, hc[1].TestDice)
}

// sameVariables fails unless the two networks' variables are bit-identical.
func sameVariables(t *testing.T, va, vb map[string][]float32) {
	t.Helper()
	if len(va) == 0 || len(va) != len(vb) {
		t.Fatalf("%d and %d variables", len(va), len(vb))
	}
	for name, x := range va {
		y := vb[name]
		if len(y) != len(x) {
			t.Fatalf("%s: %d and %d values", name, len(x), len(y))
		}
		for i := range x {
			if x[i] != y[i] {
				t.Fatalf("%s[%d]: %v vs %v — the two runs differ", name, i, x[i], y[i])
			}
		}
	}
}

// checkVolumeOutputs checks the input gradient's shape and that pruning
// nothing from layer18 gives back the network's own mask, on two volumes.
func checkVolumeOutputs(t *testing.T, net *Network, ds *data.Dataset) {
	t.Helper()
	images, _, err := ds.Batch(ds.Test[:2])
	if err != nil {
		t.Fatal(err)
	}
	g, err := net.InputGradient(images)
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(g.Shape().Dimensions, images.Shape().Dimensions) {
		t.Fatalf("input gradient %s for volumes %s", g.Shape(), images.Shape())
	}
	pred, err := net.Forward(images)
	if err != nil {
		t.Fatal(err)
	}
	keep := make([]bool, net.Config.Width(NumLayers))
	for i := range keep {
		keep[i] = true
	}
	pruned, err := net.PrunedOutput(pred.Features[NumLayers-1], keep)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range protoseg.BinaryMaps(pred.Mask) {
		if len(pruned[i]) != len(m) {
			t.Fatalf("pruned output of volume %d: %d voxels, want %d", i, len(pruned[i]), len(m))
		}
		for p := range m {
			if pruned[i][p] != m[p] {
				t.Fatalf("volume %d voxel %d: pruned output %d, network %d", i, p, pruned[i][p], m[p])
			}
		}
	}
}

// TestFused3DMatchesReference runs the same 3D network (same variables) on
// the cpu backend, whose fused 3×3×3 convolutions compute the products from
// the volumes directly, and on its "reference" configuration (upstream
// kernels, no fusion, the patch matrices built as the graph says): the
// layer18 features and the input gradient (through all 18 convolutions'
// input gradients) agree to 1e-3 of their largest magnitude — the fused
// products sum the same terms in another order, so they differ by float32
// rounding only; both graphs fuse all 18 forward products. A training step
// fires every 3D fusion: 18 forward products, 18 weight gradients and 17 direct
// input gradients (not the first layer's, whose input is the volume).
func TestFused3DMatchesReference(t *testing.T) {
	ref, err := cpubackend.New("reference")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New()
	cfg := Config{Base: 2, InChannels: 2, Dims: 3}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	vals := make([]float32, 2*16*16*32*2)
	for i := range vals {
		vals[i] = rng.Float32()
	}
	feats, grads, convBefore := [2][]float32{}, [2][]float32{}, simplego.Fusions3D().Conv
	for i, be := range []backends.Backend{testBackend(t), ref} {
		net, err := newNetwork(be, ctx, cfg, "")
		if err != nil {
			t.Fatal(err)
		}
		images := tensors.FromFlatDataAndDimensions(vals, 2, 16, 16, 32, 2)
		pred, err := net.Forward(images)
		if err != nil {
			t.Fatal(err)
		}
		g, err := net.InputGradient(images)
		if err != nil {
			t.Fatal(err)
		}
		feats[i], grads[i] = tensors.MustCopyFlatData[float32](pred.Features[NumLayers-1]), tensors.MustCopyFlatData[float32](g)
		for v := range ctx.IterVariables() { // detach the variables for the other backend
			if val, err := v.Value(); err == nil {
				val.ToLocal()
			}
		}
	}
	if d := simplego.Fusions3D().Conv - convBefore; d != 2*NumLayers {
		t.Errorf("%d fused forward products in the inference and input-gradient graphs, want %d", d, 2*NumLayers)
	}
	closeTo(t, "layer18", feats[0], feats[1], 1e-3)
	closeTo(t, "input gradient", grads[0], grads[1], 1e-3)

	before := simplego.Fusions3D()
	trainer := newTestTrainer(t, Config{Base: 2, InChannels: 1, Dims: 3}, TrainConfig{Mode: Offline})
	ds := balls(4, 32, 32, 16, 2) // the bottleneck is 2×2×1: every product has rows enough to be a DotGeneral
	images, masks, err := ds.Batch(ds.Train[:2])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trainer.TrainStep(nil, []*tensors.Tensor{images}, []*tensors.Tensor{masks}); err != nil {
		t.Fatal(err)
	}
	after := simplego.Fusions3D()
	d := simplego.Fusion3DCounts{Conv: after.Conv - before.Conv, WeightGrad: after.WeightGrad - before.WeightGrad,
		InputGrad: after.InputGrad - before.InputGrad, InputGradDirect: after.InputGradDirect - before.InputGradDirect}
	if want := (simplego.Fusion3DCounts{Conv: 18, WeightGrad: 18, InputGrad: 17, InputGradDirect: 17}); d != want {
		t.Errorf("3D fusions of one training step %+v, want %+v", d, want)
	}
}

// closeTo fails unless got and want agree to tol times want's largest magnitude.
func closeTo(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	scale := 1e-6
	for _, w := range want {
		scale = max(scale, math.Abs(float64(w)))
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > tol*scale || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s[%d]: fused %v, reference %v (scale %g)", what, i, got[i], want[i], scale)
		}
	}
}

// TestConv3x3x3Counts checks the 3×3×3 im2col convolution against a closed
// form: on a volume of ones with all-one weights, each output voxel counts
// its neighbours inside the volume, Π over the axes of (3 − [at the first
// side] − [at the last side]): 27 inside, 18 on a face, 12 on an edge, 8 at
// a corner. On the cpu backend the product is the fused one.
func TestConv3x3x3Counts(t *testing.T) {
	const d, h, w = 3, 4, 5
	vol := make([]float32, d*h*w)
	for i := range vol {
		vol[i] = 1
	}
	before := simplego.Fusions3D().Conv
	out := graph.MustExecOnce(testBackend(t), func(x *graph.Node) *graph.Node {
		ones := graph.Ones(x.Graph(), shapes.Make(dtypes.Float32, 27, 1))
		return graph.Dot(graph.Reshape(im2col3x3x3(x), -1, 27), ones)
	}, tensors.FromFlatDataAndDimensions(vol, 1, d, h, w, 1))
	if simplego.Fusions3D().Conv == before {
		t.Error("the product was not fused")
	}
	got := tensors.MustCopyFlatData[float32](out)
	side := func(i, n int) int { return 3 - b2i(i == 0) - b2i(i == n-1) }
	for z := range d {
		for y := range h {
			for x := range w {
				if want := side(z, d) * side(y, h) * side(x, w); got[(z*h+y)*w+x] != float32(want) {
					t.Fatalf("voxel (%d, %d, %d): %v neighbours, want %d", z, y, x, got[(z*h+y)*w+x], want)
				}
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestMaskAndProbBinary checks the 3D network's two-class output (σ of the
// logit difference, d > 0) against softmax and ArgMax (the 2D network's
// maskAndProb on the same logits as images): probabilities to 1e-6, masks
// exactly, ties included.
func TestMaskAndProbBinary(t *testing.T) {
	logits := []float32{0.5, -1, 3, 3, -2, 7, 0, 0.25, 12, -12, 1e-3, 0, -0.5, -0.5, 40, -40}
	var mask, prob [2][]float32
	for i, dims := range [][]int{{1, 2, 2, 2, 2}, {1, 2, 4, 2}} {
		outs := graph.MustExecOnceN(testBackend(t), func(l *graph.Node) []*graph.Node {
			m, p := maskAndProb(l)
			return []*graph.Node{graph.Reshape(m, -1), graph.Reshape(p, -1)}
		}, tensors.FromFlatDataAndDimensions(logits, dims...))
		mask[i], prob[i] = tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
	}
	for j := range mask[1] {
		if mask[0][j] != mask[1][j] || math.Abs(float64(prob[0][j]-prob[1][j])) > 1e-6 {
			t.Errorf("voxel %d (logits %v, %v): mask %v prob %v, softmax/ArgMax %v %v",
				j, logits[2*j], logits[2*j+1], mask[0][j], prob[0][j], mask[1][j], prob[1][j])
		}
	}
}
