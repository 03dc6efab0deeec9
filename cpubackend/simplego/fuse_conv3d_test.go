package simplego

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// im2col3D writes the 3×3×3 patch matrix of x [n, d, h, w, c] as package unet
// does: zero planes, rows and columns concatenated around x, 27 slices
// concatenated on the channels, [n, d, h, w, 27·c].
func im2col3D(x *graph.Node) *graph.Node {
	dims := x.Shape().Dimensions
	n, d, h, w, c := dims[0], dims[1], dims[2], dims[3], dims[4]
	g := x.Graph()
	zp := graph.Zeros(g, shapes.Make(x.DType(), n, 1, h, w, c))
	p := graph.Concatenate([]*graph.Node{zp, x, zp}, 1)
	zr := graph.Zeros(g, shapes.Make(x.DType(), n, d+2, 1, w, c))
	p = graph.Concatenate([]*graph.Node{zr, p, zr}, 2)
	zc := graph.Zeros(g, shapes.Make(x.DType(), n, d+2, h+2, 1, c))
	p = graph.Concatenate([]*graph.Node{zc, p, zc}, 3)
	var parts []*graph.Node
	for dz := range 3 {
		for dy := range 3 {
			for dx := range 3 {
				parts = append(parts, graph.Slice(p, graph.AxisRange(), graph.AxisRange(dz, dz+d),
					graph.AxisRange(dy, dy+h), graph.AxisRange(dx, dx+w), graph.AxisRange()))
			}
		}
	}
	return graph.Concatenate(parts, -1)
}

// TestFuseConv3D checks the im2col 3×3×3 convolution written as package unet
// does is fused — forward product, weight gradient and input gradient
// (directly from the output gradient and the weights) — and agrees with the
// reference (upstream kernels, no fusion) to 1e-4 of the output's largest
// magnitude: the fused products sum the same 27·c terms in another order.
func TestFuseConv3D(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	// Channels from 1 to 16, on both sides (the input gradient's product has
	// c output channels).
	for _, d := range [][5]int{{1, 3, 5, 7, 3}, {2, 4, 4, 4, 8}, {1, 1, 2, 3, 1}, {2, 6, 3, 5, 2}, {1, 2, 3, 4, 16}} {
		for _, cout := range []int{5, 16} {
			testFuseConv3DCase(t, rng, d, cout)
		}
	}
}

func testFuseConv3DCase(t *testing.T, rng *rand.Rand, d [5]int, cout int) {
	t.Helper()
	n, dd, h, w, c := d[0], d[1], d[2], d[3], d[4]
	x, wt, r := randTensor(rng, n, dd, h, w, c), randTensor(rng, 27*c, cout), randTensor(rng, n*dd*h*w, cout)
	before := Fusions3D()
	compareRef(t, fmt.Sprintf("conv3d %v → %d", d, cout), func(x, wt, r *graph.Node) []*graph.Node {
		y := graph.Dot(graph.Reshape(im2col3D(x), -1, 27*c), wt)
		loss := graph.ReduceAllSum(graph.Mul(y, r))
		return append([]*graph.Node{y}, graph.Gradient(loss, x, wt)...)
	}, x, wt, r)
	after := Fusions3D()
	if after.Conv == before.Conv || after.WeightGrad == before.WeightGrad || after.InputGradDirect == before.InputGradDirect ||
		after.InputGradInterior == before.InputGradInterior {
		t.Errorf("conv3d %v → %d: fusions %+v -> %+v, want the forward product, weight and direct input gradient (its interior) fused", d, cout, before, after)
	}
}

// TestFuseConv3DGather checks the input gradient of the 27 slices when the
// patch-matrix gradient is not a product with weights (here a given tensor):
// the 27 Pads are summed by one gather node, equal to the reference.
func TestFuseConv3DGather(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for _, d := range [][5]int{{1, 3, 5, 7, 3}, {2, 2, 2, 2, 1}} {
		n, dd, h, w, c := d[0], d[1], d[2], d[3], d[4]
		x, r := randTensor(rng, n, dd, h, w, c), randTensor(rng, n, dd, h, w, 27*c)
		before := Fusions3D()
		compareRef(t, fmt.Sprintf("gather %v", d), func(x, r *graph.Node) []*graph.Node {
			loss := graph.ReduceAllSum(graph.Mul(im2col3D(x), r))
			return graph.Gradient(loss, x)
		}, x, r)
		if after := Fusions3D(); after.InputGrad == before.InputGrad || after.InputGradDirect != before.InputGradDirect {
			t.Errorf("gather %v: fusions %+v -> %+v, want one (non-direct) input gradient", d, before, after)
		}
	}
}

// TestConv3DDeterministic checks that the fused 3×3×3 convolution's forward
// product, weight gradient and input gradient are bit-identical on 1, 2 and 3
// cores (GOMAXPROCS) and from run to run: the weight gradient's partial sums
// follow the shape (wgradParts3D), never the thread count. The shapes split
// the weight gradient into two sums and have wide and narrow rows, 1 to 128
// channels.
func TestConv3DDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	for _, s := range [][6]int{{2, 8, 16, 16, 8, 16}, {1, 4, 8, 64, 3, 8}, {1, 5, 7, 9, 1, 8}} {
		n, d, h, w, c, cout := s[0], s[1], s[2], s[3], s[4], s[5]
		x, wt, r := randTensor(rng, n, d, h, w, c), randTensor(rng, 27*c, cout), randTensor(rng, n*d*h*w, cout)
		exec := graph.MustNewExec(backend, func(x, wt, r *graph.Node) []*graph.Node {
			y := graph.Dot(graph.Reshape(im2col3D(x), -1, 27*c), wt)
			loss := graph.ReduceAllSum(graph.Mul(y, r))
			return append([]*graph.Node{y}, graph.Gradient(loss, x, wt)...)
		})
		procs := runtime.GOMAXPROCS(0)
		var ref []*tensors.Tensor
		for run, p := range []int{1, 2, 3, 2} {
			runtime.GOMAXPROCS(p)
			out := exec.MustExec(x, wt, r)
			runtime.GOMAXPROCS(procs)
			if run == 0 {
				ref = out
				continue
			}
			for k := range out {
				if !bitEqual(out[k], ref[k]) {
					t.Fatalf("%v: output %d (forward, input gradient, weight gradient) on %d cores differs from 1 core", s, k, p)
				}
			}
		}
	}
}
