package unet

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestConvModesAgree runs the same weights through the im2col and the backend
// (ConvGeneral) convolutions: the features of layer18 must match to float32 rounding.
func TestConvModesAgree(t *testing.T) {
	backend := testBackend(t)
	ctx := context.New()
	ds := discs(4, 32, 9)
	images, _, err := ds.Batch(ds.Train[:2])
	if err != nil {
		t.Fatal(err)
	}
	var features [2][]float32
	for i, mode := range []string{ConvIm2Col, ConvBackend} {
		cfg := Config{Base: 2, InChannels: 1, Conv: mode}
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
	bad := Config{Base: 2, InChannels: 1, Conv: "fft"}
	if err := bad.Validate(); err == nil {
		t.Fatal("Conv \"fft\": no error")
	}
}
