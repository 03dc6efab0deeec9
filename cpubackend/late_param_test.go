package cpubackend

import (
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// TestParameterAfterLastOutput builds, at the backend level, a graph whose
// second parameter is created after its only output node (the shape of a
// U-Net graph that returns only its features: the head's weights are
// parameters built after the last feature; unet.TestFeaturesOnlyGraph builds
// that one). Upstream simplego v0.26.0 sized its per-node arrays by the
// outputs only and failed with "index out of range" when Execute stored the
// late parameter's buffer (issue 23).
func TestParameterAfterLastOutput(t *testing.T) {
	backend := testBackend(t)
	b := backend.Builder("late_parameter")
	shape := shapes.Make(dtypes.Float32, 3)
	x, err := b.Parameter("x", shape, nil)
	if err != nil {
		t.Fatal(err)
	}
	neg, err := b.Neg(x)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Parameter("late", shape, nil); err != nil { // built after the output, never used
		t.Fatal(err)
	}
	exec, err := b.Compile([]backends.Op{neg}, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := make([]backends.Buffer, 2)
	for i := range in {
		if in[i], err = backend.BufferFromFlatData(0, []float32{1, 2, 3}, shape); err != nil {
			t.Fatal(err)
		}
	}
	for _, donate := range [][]bool{nil, {false, true}} {
		out, err := exec.Execute(in[:], donate, 0)
		if err != nil {
			t.Fatalf("donate %v: %v", donate, err)
		}
		got := make([]float32, 3)
		if err := backend.BufferToFlatData(out[0], got); err != nil {
			t.Fatal(err)
		}
		if got[0] != -1 || got[1] != -2 || got[2] != -3 {
			t.Fatalf("donate %v: got %v, want [-1 -2 -3]", donate, got)
		}
	}
}
