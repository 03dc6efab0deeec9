package simplego

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// headGraph is package unet's maskAndProb: the argmax mask of class 1 and
// the class-1 softmax probability of logits [..., K], then the same for
// class 0.
func headGraph(l *graph.Node) []*graph.Node {
	p := graph.Softmax(l, -1)
	prob := graph.Squeeze(graph.SliceAxis(p, -1, graph.AxisElem(1)), -1)
	best := graph.ArgMax(l, -1)
	mask := graph.ConvertDType(graph.Equal(best, graph.OnesLike(best)), l.DType())
	prob0 := graph.Squeeze(graph.SliceAxis(p, -1, graph.AxisElem(0)), -1)
	mask0 := graph.ConvertDType(graph.Equal(best, graph.ZerosLike(best)), l.DType())
	return []*graph.Node{mask, prob, mask0, prob0}
}

// TestFuseHead checks the one-pass softmax probability and argmax mask
// (fuse_head.go): both fire on package unet's head and are bit-identical to
// the unfused ops, with ties, ±0, ±Inf and NaN among the logits, for 2 and 3
// classes; and they agree with the reference backend on finite logits.
func TestFuseHead(t *testing.T) {
	rng := rand.New(rand.NewPCG(81, 82))
	for _, d := range [][4]int{{2, 5, 7, 2}, {10, 64, 64, 2}, {1, 3, 4, 3}} {
		l := randTensor(rng, d[0], d[1], d[2], d[3])
		compareRef(t, fmt.Sprint("head ", d), headGraph, l)
		tensors.MustMutableFlatData(l, func(v []float32) {
			for i := range v {
				switch rng.IntN(12) {
				case 0:
					v[i] = 0
				case 1:
					v[i] = float32(math.Copysign(0, -1))
				case 2:
					v[i] = float32(math.Inf(-1 + 2*rng.IntN(2)))
				case 3:
					v[i] = float32(math.NaN())
				case 4:
					v[i] = v[i^1] // a tie
				}
			}
		})
		before := inferFusionCounts.head.Load()
		got := graph.MustNewExec(backend, headGraph).MustExec(l)
		if n := inferFusionCounts.head.Load() - before; n != 4 {
			t.Fatalf("%v: %d head nodes fused, want 4", d, n)
		}
		headFusionOff = true
		want := graph.MustNewExec(backend, headGraph).MustExec(l)
		headFusionOff = false
		for i := range want {
			sameTensorBits(t, fmt.Sprint(d, " output ", i), got[i], want[i])
		}
	}
}

// TestFuseHeadNotOther checks that a Slice of a softmax on another axis, and
// an argmax compared with a non-constant, are left alone.
func TestFuseHeadNotOther(t *testing.T) {
	rng := rand.New(rand.NewPCG(83, 84))
	l := randTensor(rng, 3, 4, 2)
	before := inferFusionCounts.head.Load()
	fn := func(l *graph.Node) []*graph.Node {
		p := graph.SliceAxis(graph.Softmax(l, 1), -1, graph.AxisElem(1))
		best := graph.ArgMax(l, -1)
		mask := graph.ConvertDType(graph.Equal(best, graph.ArgMin(l, -1)), l.DType())
		return []*graph.Node{p, mask}
	}
	compareRef(t, "other", fn, l)
	if inferFusionCounts.head.Load() != before {
		t.Fatal("fused a softmax on another axis or an argmax against a non-constant")
	}
}

// TestFuseHeadBias checks the head read from package unet's last dense layer
// (Reshape(Add(Dot(x, W), bias))): the fused nodes add the bias themselves,
// bit-identically to the unfused Add and ops, for 2 and 3 classes.
func TestFuseHeadBias(t *testing.T) {
	rng := rand.New(rand.NewPCG(85, 86))
	for _, d := range [][4]int{{2, 5, 7, 2}, {10, 16, 16, 2}, {1, 3, 4, 3}} {
		n, h, w, nc := d[0], d[1], d[2], d[3]
		x, wt, b := randTensor(rng, n*h*w, 8), randTensor(rng, 8, nc), randTensor(rng, nc)
		fn := func(x, wt, b *graph.Node) []*graph.Node {
			l := graph.Reshape(graph.Add(graph.Dot(x, wt), graph.InsertAxes(b, 0)), n, h, w, nc)
			return headGraph(l)
		}
		before := inferFusionCounts.headBias.Load()
		got := graph.MustNewExec(backend, fn).MustExec(x, wt, b)
		if n := inferFusionCounts.headBias.Load() - before; n != 4 {
			t.Fatalf("%v: %d head nodes add the bias, want 4", d, n)
		}
		headFusionOff = true
		want := graph.MustNewExec(backend, fn).MustExec(x, wt, b)
		headFusionOff = false
		for i := range want {
			sameTensorBits(t, fmt.Sprint(d, " output ", i), got[i], want[i])
		}
	}
}
