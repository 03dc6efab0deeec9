package simplego

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestFastLogisticBitExact checks the parallel float32 Logistic against the
// reference configuration bit for bit, on a tensor large enough to be split
// over the cores, with zeros, infinities, NaN and saturating values among the
// inputs.
func TestFastLogisticBitExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x := randTensor(rng, 10, 64, 64)
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), 1e4, -1e4, 88.7, -88.7, 1e-30, -1e-30}
	tensors.MustMutableFlatData(x, func(flat []float32) {
		for i := range flat {
			flat[i] *= 20 // spread over the range where both branches matter
		}
		copy(flat, special)
	})
	bits := func(b interface {
		Exec(...any) ([]*tensors.Tensor, error)
	}) []uint32 {
		c, err := x.LocalClone()
		if err != nil {
			t.Fatal(err)
		}
		out, err := b.Exec(c)
		if err != nil {
			t.Fatal(err)
		}
		var u []uint32
		tensors.MustConstFlatData(out[0], func(flat []float32) {
			for _, v := range flat {
				u = append(u, math.Float32bits(v))
			}
		})
		return u
	}
	fn := func(x *graph.Node) *graph.Node { return graph.Logistic(x) }
	fast, err := graph.NewExecAny(backend, fn)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := graph.NewExecAny(referenceBackend(t), fn)
	if err != nil {
		t.Fatal(err)
	}
	got, want := bits(fast), bits(ref)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d: fast %#x, reference %#x", i, got[i], want[i])
		}
	}
}
