package unet

import (
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestPredictionRelease checks that a released prediction's tensors are
// finalized, that the forward passes after it (which reuse the released
// buffers) give the same bits as the first, and that releasing twice or a
// nil prediction does nothing.
func TestPredictionRelease(t *testing.T) {
	net, images := untrainedNet(t, 7)
	first, err := net.Forward(images)
	if err != nil {
		t.Fatal(err)
	}
	want := flatValues(t, first)
	kept := append([]*tensors.Tensor{first.Mask, first.Prob}, first.Features...)
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	for i, tt := range kept {
		if tt.Ok() {
			t.Fatalf("tensor %d of a released prediction is still valid", i)
		}
	}
	if err := first.Release(); err != nil {
		t.Fatalf("second release: %v", err)
	}
	if err := (*Prediction)(nil).Release(); err != nil {
		t.Fatalf("nil release: %v", err)
	}
	for pass := range 3 {
		p, err := net.Forward(images)
		if err != nil {
			t.Fatal(err)
		}
		got := flatValues(t, p)
		for i := range want {
			if !slices.Equal(got[i], want[i]) {
				t.Fatalf("pass %d after a release: output %d differs from the first pass", pass, i)
			}
		}
		if err := p.Release(); err != nil {
			t.Fatal(err)
		}
	}
}

// flatValues copies the float32 values of a prediction's mask,
// probability and features.
func flatValues(t *testing.T, p *Prediction) [][]float32 {
	t.Helper()
	var out [][]float32
	for _, tt := range append([]*tensors.Tensor{p.Mask, p.Prob}, p.Features...) {
		out = append(out, slices.Clone(tensors.MustCopyFlatData[float32](tt)))
	}
	return out
}
