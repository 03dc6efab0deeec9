package simplego

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestFastLogisticBitExact checks the parallel float32 Logistic and Exp against the
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
	got, want := execFastAndRef(t, "logistic", func(x *graph.Node) []*graph.Node {
		return []*graph.Node{graph.Logistic(x), graph.Exp(x)}
	}, x)
	bits := func(out *tensors.Tensor) []uint32 {
		var u []uint32
		tensors.MustConstFlatData(out, func(flat []float32) {
			for _, v := range flat {
				u = append(u, math.Float32bits(v))
			}
		})
		return u
	}
	for k := range want {
		g, w := bits(got[k]), bits(want[k])
		for i := range w {
			if g[i] != w[i] {
				t.Fatalf("output %d element %d: fast %#x, reference %#x", k, i, g[i], w[i])
			}
		}
	}
}
