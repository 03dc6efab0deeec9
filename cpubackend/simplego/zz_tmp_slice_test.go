package simplego

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

func BenchmarkTmpSlice(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randTensor(rng, 10, 64, 64, 32)
	for _, name := range []string{"lo", "hi", "both"} {
		b.Run(name, func(b *testing.B) {
			e := graph.MustNewExec(backend, func(x *graph.Node) *graph.Node {
				switch name {
				case "lo":
					return graph.Slice(x, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(), graph.AxisRange(0, 16))
				case "hi":
					return graph.Slice(x, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(), graph.AxisRange(16, 32))
				}
				return graph.Add(graph.Slice(x, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(), graph.AxisRange(0, 16)), graph.Slice(x, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(), graph.AxisRange(16, 32)))
			})
			for b.Loop() {
				e.MustExec(x)[0].FinalizeAll()
			}
		})
	}
}
