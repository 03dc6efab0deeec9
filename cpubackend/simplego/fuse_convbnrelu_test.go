package simplego

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/cpubackend/gemm"
)

// im2colConvGraph writes a 3×3 convolution of x [n,h,w,c] with weights wt
// [9·c, cout] as package unet does (zero rows and columns, 9 slices,
// Concatenate, Reshape, Dot, Reshape back to [n,h,w,cout]).
func im2colConvGraph(x, wt *graph.Node) *graph.Node {
	d := x.Shape().Dimensions
	n, h, w, c := d[0], d[1], d[2], d[3]
	g := x.Graph()
	zr := graph.Zeros(g, shapes.Make(x.DType(), n, 1, w, c))
	p := graph.Concatenate([]*graph.Node{zr, x, zr}, 1)
	zc := graph.Zeros(g, shapes.Make(x.DType(), n, h+2, 1, c))
	p = graph.Concatenate([]*graph.Node{zc, p, zc}, 2)
	var parts []*graph.Node
	for dy := range 3 {
		for dx := range 3 {
			parts = append(parts, graph.Slice(p, graph.AxisRange(), graph.AxisRange(dy, dy+h), graph.AxisRange(dx, dx+w), graph.AxisRange()))
		}
	}
	y := graph.Dot(graph.Reshape(graph.Concatenate(parts, -1), -1, 9*c), wt)
	return graph.Reshape(y, n, h, w, wt.Shape().Dimensions[1])
}

// TestConvAffineMaxBitExact checks the convolution+BatchNorm+ReLU epilogue
// fusion (fuse_convbnrelu.go): it fires when the convolution feeds only the
// affine map, and its output is bit-identical to the unfused fork's (the
// same graph with a second user of the convolution, so the convolution and
// the affine+ReLU pass run as two nodes), and within float32 tolerance of the
// reference kernels (compareRef: the convolution's sums run in another
// order). Shapes cover both gemm.Conv3x3 layouts (w ≥ 32 and narrower), the
// AVX2 affine kernel's channel counts (multiples of 8) and the Go loop's.
// Where gemm.WinogradWins (the last two shapes), the fused node runs
// Winograd's F(2×2, 3×3), which rounds differently from the direct
// convolution: there only compareRef's tolerance applies to the fused output.
func TestConvAffineMaxBitExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, d := range [][5]int{{2, 5, 7, 3, 5}, {2, 8, 8, 9, 16}, {1, 6, 40, 4, 8}, {2, 3, 33, 8, 13}, {2, 16, 16, 16, 16}, {1, 10, 40, 8, 8}} {
		n, h, w, c, cout := d[0], d[1], d[2], d[3], d[4]
		direct := !gemm.WinogradWins(n, h, w, c, cout)
		x, wt := randTensor(rng, n, h, w, c), randTensor(rng, 9*c, cout)
		s, sh := randTensor(rng, cout), randTensor(rng, cout)
		// layer returns the layer's output, and Neg(conv) (a second user
		// of the convolution, built before the affine map) when withNeg.
		layer := func(x, wt, s, sh *graph.Node, withNeg bool) (neg, out *graph.Node) {
			perCh := func(v *graph.Node) *graph.Node { return graph.Reshape(v, 1, 1, 1, cout) }
			conv := im2colConvGraph(x, wt)
			if withNeg {
				neg = graph.Neg(conv)
			}
			return neg, graph.Max(graph.Add(graph.Mul(conv, perCh(s)), perCh(sh)), graph.ZerosLike(conv))
		}
		before := convAffineMaxCount.Load()
		fusedFn := func(x, wt, s, sh *graph.Node) []*graph.Node {
			_, out := layer(x, wt, s, sh, false)
			return []*graph.Node{out}
		}
		fused := graph.MustNewExec(backend, fusedFn).MustExec(x, wt, s, sh)
		if convAffineMaxCount.Load() == before {
			t.Fatalf("%v: convolution and BatchNorm+ReLU were not fused", d)
		}
		before = convAffineMaxCount.Load()
		plain := graph.MustNewExec(backend, func(x, wt, s, sh *graph.Node) []*graph.Node {
			neg, out := layer(x, wt, s, sh, true)
			return []*graph.Node{out, neg}
		}).MustExec(x, wt, s, sh)
		if convAffineMaxCount.Load() != before {
			t.Fatalf("%v: fused although the convolution has another user", d)
		}
		if direct {
			sameTensorBits(t, fmt.Sprint(d), fused[0], plain[0])
		}
		// A user of the convolution built after the Max: fused at build
		// time, turned back at Compile (the count returns).
		late := graph.MustNewExec(backend, func(x, wt, s, sh *graph.Node) []*graph.Node {
			_, out := layer(x, wt, s, sh, false)
			conv := out.Inputs()[0].Inputs()[0].Inputs()[0] // Max(Add(Mul(conv, ·), ·), ·)
			return []*graph.Node{out, graph.Neg(conv)}
		}).MustExec(x, wt, s, sh)
		if convAffineMaxCount.Load() != before {
			t.Fatalf("%v: fused node kept although the convolution has a later user", d)
		}
		sameTensorBits(t, fmt.Sprint(d, " late user"), late[0], plain[0])
		sameTensorBits(t, fmt.Sprint(d, " late user's Neg"), late[1], plain[1])
		compareRef(t, fmt.Sprint(d), fusedFn, x, wt, s, sh)
	}
}

// sameTensorBits fails t unless the float32 tensors got and want agree bit
// for bit ([sameBits] on their flat data).
func sameTensorBits(t *testing.T, name string, got, want *tensors.Tensor) {
	t.Helper()
	tensors.MustConstFlatData(got, func(g []float32) {
		tensors.MustConstFlatData(want, func(w []float32) {
			sameBits(t, name, g, w)
		})
	})
}
