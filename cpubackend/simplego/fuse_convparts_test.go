package simplego

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/cpubackend/gemm"
)

// TestConvConcatParts checks the convolution of a skip connection's channel
// Concatenate read from its operands (fuse_convparts.go): it fires, with and
// without the BatchNorm+ReLU epilogue, also when the second operand is a
// Reshape (the up-sampling's depth-to-space), and its output is bit-identical
// to the same convolution of the concatenation passed in as a parameter
// (computed by the plain fused convolution: Winograd, with the epilogue,
// where gemm.WinogradWins, as the parts node — checked against the direct
// convolution). Shapes cover both gemm.Conv3x3 layouts (w ≥ 32 and
// narrower) and Winograd.
func TestConvConcatParts(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 72))
	for _, d := range [][6]int{{2, 8, 8, 8, 8, 8}, {1, 6, 40, 4, 5, 8}, {2, 3, 33, 3, 8, 13}, {2, 16, 16, 16, 16, 16}} {
		n, h, w, ca, cb, cout := d[0], d[1], d[2], d[3], d[4], d[5]
		a, b := randTensor(rng, n, h, w, ca), randTensor(rng, n, h, w*cb)
		wt, s, sh := randTensor(rng, 9*(ca+cb), cout), randTensor(rng, cout), randTensor(rng, cout)
		layer := func(x, wt, s, sh *graph.Node) []*graph.Node {
			perCh := func(v *graph.Node) *graph.Node { return graph.Reshape(v, 1, 1, 1, cout) }
			conv := im2colConvGraph(x, wt)
			return []*graph.Node{graph.Max(graph.Add(graph.Mul(conv, perCh(s)), perCh(sh)), graph.ZerosLike(conv))}
		}
		concat := func(a, b *graph.Node) *graph.Node {
			return graph.Concatenate([]*graph.Node{a, graph.Reshape(b, n, h, w, cb)}, -1)
		}
		x := graph.MustNewExec(backend, concat).MustExec(a, b)[0]
		for _, epi := range []bool{false, true} {
			fn := func(x, wt, s, sh *graph.Node) []*graph.Node {
				if !epi {
					return []*graph.Node{im2colConvGraph(x, wt)}
				}
				return layer(x, wt, s, sh)
			}
			want := graph.MustNewExec(backend, fn).MustExec(x, wt, s, sh)[0]
			before := inferFusionCounts.concatConv.Load()
			partsFn := func(a, b, wt, s, sh *graph.Node) []*graph.Node { return fn(concat(a, b), wt, s, sh) }
			got := graph.MustNewExec(backend, partsFn).MustExec(a, b, wt, s, sh)[0]
			if inferFusionCounts.concatConv.Load() == before {
				t.Fatalf("%v epilogue=%v: the convolution did not read the Concatenate's operands", d, epi)
			}
			name := fmt.Sprint(d, " epilogue=", epi)
			sameTensorBits(t, name, got, want)
			if epi {
				winogradRan(t, name, got, graph.MustNewExec(backend, directConv(fn)).MustExec(x, wt, s, sh)[0], n, h, w, ca+cb, cout)
			}
			compareRef(t, name, partsFn, a, b, wt, s, sh)
		}
	}
}

// directConv returns fn with the convolution under its BatchNorm+ReLU (if
// any) as a second output, so that the graph runs the direct convolution
// and the affine+ReLU as two nodes (the fused node takes Winograd where
// gemm.WinogradWins).
func directConv(fn func(x, wt, s, sh *graph.Node) []*graph.Node) func(x, wt, s, sh *graph.Node) []*graph.Node {
	return func(x, wt, s, sh *graph.Node) []*graph.Node {
		out := fn(x, wt, s, sh)
		if out[0].Type() == graph.NodeTypeMax {
			conv := out[0].Inputs()[0].Inputs()[0].Inputs()[0] // Max(Add(Mul(conv, ·), ·), ·)
			out = append(out, graph.Neg(conv))
		}
		return out
	}
}

// winogradRan fails t if the fused parts convolution got (with its
// BatchNorm+ReLU epilogue, of [n, h, w, cin] → cout) should have taken
// Winograd (gemm.WinogradWins) but has the bits of the direct convolution
// direct, or should not have but differs from it.
func winogradRan(t *testing.T, name string, got, direct *tensors.Tensor, n, h, w, cin, cout int) {
	t.Helper()
	differ := false
	tensors.MustConstFlatData(got, func(g []float32) {
		tensors.MustConstFlatData(direct, func(d []float32) {
			for i := range d {
				differ = differ || math.Float32bits(g[i]) != math.Float32bits(d[i])
			}
		})
	})
	if wins := gemm.WinogradWins(n, h, w, cin, cout); differ != wins {
		t.Errorf("%s: WinogradWins=%v but the result differs from the direct convolution's: %v", name, wins, differ)
	}
}

// TestConvConcatPartsNotWhole checks that a Concatenate whose operand is
// read only in part (a Slice) is not read in place.
func TestConvConcatPartsNotWhole(t *testing.T) {
	rng := rand.New(rand.NewPCG(73, 74))
	a, b, wt := randTensor(rng, 1, 4, 4, 3), randTensor(rng, 1, 4, 4, 6), randTensor(rng, 9*6, 4)
	before := inferFusionCounts.concatConv.Load()
	fn := func(a, b, wt *graph.Node) *graph.Node {
		x := graph.Concatenate([]*graph.Node{a, graph.Slice(b, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(), graph.AxisRange(0, 3))}, -1)
		return im2colConvGraph(x, wt)
	}
	graph.MustNewExec(backend, fn).MustExec(a, b, wt)
	if inferFusionCounts.concatConv.Load() != before {
		t.Fatal("a Concatenate of a Slice was read in place")
	}
	compareRef(t, "slice", fn, a, b, wt)
}

// TestConvConcatPartsUp checks the up-sampled operand read through its
// depth-to-space (fuse_convparts.go): package unet's upsample2 (a per-pixel
// product to 4·c channels, a bias Add or none, Reshape, Transpose, Reshape)
// concatenated with a skip tensor; bit-identical to the convolution of the
// concatenation passed in as a parameter, on both gemm.Conv3x3 layouts and
// Winograd.
func TestConvConcatPartsUp(t *testing.T) {
	rng := rand.New(rand.NewPCG(75, 76))
	for _, d := range [][6]int{{2, 8, 8, 8, 8, 8}, {1, 6, 40, 4, 5, 8}, {2, 16, 16, 16, 16, 16}} {
		n, h, w, ca, cb, cout := d[0], d[1], d[2], d[3], d[4], d[5]
		k := 2 * cb
		a, u := randTensor(rng, n, h, w, ca), randTensor(rng, n, h/2, w/2, k)
		wu, bu := randTensor(rng, k, 4*cb), randTensor(rng, 4*cb)
		wt, s, sh := randTensor(rng, 9*(ca+cb), cout), randTensor(rng, cout), randTensor(rng, cout)
		for _, withBias := range []bool{false, true} {
			concat := func(a, u, wu, bu *graph.Node) *graph.Node {
				y := graph.Dot(graph.Reshape(u, -1, k), wu)
				if withBias {
					y = graph.Add(y, graph.InsertAxes(bu, 0))
				}
				y = graph.Reshape(graph.Reshape(y, n, h/2, w/2, 4*cb), n, h/2, w/2, 2, 2, cb)
				y = graph.Reshape(graph.TransposeAllAxes(y, 0, 1, 3, 2, 4, 5), n, h, w, cb)
				return graph.Concatenate([]*graph.Node{a, y}, -1)
			}
			x := graph.MustNewExec(backend, concat).MustExec(a, u, wu, bu)[0]
			layer := func(x, wt, s, sh *graph.Node) *graph.Node {
				perCh := func(v *graph.Node) *graph.Node { return graph.Reshape(v, 1, 1, 1, cout) }
				conv := im2colConvGraph(x, wt)
				return graph.Max(graph.Add(graph.Mul(conv, perCh(s)), perCh(sh)), graph.ZerosLike(conv))
			}
			layerFn := func(x, wt, s, sh *graph.Node) []*graph.Node { return []*graph.Node{layer(x, wt, s, sh)} }
			want := graph.MustNewExec(backend, layerFn).MustExec(x, wt, s, sh)[0]
			before := inferFusionCounts.upsample.Load()
			fn := func(in []*graph.Node) *graph.Node {
				return layer(concat(in[0], in[1], in[2], in[3]), in[4], in[5], in[6])
			}
			got := graph.MustNewExec(backend, fn).MustExec(a, u, wu, bu, wt, s, sh)[0]
			if inferFusionCounts.upsample.Load()-before != 1 {
				t.Fatalf("%v bias=%v: the up-sampled operand was not read through its depth-to-space", d, withBias)
			}
			name := fmt.Sprint(d, " bias=", withBias)
			sameTensorBits(t, name, got, want)
			winogradRan(t, name, got, graph.MustNewExec(backend, directConv(layerFn)).MustExec(x, wt, s, sh)[0], n, h, w, ca+cb, cout)
			compareRef(t, name, fn, a, u, wu, bu, wt, s, sh)
		}
	}
}

// TestConvConcatPartsLiveConcat checks that a convolution whose
// Concatenate is also read by another live node (as in training, by the
// weight gradient) reads the Concatenate itself (unfuseLiveConcatConvs:
// the count returns), with the same bits.
func TestConvConcatPartsLiveConcat(t *testing.T) {
	rng := rand.New(rand.NewPCG(77, 78))
	a, b, wt := randTensor(rng, 2, 8, 40, 4), randTensor(rng, 2, 8, 40, 6), randTensor(rng, 9*10, 8)
	want := graph.MustNewExec(backend, func(a, b, wt *graph.Node) *graph.Node {
		return im2colConvGraph(graph.Concatenate([]*graph.Node{a, b}, -1), wt)
	}).MustExec(a, b, wt)[0]
	before := inferFusionCounts.concatConv.Load()
	got := graph.MustNewExec(backend, func(a, b, wt *graph.Node) []*graph.Node {
		x := graph.Concatenate([]*graph.Node{a, b}, -1)
		return []*graph.Node{im2colConvGraph(x, wt), graph.ReduceAllSum(x)}
	}).MustExec(a, b, wt)
	if d := inferFusionCounts.concatConv.Load() - before; d != 0 {
		t.Errorf("%d convolutions read the operands of a live Concatenate, want 0", d)
	}
	sameTensorBits(t, "live concat", got[0], want)
}
