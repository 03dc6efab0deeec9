package simplego

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// chanShapes are the layouts the BatchNorm fusions are tested on: one and
// several channels, rows that do and do not fill whole blocks of
// chanBlockRows, 2D and 3D feature maps.
var chanShapes = [][]int{{3, 5, 1}, {300, 7}, {2, 9, 30, 16}, {2, 3, 4, 5, 8}, {4, 16, 16, 3}}

// TestChanReduce checks the fused per-channel sums (fuse_bn.go) — Σx,
// Σa·b and Σ(x − m)² over every axis but the last — against the reference
// kernels to float32 tolerance (the summation order differs), checks that each
// fusion fired, and that the result does not depend on the number of cores
// (bit-identical with GOMAXPROCS 1 and 2).
func TestChanReduce(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, dims := range append(chanShapes, []int{6, 40, 40, 8}) { // the last one is split over the cores
		r, c := len(dims), dims[len(dims)-1]
		axes := make([]int, r-1)
		ones := make([]int, r)
		for i := range axes {
			axes[i], ones[i] = i, 1
		}
		ones[r-1] = c
		fn := func(x, y, m *graph.Node) []*graph.Node {
			d := graph.Sub(x, graph.Reshape(m, ones...))
			return []*graph.Node{graph.ReduceSum(x, axes...), graph.ReduceSum(graph.Mul(x, y), axes...),
				graph.ReduceSum(graph.Square(d), axes...)}
		}
		x, y, m := randTensor(rng, dims...), randTensor(rng, dims...), randTensor(rng, c)
		before := Fusions()
		compareRef(t, fmt.Sprintf("chan reduce %v", dims), fn, x, y, m)
		after := Fusions()
		if after.ChanSum == before.ChanSum || after.ChanDot == before.ChanDot || after.ChanSumSq == before.ChanSumSq {
			t.Fatalf("%v: per-channel sums not fused (counts %+v -> %+v)", dims, before, after)
		}
		exec := graph.MustNewExec(backend, fn)
		procs := runtime.GOMAXPROCS(1)
		one := exec.MustExec(x, y, m)
		runtime.GOMAXPROCS(max(procs, 2))
		two := exec.MustExec(x, y, m)
		runtime.GOMAXPROCS(procs)
		for k := range one {
			if !bitEqual(one[k], two[k]) {
				t.Fatalf("%v output %d: differs between 1 and 2 cores", dims, k)
			}
		}
	}
}

// TestChanLinBitExact checks BatchNorm's fused gradient pass
// Add(Add(Mul(g, a), Mul(x, b)), c) with per-channel a, b, c (fuse_bn.go)
// bit-identical to the reference kernels' op-by-op evaluation, with g a
// parameter (output in a new buffer) and g computed in the graph (output in
// g's buffer), and that the fusion fired.
func TestChanLinBitExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	for _, dims := range chanShapes {
		r, c := len(dims), dims[len(dims)-1]
		pc := func(v *graph.Node) *graph.Node {
			ones := make([]int, r)
			for i := range ones {
				ones[i] = 1
			}
			ones[r-1] = c
			return graph.Reshape(v, ones...)
		}
		lin := func(g, x, a, b, cc *graph.Node) *graph.Node {
			return graph.Add(graph.Add(graph.Mul(g, pc(a)), graph.Mul(x, pc(b))), pc(cc))
		}
		fn := func(g, x, a, b, cc *graph.Node) []*graph.Node {
			return []*graph.Node{lin(g, x, a, b, cc), lin(graph.MulScalar(g, 3), x, a, b, cc)}
		}
		in := []*tensors.Tensor{randTensor(rng, dims...), randTensor(rng, dims...), randTensor(rng, c), randTensor(rng, c), randTensor(rng, c)}
		args := func() []any {
			out := make([]any, len(in))
			for i, v := range in {
				c, err := v.LocalClone()
				if err != nil {
					t.Fatal(err)
				}
				out[i] = c
			}
			return out
		}
		before := Fusions().ChanLin
		got := graph.MustNewExecAny(backend, fn).MustExec(args()...)
		if Fusions().ChanLin < before+2 {
			t.Fatalf("%v: the gradient pass was not fused", dims)
		}
		want := graph.MustNewExecAny(referenceBackend(t), fn).MustExec(args()...)
		for k := range want {
			if !bitEqual(got[k], want[k]) {
				t.Fatalf("%v output %d: fused pass differs from the reference", dims, k)
			}
		}
	}
}

// bitEqual reports whether two float32 tensors hold the same bits.
func bitEqual(a, b *tensors.Tensor) bool {
	same := a.Shape().Equal(b.Shape())
	tensors.MustConstFlatData(a, func(fa []float32) {
		tensors.MustConstFlatData(b, func(fb []float32) {
			for i := range fa {
				if same && math.Float32bits(fa[i]) != math.Float32bits(fb[i]) {
					same = false
				}
			}
		})
	})
	return same
}
