package simplego

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// TestOutputReshapeView checks Reshapes of a graph output (fork_views.go):
// read in place by later ops (one of which could reuse an owned operand in
// place), returned as an output themselves (then copied), and next to a
// Reshape of an intermediate, against the reference kernels; and that the
// view does not alias the returned output.
func TestOutputReshapeView(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	x := randTensor(rng, 2, 4, 6, 3)
	fn := func(x *graph.Node) []*graph.Node {
		y := graph.MulScalar(x, 2) // an output
		r := graph.Reshape(y, 8, 18)
		sum := graph.AddScalar(r, 1) // may reuse its operand in place: must not be y's data
		pooled := graph.ReduceMax(graph.Reshape(y, 2, 2, 2, 3, 2, 3), 2, 4)
		inner := graph.Reshape(graph.Neg(x), 48, 3)
		return []*graph.Node{y, r, sum, pooled, inner}
	}
	compareRef(t, "output reshapes", fn, x)
	outs := graph.MustNewExec(backend, fn).MustExec(x)
	sameTensorBits(t, "y after its views", outs[0], graph.MustNewExec(backend, func(x *graph.Node) *graph.Node { return graph.MulScalar(x, 2) }).MustExec(x)[0])
}
