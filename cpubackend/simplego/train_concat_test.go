package simplego

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// TestTrainConcatRows checks last-axis Concatenates of whole operands (the
// decoder's skip ⊕ up-path) executed as row copies against the reference
// backend, and which took the row path: not a concatenation along another
// axis, nor one with a sliced part.
func TestTrainConcatRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 17))
	cases := []struct {
		name string
		dims []int
		fn   func(x, y *graph.Node) *graph.Node
		rows bool
	}{
		{"last", []int{10, 64, 64, 8}, func(x, y *graph.Node) *graph.Node { return graph.Concatenate([]*graph.Node{x, y}, -1) }, true},
		{"last3", []int{2, 5, 3, 6}, func(x, y *graph.Node) *graph.Node { return graph.Concatenate([]*graph.Node{y, x, y}, -1) }, true},
		{"axis1", []int{2, 5, 3, 8}, func(x, y *graph.Node) *graph.Node { return graph.Concatenate([]*graph.Node{x, y}, 1) }, false},
		{"sliced", []int{2, 5, 3, 8}, func(x, y *graph.Node) *graph.Node {
			return graph.Concatenate([]*graph.Node{graph.Slice(x, graph.AxisRange(), graph.AxisRange(1, 4)), graph.Slice(y, graph.AxisRange(), graph.AxisRange(0, 3))}, -1)
		}, false},
	}
	for _, c := range cases {
		x, y := randTensor(rng, c.dims...), randTensor(rng, c.dims...)
		before := trainConcatRowsCount.Load()
		graph.MustNewExec(backend, c.fn).MustExec1(x, y)
		if fired := trainConcatRowsCount.Load() != before; fired != c.rows {
			t.Fatalf("%s %v: row path taken = %v, want %v", c.name, c.dims, fired, c.rows)
		}
		compareRef(t, fmt.Sprintf("concat %s %v", c.name, c.dims), c.fn, x, y)
	}
}
