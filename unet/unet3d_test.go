package unet

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/protoseg-go/protoseg-go/data"
)

// spheres is an easy volumetric dataset: a bright ball of random size and
// place on noise, side×side×side voxels of one channel, flat in Sample.Image
// and Sample.Mask as [d][h][w] (what the data package's volumetric samples
// hold). Every fourth volume is a test volume.
func spheres(n, side int, seed uint64) *data.Dataset { return balls(n, side, side, side, seed) }

// balls is spheres in d×h×w volumes.
func balls(n, d, h, w int, seed uint64) *data.Dataset {
	rng := rand.New(rand.NewPCG(seed, 11))
	ds := &data.Dataset{Name: "spheres", Channels: 1, Height: h, Width: w}
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
	images, _, err := batchOf(Config{Dims: 3}, ds, ds.Train[:2])
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
