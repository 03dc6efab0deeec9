package unet

import (
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/cpubackend/simplego"
)

// TestFusionsFire builds the real U-Net (Model and Loss, one training step
// with Adam) on the cpu backend and checks that the fork's fusions recognise
// the graph that layers.go writes: the im2col 3×3 convolution, its weight
// gradient and its input gradient (col2im). An edit to the convolution in
// layers.go that the fusions no longer recognise would otherwise silently lose
// the speed-up while every numeric test still passes.
func TestFusionsFire(t *testing.T) {
	before := simplego.Fusions()
	trainer := newTestTrainer(t, Config{Base: 4, InChannels: 1}, TrainConfig{Mode: Offline})
	ds := discs(4, 32, 1)
	images, masks, err := ds.Batch(ds.Train[:2])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trainer.TrainStep(nil, []*tensors.Tensor{images}, []*tensors.Tensor{masks}); err != nil {
		t.Fatal(err)
	}
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
	t.Logf("fused nodes built: conv3x3 %d, weight gradient %d, col2im %d, input gradient %d, ReLU gradient %d, BatchNorm+ReLU %d, ReduceSum(Mul) %d",
		after.Conv3x3-before.Conv3x3, after.ConvWeightGrad-before.ConvWeightGrad,
		after.Col2Im-before.Col2Im, after.ConvInputGrad-before.ConvInputGrad,
		after.ReluGrad-before.ReluGrad, after.AffineMax-before.AffineMax, after.MulReduce-before.MulReduce)
}
