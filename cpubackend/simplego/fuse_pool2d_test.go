package simplego

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestPool2D checks the 2×2 max-pooling pass (fuse_pool2d.go), Go loop and
// AVX2 kernel (where the CPU has it) each, bit-identical to the fork's
// generic reduction (fastReduce) of the same graph, with ±0, NaN (several
// payloads, both signs) and ±Inf among the values, that it ran, that other reductions do not
// take it, and that it agrees with the reference backend.
func TestPool2D(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 38))
	for _, d := range [][4]int{{2, 4, 6, 3}, {1, 2, 2, 1}, {10, 64, 64, 8}, {2, 16, 16, 64}, {3, 8, 8, 16}, {1, 2, 2, 8}} {
		n, h, w, c := d[0], d[1], d[2], d[3]
		x := randTensor(rng, n, h, w, c)
		tensors.MustMutableFlatData(x, func(v []float32) {
			sprinkleSpecials(rng, v)
			v[rng.IntN(len(v))] = math.Float32frombits(0x7fc01234)
			v[rng.IntN(len(v))] = math.Float32frombits(0xffc00042)
			v[rng.IntN(len(v))] = math.Float32frombits(0x7f800001)
		})
		pool := func(x *graph.Node) *graph.Node {
			return graph.ReduceMax(graph.Reshape(x, n, h/2, 2, w/2, 2, c), 2, 4)
		}
		want := execGenericReduceMax(pool, x)
		for _, simd := range []bool{false, true} {
			restore := forceSIMD(simd)
			before := inferFusionCounts.pool2D.Load()
			got := graph.MustExecOnce(backend, pool, x)
			restore()
			if inferFusionCounts.pool2D.Load() == before {
				t.Fatalf("%v: the 2×2 pooling pass did not run", d)
			}
			if !bitEqual(got, want) {
				t.Fatalf("%v simd=%v: pooling pass differs from the generic reduction", d, simd)
			}
		}
		compareRef(t, fmt.Sprintf("pool %v", d), pool, x)
		before := inferFusionCounts.pool2D.Load()
		other := func(x *graph.Node) *graph.Node { return graph.ReduceMax(graph.Reshape(x, n, h/2, 2, w/2, 2, c), 2) }
		compareRef(t, fmt.Sprintf("other %v", d), other, x)
		if inferFusionCounts.pool2D.Load() != before {
			t.Fatalf("%v: a one-axis reduction took the pooling pass", d)
		}
	}
}
