package unet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/protoseg-go/protoseg-go/cpubackend/simplego"
)

// offlineTestStep runs one offline training step of a Base-4 U-Net on two
// 32×32 disc images on the test backend (what the fusion tests count).
func offlineTestStep(t *testing.T) {
	t.Helper()
	trainer := newTestTrainer(t, Config{Base: 4, InChannels: 1}, TrainConfig{Mode: Offline})
	ds := discs(4, 32, 1)
	images, masks, err := ds.Batch(ds.Train[:2])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trainer.TrainStep(nil, []*tensors.Tensor{images}, []*tensors.Tensor{masks}); err != nil {
		t.Fatal(err)
	}
}

// TestFusionsFire builds the real U-Net (Model and Loss, one training step
// with Adam) on the cpu backend and checks that the fork's fusions recognise
// the graph that layers.go writes: the im2col 3×3 convolution, its weight
// gradient and its input gradient (col2im). An edit to the convolution in
// layers.go that the fusions no longer recognise would otherwise silently lose
// the speed-up while every numeric test still passes.
func TestFusionsFire(t *testing.T) {
	before := simplego.Fusions()
	offlineTestStep(t)
	after := simplego.Fusions()
	// Every 3×3 convolution of the network (two per block) is fused in the
	// forward pass; the backward pass fuses its weight gradient and, except
	// for the first convolution (whose input is the image), its input gradient.
	if after.Conv3x3 == before.Conv3x3 {
		t.Errorf("conv3x3 fusion did not fire (counts %+v -> %+v)", before, after)
	}
	if after.ConvWeightGrad == before.ConvWeightGrad {
		t.Errorf("weight-gradient fusion did not fire (counts %+v -> %+v)", before, after)
	}
	if after.Col2Im == before.Col2Im {
		t.Errorf("col2im fusion did not fire (counts %+v -> %+v)", before, after)
	}
	// No test of this package runs in parallel, so the deltas are this graph's.
	conv := after.Conv3x3 - before.Conv3x3
	// Training builds the skip Concatenates for the weight gradients, so the
	// decoder convolutions read them, not their operands (fuse_convparts.go).
	if cc, up := after.ConcatConv-before.ConcatConv, after.Upsample-before.Upsample; cc != 0 || up != 0 {
		t.Errorf("%d convolutions (%d up-sampled operands) read a live Concatenate's operands in training, want 0", cc, up)
	}
	if wg := after.ConvWeightGrad - before.ConvWeightGrad; wg != conv {
		t.Errorf("%d fused weight gradients for %d fused convolutions, want one each", wg, conv)
	}
	if c2i := after.Col2Im - before.Col2Im; c2i != conv-1 {
		t.Errorf("%d fused input gradients for %d fused convolutions, want all but the first's", c2i, conv)
	}
	if cig := after.ConvInputGrad - before.ConvInputGrad; cig != conv-1 {
		t.Errorf("%d input gradients fused into a convolution for %d fused convolutions, want all but the first's", cig, conv)
	}
	if rg := after.ReluGrad - before.ReluGrad; rg < conv {
		t.Errorf("%d ReLU gradients fused for %d convolutions (each followed by a ReLU), want at least one each", rg, conv)
	}
	if am := after.AffineMax - before.AffineMax; am < conv {
		t.Errorf("%d BatchNorm+ReLU passes fused for %d convolutions, want at least one each", am, conv)
	}
	// BatchNorm's statistics and closed-form gradient (batchnorm.go,
	// simplego/fuse_bn.go): per BatchNorm one centred sum of squares, one
	// Σg·x and one gradient pass.
	for _, f := range []struct {
		name string
		n    int64
	}{{"centred sum of squares", after.ChanSumSq - before.ChanSumSq}, {"Σg·x", after.ChanDot - before.ChanDot},
		{"BatchNorm gradient pass", after.ChanLin - before.ChanLin}, {"per-channel sum", after.ChanSum - before.ChanSum},
		// Adam's update of each convolution's weights is (at least) one
		// fused element-wise chain (simplego/fuse_elementwise.go).
		{"element-wise chain", after.Elementwise - before.Elementwise}} {
		if f.n < conv {
			t.Errorf("%d fused %s for %d BatchNorms, want at least one each", f.n, f.name, conv)
		}
	}
	t.Logf("fused nodes built: conv3x3 %d, weight gradient %d, col2im %d, input gradient %d, ReLU gradient %d, BatchNorm+ReLU %d, ReduceSum(Mul) %d, per-channel Σx %d, Σa·b %d, Σ(x−m)² %d, BatchNorm gradient %d, element-wise chains %d",
		after.Conv3x3-before.Conv3x3, after.ConvWeightGrad-before.ConvWeightGrad,
		after.Col2Im-before.Col2Im, after.ConvInputGrad-before.ConvInputGrad,
		after.ReluGrad-before.ReluGrad, after.AffineMax-before.AffineMax, after.MulReduce-before.MulReduce,
		after.ChanSum-before.ChanSum, after.ChanDot-before.ChanDot, after.ChanSumSq-before.ChanSumSq, after.ChanLin-before.ChanLin, after.Elementwise-before.Elementwise)
}

// TestBatchNormGradient checks training BatchNorm's closed-form gradient
// (bnAxes.train) against GoMLX's differentiation of the batch statistics (the
// formulation batchNorm used before), followed by a ReLU as in the network, in
// 2D and 3D layouts: the forward values are bit-identical (same ops), the
// gradients of x, γ and β agree to float32 rounding (the sums are regrouped).
// The fallback gradient of x (bnAxes.inputGrad) is checked the same way.
func TestBatchNormGradient(t *testing.T) {
	backend := testBackend(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, dims := range [][]int{{4, 6, 5, 3}, {2, 3, 4, 5, 16}, {10, 8, 8, 32}} {
		size, c := 1, dims[len(dims)-1]
		for _, d := range dims {
			size *= d
		}
		rand32 := func(n int, lo, hi float64) *tensors.Tensor {
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(lo + (hi-lo)*rng.Float64())
			}
			return tensors.FromFlatDataAndDimensions(v, n)
		}
		x := tensors.FromFlatDataAndDimensions(rand32(size, -1, 3).Value().([]float32), dims...)
		w := tensors.FromFlatDataAndDimensions(rand32(size, -1, 1).Value().([]float32), dims...)
		gamma, beta := rand32(c, 0.5, 1.5), rand32(c, -0.5, 0.5)
		outs, err := graph.MustNewExec(backend, batchNormGradGraph).Exec(x, gamma, beta, w)
		if err != nil {
			t.Fatal(err)
		}
		names := []string{"y", "dx", "dγ", "dβ", "dx (fallback)"}
		for i, name := range names {
			got, want := outs[i].Value(), outs[i+len(names)].Value()
			tol := 2e-5
			if i == 0 {
				tol = 0 // same ops, same rounding
			}
			checkClose(t, fmt.Sprintf("%v %s", dims, name), flat32(got), flat32(want), tol)
		}
	}
}

// batchNormGradGraph returns BatchNorm+ReLU's output and gradients (x, γ, β,
// and x's fallback gradient) of Σ w·relu(bn(x)), first as batchNorm builds
// them, then as GoMLX differentiates the statistics.
func batchNormGradGraph(x, gamma, beta, w *graph.Node) []*graph.Node {
	bn := newBNAxes(x)
	mean := graph.StopGradient(graph.ReduceMean(x, bn.axes...))
	variance := graph.StopGradient(graph.ReduceMean(graph.Square(graph.Sub(x, bn.perChannel(mean))), bn.axes...))
	y := relu(bn.train(x, gamma, beta, mean, variance))
	got := append([]*graph.Node{y}, graph.Gradient(graph.ReduceAllSum(graph.Mul(y, w)), x, gamma, beta)...)
	// The fallback of x's gradient, from v = ∂/∂x with the statistics held.
	sd := graph.Sqrt(graph.AddScalar(variance, bnEpsilon))
	scale := graph.Div(gamma, sd)
	yHeld := relu(graph.Add(graph.Mul(x, bn.perChannel(scale)), bn.perChannel(graph.Sub(beta, graph.Mul(mean, scale)))))
	v := graph.Gradient(graph.ReduceAllSum(graph.Mul(yHeld, w)), x)[0]
	got = append(got, bn.inputGrad(x, v, mean, sd))

	mr := graph.ReduceMean(x, bn.axes...)
	vr := graph.ReduceMean(graph.Square(graph.Sub(x, bn.perChannel(mr))), bn.axes...)
	sr := graph.Div(gamma, graph.Sqrt(graph.AddScalar(vr, bnEpsilon)))
	yr := relu(graph.Add(graph.Mul(x, bn.perChannel(sr)), bn.perChannel(graph.Sub(beta, graph.Mul(mr, sr)))))
	want := append([]*graph.Node{yr}, graph.Gradient(graph.ReduceAllSum(graph.Mul(yr, w)), x, gamma, beta)...)
	return append(append(got, want...), want[1])
}

// flat32 returns the float32 values of a tensor's Value (any rank).
func flat32(v any) []float32 {
	var out []float32
	var walk func(reflect.Value)
	walk = func(r reflect.Value) {
		if r.Kind() == reflect.Slice {
			for i := range r.Len() {
				walk(r.Index(i))
			}
			return
		}
		out = append(out, float32(r.Float()))
	}
	walk(reflect.ValueOf(v))
	return out
}

// checkClose reports the first value of got that differs from want by more
// than tol relative to want's largest magnitude (0: bit-identical).
func checkClose(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	scale := 0.0
	for _, v := range want {
		scale = max(scale, math.Abs(float64(v)))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); d > tol*scale || (tol == 0 && got[i] != want[i]) {
			t.Errorf("%s[%d] = %g, want %g (|Δ| %.3g, scale %.3g)", name, i, got[i], want[i], d, scale)
			return
		}
	}
}

// TestTrainDeterministic trains the 2D network twice with the same seed on the
// cpu backend (every fusion of the fork in play: BatchNorm's closed-form
// gradient and per-channel sums, the element-wise chains of Adam, the AVX2
// kernels where the CPU has them) and checks that the two runs end with
// bit-identical variables.
func TestTrainDeterministic(t *testing.T) {
	backend := testBackend(t)
	ds := discs(8, 32, 3)
	cfg := Config{Base: 4, InChannels: 1}
	tc := TrainConfig{Epochs: 2, Seed: 11, BatchSize: 4, LearningRate: 3e-3}
	trainTwiceEqual(t, backend, cfg, tc, ds)
}

// untrainedNet returns an untrained 2D U-Net of Base 4 on the test backend
// and two 32×32 disc images of seed.
func untrainedNet(t *testing.T, seed uint64) (*Network, *tensors.Tensor) {
	t.Helper()
	cfg := Config{Base: 4, InChannels: 1}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	net, err := newNetwork(testBackend(t), context.New(), cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	ds := discs(4, 32, seed)
	images, _, err := ds.Batch(ds.Train[:2])
	if err != nil {
		t.Fatal(err)
	}
	return net, images
}

// TestInferenceFusionsFire runs the real U-Net's forward pass (Network.Forward,
// inference BatchNorm) on the cpu backend and checks that each of its 18
// convolutions runs with its BatchNorm+ReLU as the convolution's epilogue
// (simplego/fuse_convbnrelu.go), and that its input gradient (VoG), whose
// backward pass reads the convolutions' outputs, keeps them unfused (the
// convolution would otherwise run twice).
func TestInferenceFusionsFire(t *testing.T) {
	net, images := untrainedNet(t, 1)
	before := simplego.Fusions()
	if _, err := net.Forward(images); err != nil {
		t.Fatal(err)
	}
	mid := simplego.Fusions()
	if n := mid.ConvAffineMax - before.ConvAffineMax; n != 18 {
		t.Errorf("%d convolutions fused with their BatchNorm+ReLU in the forward pass, want 18", n)
	}
	checkInferenceFusions(t, before, mid)
	if _, err := net.InputGradient(images); err != nil {
		t.Fatal(err)
	}
	if n := simplego.Fusions().ConvAffineMax - mid.ConvAffineMax; n != 0 {
		t.Errorf("%d convolution epilogues kept in the input gradient, want 0", n)
	}
}

// TestTrainFusionsFire builds the real U-Net's training step (as
// TestFusionsFire does) and checks that the training fusions of
// simplego/fuse_train_*.go recognise it: the gradient of each 2×2
// max-pooling (one per encoder level below the top, a quarter of the
// network's 3×3 convolutions rounded down) is one fused pass.
func TestTrainFusionsFire(t *testing.T) {
	before, convBefore := simplego.TrainFusions(), simplego.Fusions().Conv3x3
	offlineTestStep(t)
	after, conv := simplego.TrainFusions(), simplego.Fusions().Conv3x3-convBefore
	// 2·(2·pools + 1) convolutions: two per encoder and decoder block.
	if pools, pg := (conv/2-1)/2, after.PoolGrad-before.PoolGrad; pools < 1 || pg != pools {
		t.Errorf("%d pooling gradients fused for %d convolutions (%d poolings), want one each", pg, conv, pools)
	}
	t.Logf("training fusions built: pooling gradient %d", after.PoolGrad-before.PoolGrad)
}

// checkInferenceFusions checks the counts of the inference fusions between
// before and after one forward pass of the 2D U-Net: the four decoder blocks'
// first convolutions read the skip Concatenate's operands (and no encoder
// convolution does), the up-sampled one before its Transpose and bias Add,
// the four 2×2 max-poolings run as one pass each, the head's probability and
// mask are one pass each.
func checkInferenceFusions(t *testing.T, before, after simplego.FusionCounts) {
	t.Helper()
	for _, f := range []struct {
		name      string
		got, want int64
	}{{"convolutions reading the skip Concatenate's operands", after.ConcatConv - before.ConcatConv, 4},
		{"up-sampled operands read through their depth-to-space", after.Upsample - before.Upsample, 4},
		{"one-pass 2×2 max-poolings", after.Pool2D - before.Pool2D, 4},
		{"one-pass head outputs (probability, mask)", after.Head - before.Head, 2}} {
		if f.got != f.want {
			t.Errorf("%d %s in the forward pass, want %d", f.got, f.name, f.want)
		}
	}
}
