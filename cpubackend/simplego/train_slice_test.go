package simplego

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// TestTrainSliceRows checks last-axis Slices (the decoder's channel halves)
// executed as row copies against the reference backend, and that they took
// the row path; a Slice along another axis must not.
func TestTrainSliceRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 16))
	cases := []struct {
		dims       []int
		start, end int
		rows       bool
	}{
		{[]int{10, 64, 64, 16}, 0, 8, true},
		{[]int{10, 64, 64, 16}, 8, 16, true},
		{[]int{2, 5, 7, 32}, 3, 19, true},
		{[]int{4, 6}, 1, 4, true},
		{[]int{3, 4, 5}, 0, 5, false}, // whole: not a partial last axis
	}
	for _, c := range cases {
		x := randTensor(rng, c.dims...)
		last := len(c.dims) - 1
		sliceFn := func(x *graph.Node) *graph.Node {
			specs := make([]graph.SliceAxisSpec, len(c.dims))
			for i := range specs {
				specs[i] = graph.AxisRange()
			}
			specs[last] = graph.AxisRange(c.start, c.end)
			return graph.Slice(x, specs...)
		}
		before := trainSliceRowsCount.Load()
		graph.MustNewExec(backend, sliceFn).MustExec1(x)
		if fired := trainSliceRowsCount.Load() != before; fired != c.rows {
			t.Fatalf("%v [%d:%d]: row path taken = %v, want %v", c.dims, c.start, c.end, fired, c.rows)
		}
		compareRef(t, fmt.Sprintf("slice %v [%d:%d]", c.dims, c.start, c.end), sliceFn, x)
	}
}
