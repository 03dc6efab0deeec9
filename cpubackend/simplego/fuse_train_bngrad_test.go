package simplego

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestBNGradSumsBitExact checks BatchNorm's Σg and Σg·x computed in the
// fused ReLU gradient's pass (fuse_train_bngrad.go) bit-identical to the two
// ReduceSum nodes summing g themselves (the 1 of the ReLU mask passed as a
// parameter, so neither the ReLU-gradient fusion nor the link matches), for
// both operand orders of g·x, 2D and 3D layouts, and that the sums were
// taken from the pass.
func TestBNGradSumsBitExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	for _, dims := range [][]int{{4, 6, 5, 16}, {10, 16, 16, 32}, {3, 7, 5, 3}, {2, 4, 6, 6, 8}, {1, 1, 1, 8}} {
		c := dims[len(dims)-1]
		x, v := randTensor(rng, dims...), randTensor(rng, dims...)
		s, sh := randTensor(rng, c), randTensor(rng, c)
		tensors.MustMutableFlatData(v, func(f []float32) { f[0] = float32(math.Inf(1)) })
		for _, gFirst := range []bool{true, false} {
			name := fmt.Sprintf("%v gFirst=%v", dims, gFirst)
			build := func(x, v, s, sh, one *graph.Node) []*graph.Node {
				ones := make([]int, len(dims))
				for i := range ones {
					ones[i] = 1
				}
				ones[len(dims)-1] = c
				y := graph.Add(graph.Mul(x, graph.Reshape(s, ones...)), graph.Reshape(sh, ones...))
				g := graph.Mul(v, graph.Sign(graph.Add(graph.Sign(graph.Sub(y, graph.ZerosLike(y))), one)))
				axes := make([]int, len(dims)-1)
				for i := range axes {
					axes[i] = i
				}
				gx := graph.Mul(g, x)
				if !gFirst {
					gx = graph.Mul(x, g)
				}
				return []*graph.Node{g, graph.ReduceSum(g, axes...), graph.ReduceSum(gx, axes...)}
			}
			before := TrainFusions()
			fused := graph.MustNewExec(backend, func(x, v, s, sh *graph.Node) []*graph.Node {
				return build(x, v, s, sh, graph.Scalar(x.Graph(), x.DType(), 1))
			}).MustExec(x, v, s, sh)
			after := TrainFusions()
			if after.BNGradSums == before.BNGradSums || after.BNGradSumsTaken-before.BNGradSumsTaken != 2 {
				t.Fatalf("%s: sums not linked or not taken (%+v → %+v)", name, before, after)
			}
			plain := graph.MustNewExec(backend, build).MustExec(x, v, s, sh, tensors.FromValue(float32(1)))
			if TrainFusions() != after {
				t.Fatalf("%s: the graph with a parameter 1 was linked", name)
			}
			for i := range fused {
				if !bitEqual(fused[i], plain[i]) {
					t.Fatalf("%s: output %d differs from the unlinked graph", name, i)
				}
			}
		}
	}
}

// TestBNGradSumsKernelPaths runs TestBNGradSumsBitExact on both kernel
// paths: the Go loops (simdOn off) and the AVX2 kernels (skipped without
// AVX2).
func TestBNGradSumsKernelPaths(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(map[bool]string{false: "go", true: "avx2"}[on], func(t *testing.T) {
			if on && !hasSIMD {
				t.Skip("no AVX2")
			}
			defer forceSIMD(on)()
			TestBNGradSumsBitExact(t)
		})
	}
}

// TestTakeBNGradSum checks the hand-over table: each sum is taken once, the
// entry goes when both were, and a buffer without an entry gets none.
func TestTakeBNGradSum(t *testing.T) {
	buf := &Buffer{}
	bnGradSums.Lock()
	bnGradSums.m[buf] = &bnGradSumsEntry{sum: []float32{1, 2}, dot: []float32{3, 4}}
	bnGradSums.Unlock()
	o := make([]float32, 2)
	if !takeBNGradSum(buf, chanSumKind, o) || o[0] != 1 || o[1] != 2 {
		t.Fatalf("Σg: %v", o)
	}
	if takeBNGradSum(buf, chanSumKind, o) {
		t.Fatal("Σg taken twice")
	}
	if !takeBNGradSum(buf, chanDotKind, o) || o[0] != 3 || o[1] != 4 {
		t.Fatalf("Σg·x: %v", o)
	}
	if takeBNGradSum(buf, chanDotKind, o) {
		t.Fatal("entry kept after both sums were taken")
	}
}
