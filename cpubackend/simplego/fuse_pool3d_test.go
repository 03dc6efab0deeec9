package simplego

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestPool3D checks the 2×2×2 max-pooling pass (fuse_pool3d.go) bit-identical
// to the fork's generic reduction (fastReduce) of the same graph, with ±0,
// NaN and ±Inf among the values, that it ran, and that it agrees with the
// reference backend.
func TestPool3D(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	for _, d := range [][5]int{{2, 4, 6, 8, 3}, {1, 2, 2, 2, 1}, {2, 8, 16, 16, 8}, {1, 2, 4, 64, 16}} {
		n, dd, h, w, c := d[0], d[1], d[2], d[3], d[4]
		x := randTensor(rng, n, dd, h, w, c)
		tensors.MustMutableFlatData(x, func(v []float32) {
			sprinkleSpecials(rng, v)
		})
		pool := func(x *graph.Node) *graph.Node {
			return graph.ReduceMax(graph.Reshape(x, n, dd/2, 2, h/2, 2, w/2, 2, c), 2, 4, 6)
		}
		before := Fusions3D().Pool
		got := graph.MustExecOnce(backend, pool, x)
		if Fusions3D().Pool == before {
			t.Fatalf("%v: the 2×2×2 pooling pass did not run", d)
		}
		want := execGenericReduceMax(pool, x)
		if !bitEqual(got, want) {
			t.Fatalf("%v: pooling pass differs from the generic reduction", d)
		}
		compareRef(t, fmt.Sprintf("pool %v", d), pool, x)
	}
}

// execGenericReduceMax runs fn on x with fastReduce registered for ReduceMax
// in place of the pooling pass.
func execGenericReduceMax(fn func(*graph.Node) *graph.Node, x *tensors.Tensor) *tensors.Tensor {
	prev := nodeExecutors[backends.OpTypeReduceMax]
	nodeExecutors[backends.OpTypeReduceMax] = fastReduce
	defer func() { nodeExecutors[backends.OpTypeReduceMax] = prev }()
	return graph.MustExecOnce(backend, fn, x)
}

// sprinkleSpecials sets about one value of v in 16 each to +0, −0 and ±Inf,
// then one to NaN: the values whose max must come out as the unfused
// reduce's (pooling tests).
func sprinkleSpecials(rng *rand.Rand, v []float32) {
	for i := range v {
		switch rng.IntN(16) {
		case 0:
			v[i] = 0
		case 1:
			v[i] = float32(math.Copysign(0, -1))
		case 2:
			v[i] = float32(math.Inf(-1 + 2*rng.IntN(2)))
		}
	}
	v[rng.IntN(len(v))] = float32(math.NaN())
}
