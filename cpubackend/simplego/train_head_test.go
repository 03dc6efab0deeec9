package simplego

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestTrainLogBitExact checks the parallel float32 Log bit for bit against
// float32(math.Log(float64(x))), with 0, negatives, NaN and ±Inf.
func TestTrainLogBitExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 18))
	x := randTensor(rng, 10, 64, 64, 1)
	var want []float32
	tensors.MustMutableFlatData(x, func(f []float32) {
		f[0], f[1], f[2], f[3], f[4] = 0, -1, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))
		for i := 5; i < len(f); i++ {
			f[i] = float32(math.Abs(float64(f[i])))
		}
		want = make([]float32, len(f))
		for i, v := range f {
			want[i] = float32(math.Log(float64(v)))
		}
	})
	got := graph.MustNewExec(backend, graph.Log).MustExec1(x)
	tensors.MustConstFlatData(got, func(g []float32) {
		for i := range g {
			if math.Float32bits(g[i]) != math.Float32bits(want[i]) {
				t.Fatalf("Log element %d: got %v, want %v", i, g[i], want[i])
			}
		}
	})
}

// TestTrainOneHotEqual checks Equal(labels [N, H, W, 1], classes [1, 1, 1, K])
// against the reference broadcasting Equal, and that it took the one-hot path
// (and a same-shape Equal did not).
func TestTrainOneHotEqual(t *testing.T) {
	labels := tensors.FromValue([][][][]int32{{{{0}, {1}}, {{2}, {1}}}})
	classes := tensors.FromValue([][][][]int32{{{{0, 1, 2}}}})
	fn := func(l, c *graph.Node) *graph.Node { return graph.Equal(l, c) }
	before := trainOneHotCount.Load()
	got := graph.MustNewExec(backend, fn).MustExec1(labels, classes)
	if trainOneHotCount.Load() == before {
		t.Fatal("the one-hot Equal did not take the one-hot path")
	}
	want := [][][][]bool{{{{true, false, false}, {false, true, false}}, {{false, false, true}, {false, true, false}}}}
	if g := got.Value().([][][][]bool); !equalBool4(g, want) {
		t.Fatalf("one-hot Equal = %v, want %v", g, want)
	}
	mid := trainOneHotCount.Load()
	graph.MustNewExec(backend, fn).MustExec1(labels, labels)
	if trainOneHotCount.Load() != mid {
		t.Fatal("a same-shape Equal took the one-hot path")
	}
}

func equalBool4(a, b [][][][]bool) bool {
	for i := range a {
		for j := range a[i] {
			for k := range a[i][j] {
				for l := range a[i][j][k] {
					if a[i][j][k][l] != b[i][j][k][l] {
						return false
					}
				}
			}
		}
	}
	return true
}
