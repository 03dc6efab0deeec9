package simplego

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// The fork's fast paths are checked against the "reference" configuration
// (upstream simplego v0.26.0 kernels) on random inputs.

var refBackend backends.Backend

func referenceBackend(t *testing.T) backends.Backend {
	t.Helper()
	if refBackend == nil {
		var err error
		if refBackend, err = New("reference"); err != nil {
			t.Fatal(err)
		}
	}
	return refBackend
}

func randTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}

// cloneArgs returns local clones of tensorsIn as Exec arguments (an Exec may
// donate its inputs, so each run gets its own copies).
func cloneArgs(t *testing.T, tensorsIn []*tensors.Tensor) []any {
	t.Helper()
	out := make([]any, len(tensorsIn))
	for i, x := range tensorsIn {
		c, err := x.LocalClone()
		if err != nil {
			t.Fatal(err)
		}
		out[i] = c
	}
	return out
}

// execFastAndRef runs fn on the fork (fast paths) and on the reference
// configuration, each on its own clones of tensorsIn, and returns both outputs.
func execFastAndRef(t *testing.T, name string, fn any, tensorsIn ...*tensors.Tensor) (got, want []*tensors.Tensor) {
	t.Helper()
	fast, err := graph.NewExecAny(backend, fn)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := graph.NewExecAny(referenceBackend(t), fn)
	if err != nil {
		t.Fatal(err)
	}
	if got, err = fast.Exec(cloneArgs(t, tensorsIn)...); err != nil {
		t.Fatalf("%s: fast: %+v", name, err)
	}
	if want, err = ref.Exec(cloneArgs(t, tensorsIn)...); err != nil {
		t.Fatalf("%s: reference: %+v", name, err)
	}
	return got, want
}

// compareRef runs fn on the fork (fast paths) and on the reference and checks
// every output agrees to float32 tolerance (relative to the output's scale).
func compareRef(t *testing.T, name string, fn any, tensorsIn ...*tensors.Tensor) {
	t.Helper()
	got, want := execFastAndRef(t, name, fn, tensorsIn...)
	for i := range want {
		if !got[i].Shape().Equal(want[i].Shape()) {
			t.Fatalf("%s: output %d: shape %s, want %s", name, i, got[i].Shape(), want[i].Shape())
		}
		g, w := flatFloat64(got[i]), flatFloat64(want[i])
		scale := 1e-6
		for _, x := range w {
			scale = max(scale, math.Abs(x))
		}
		for j := range w {
			if d := math.Abs(g[j] - w[j]); d > 1e-4*scale || math.IsNaN(g[j]) != math.IsNaN(w[j]) {
				t.Fatalf("%s: output %d (%s) element %d: got %g, want %g (scale %g)", name, i, want[i].Shape(), j, g[j], w[j], scale)
			}
		}
	}
}

func flatFloat64(t *tensors.Tensor) []float64 {
	var out []float64
	tensors.MustConstFlatData(t, func(flat []float32) {
		out = make([]float64, len(flat))
		for i, x := range flat {
			out[i] = float64(x)
		}
	})
	return out
}

func TestFastDotGeneral(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type tc struct {
		lDims, lC, lB, rDims, rC, rB []int
	}
	cases := []tc{
		{[]int{7, 13}, []int{1}, nil, []int{13, 5}, []int{0}, nil},                           // plain
		{[]int{13, 7}, []int{0}, nil, []int{13, 5}, []int{0}, nil},                           // lhs transposed
		{[]int{7, 13}, []int{1}, nil, []int{5, 13}, []int{1}, nil},                           // rhs transposed
		{[]int{13, 7}, []int{0}, nil, []int{5, 13}, []int{1}, nil},                           // both
		{[]int{3, 7, 13}, []int{2}, []int{0}, []int{3, 13, 9}, []int{1}, []int{0}},           // batched
		{[]int{7, 3, 13}, []int{2}, []int{1}, []int{13, 3, 9}, []int{0}, []int{1}},           // batch not outermost
		{[]int{2, 3, 1, 5}, []int{1}, []int{3, 0}, []int{5, 3, 2, 4}, []int{1}, []int{0, 2}}, // upstream test
		{[]int{4, 5, 6, 7}, []int{1, 2}, nil, []int{6, 5, 3}, []int{1, 0}, nil},              // two contracting, crossed order
		{[]int{1, 9, 1, 11}, []int{3}, nil, []int{11, 1, 3}, []int{0}, nil},                  // size-1 axes
		{[]int{300, 72}, []int{1}, nil, []int{72, 9}, []int{0}, nil},                         // im2col-like, odd channels
		{[]int{300, 9}, []int{0}, nil, []int{300, 72}, []int{0}, nil},                        // weight gradient
	}
	for i, c := range cases {
		lhs, rhs := randTensor(rng, c.lDims...), randTensor(rng, c.rDims...)
		compareRef(t, fmt.Sprintf("case %d", i), func(l, r *graph.Node) *graph.Node {
			return graph.DotGeneral(l, c.lC, c.lB, r, c.rC, c.rB)
		}, lhs, rhs)
	}
}

// TestFuseMulReduceSum checks the gradient of matrix products (which GoMLX
// builds as ReduceSum(Mul(broadcast, broadcast))) and hand-written patterns.
func TestFuseMulReduceSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, dims := range [][3]int{{1, 7, 3}, {37, 9, 5}, {300, 72, 8}, {10, 13, 1}} {
		n, k, m := dims[0], dims[1], dims[2]
		x, w, r := randTensor(rng, n, k), randTensor(rng, k, m), randTensor(rng, n, m)
		compareRef(t, fmt.Sprintf("grad %v", dims), func(x, w, r *graph.Node) []*graph.Node {
			y := graph.Dot(x, w)
			loss := graph.ReduceAllSum(graph.Mul(y, r))
			return append([]*graph.Node{y}, graph.Gradient(loss, x, w)...)
		}, x, w, r)
	}
	// Batched matmul gradient.
	a, b, r := randTensor(rng, 3, 5, 7), randTensor(rng, 3, 7, 4), randTensor(rng, 3, 5, 4)
	compareRef(t, "batched grad", func(a, b, r *graph.Node) []*graph.Node {
		y := graph.DotGeneral(a, []int{2}, []int{0}, b, []int{1}, []int{0})
		return graph.Gradient(graph.ReduceAllSum(graph.Mul(y, r)), a, b)
	}, a, b, r)
	// Direct patterns: outer-product sums with transposed output, sums over several axes.
	p, q := randTensor(rng, 6, 1, 5), randTensor(rng, 1, 4, 5)
	compareRef(t, "pattern", func(p, q *graph.Node) []*graph.Node {
		return []*graph.Node{
			graph.ReduceSum(graph.Mul(p, q), 2),
			graph.ReduceSum(graph.Mul(q, p), 2),
			graph.ReduceSum(graph.Mul(p, q), 0, 2),
			graph.ReduceSum(graph.Mul(p, q), 1), // not a product sum: falls back
			graph.ReduceAllSum(graph.Mul(p, q)),
		}
	}, p, q)
}

func TestFastElementwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	type pair struct{ a, b []int }
	pairs := []pair{
		{[]int{3, 5, 7, 9}, []int{3, 5, 7, 9}},
		{[]int{3, 5, 7, 9}, []int{1, 1, 1, 9}},
		{[]int{1, 1, 1, 9}, []int{3, 5, 7, 9}},
		{[]int{3, 5, 7, 9}, []int{3, 5, 7, 1}},
		{[]int{3, 5, 7, 9}, []int{3, 1, 1, 1}},
		{[]int{3, 5, 7, 9}, []int{1, 5, 1, 9}},
		{[]int{1, 5, 1, 9}, []int{3, 1, 7, 1}},
		{[]int{10, 64, 64, 3}, []int{1, 1, 1, 3}}, // large: parallel
		{[]int{10, 64, 64, 3}, []int{10, 64, 64, 1}},
		{[]int{10, 64, 64, 3}, []int{10, 64, 64, 3}}, // one long row: split over the cores
		{[]int{10, 64, 64, 3}, []int{1, 1, 1, 1}},
		{[]int{1, 1}, []int{4, 6}},
	}
	for i, pr := range pairs {
		a, b := randTensor(rng, pr.a...), randTensor(rng, pr.b...)
		compareRef(t, fmt.Sprintf("binary %v %v", pr.a, pr.b), func(a, b *graph.Node) []*graph.Node {
			return []*graph.Node{graph.Add(a, b), graph.Sub(a, b), graph.Mul(a, b), graph.Div(a, b),
				graph.Max(a, b), graph.Min(a, b), graph.Sign(graph.Sub(a, b))}
		}, a, b)
		_ = i
	}
	s := randTensor(rng, 4, 6)
	compareRef(t, "scalar", func(a *graph.Node) []*graph.Node {
		c := graph.Scalar(a.Graph(), a.DType(), 1.5)
		return []*graph.Node{graph.Sub(c, a), graph.Div(a, c), graph.Max(a, c)}
	}, s)
	// ReLU as package unet writes it (Max with ZerosLike: a broadcast scalar)
	// and its gradient, with exact zeros and a -0 among the inputs.
	x, v := randTensor(rng, 10, 16, 16, 8), randTensor(rng, 10, 16, 16, 8)
	tensors.MustMutableFlatData(x, func(flat []float32) {
		flat[0], flat[1], flat[2] = 0, float32(math.Copysign(0, -1)), float32(math.Inf(1))
	})
	beforeRelu := reluGradCount.Load()
	compareRef(t, "relu", func(x, v *graph.Node) []*graph.Node {
		y := graph.Max(x, graph.ZerosLike(x))
		return []*graph.Node{y, graph.Gradient(graph.ReduceAllSum(graph.Mul(y, v)), x)[0]}
	}, x, v)
	if reluGradCount.Load() == beforeRelu {
		t.Error("relu: the gradient of Max was not fused")
	}
}

func TestFastReduce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, dims := range [][]int{{3, 5, 7, 9}, {1, 5, 1, 3}, {10, 64, 64, 5}, {10, 32, 2, 32, 2, 3}, {7}} {
		x := randTensor(rng, dims...)
		r := len(dims)
		compareRef(t, fmt.Sprintf("reduce %v", dims), func(x *graph.Node) []*graph.Node {
			var out []*graph.Node
			axesList := [][]int{{0}, {r - 1}}
			if r > 1 {
				axesList = append(axesList, xsAxes(r-1), []int{1})
			}
			if r == 6 {
				axesList = append(axesList, []int{2, 4})
			}
			for _, axes := range axesList {
				out = append(out, graph.ReduceSum(x, axes...), graph.ReduceMax(x, axes...), graph.ReduceMin(x, axes...))
			}
			return append(out, graph.ReduceAllSum(x))
		}, x)
	}
}

func xsAxes(n int) []int {
	a := make([]int, n)
	for i := range a {
		a[i] = i
	}
	return a
}

func TestFastDataMovement(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	x := randTensor(rng, 3, 10, 12, 5)
	big := randTensor(rng, 10, 66, 66, 3)
	compareRef(t, "slice/transpose/broadcast/concat", func(x, big *graph.Node) []*graph.Node {
		return []*graph.Node{
			graph.Slice(x, graph.AxisRange(), graph.AxisRange(1, 9), graph.AxisRange(2, 12), graph.AxisRange(1, 4)),
			graph.Slice(x, graph.AxisRange(), graph.AxisRange(0, 10).Stride(3), graph.AxisRange(), graph.AxisRange(0, 5).Stride(2)),
			graph.Slice(big, graph.AxisRange(), graph.AxisRange(1, 65), graph.AxisRange(2, 66), graph.AxisRange()),
			graph.TransposeAllAxes(x, 3, 1, 2, 0),
			graph.TransposeAllAxes(x, 0, 2, 1, 3),
			graph.TransposeAllAxes(x, 1, 0, 2, 3),
			graph.TransposeAllAxes(big, 3, 0, 1, 2),
			graph.BroadcastToDims(graph.Reshape(graph.ReduceSum(x, 1, 2), 3, 1, 1, 5), 3, 10, 12, 5),
			graph.BroadcastToDims(graph.Reshape(graph.ReduceSum(x, 0, 1, 2), 1, 1, 5), 2, 7, 5),
			graph.Concatenate([]*graph.Node{x, x, x}, 3),
			graph.Concatenate([]*graph.Node{x, graph.Slice(x, graph.AxisRange(), graph.AxisRange(0, 3))}, 1),
			graph.Concatenate([]*graph.Node{big, big}, 0),
		}
	}, x, big)
}

func TestPadReverse(t *testing.T) {
	x := tensors.FromValue([][]float32{{1, 2, 3}, {4, 5, 6}})
	got := graph.MustExecOnce(backend, func(x *graph.Node) *graph.Node {
		return graph.Reverse(x, 1)
	}, x)
	if want := [][]float32{{3, 2, 1}, {6, 5, 4}}; !slices2DEqual(got.Value().([][]float32), want) {
		t.Errorf("Reverse: got %v, want %v", got.Value(), want)
	}
	got = graph.MustExecOnce(backend, func(x *graph.Node) *graph.Node {
		return graph.Reverse(x, 0, 1)
	}, x)
	if want := [][]float32{{6, 5, 4}, {3, 2, 1}}; !slices2DEqual(got.Value().([][]float32), want) {
		t.Errorf("Reverse both: got %v, want %v", got.Value(), want)
	}
	for _, tc := range []struct {
		cfg  []backends.PadAxis
		want [][]float32
	}{
		{[]backends.PadAxis{{Start: 1, End: 0}, {Start: 0, End: 2}}, [][]float32{{9, 9, 9, 9, 9}, {1, 2, 3, 9, 9}, {4, 5, 6, 9, 9}}},
		{[]backends.PadAxis{{}, {Start: -1, End: 1, Interior: 1}}, [][]float32{{9, 2, 9, 3, 9}, {9, 5, 9, 6, 9}}},
		{[]backends.PadAxis{{Start: 0, End: -1}, {Start: 1, End: -2, Interior: 2}}, [][]float32{{9, 1, 9, 9, 2, 9}}},
		{[]backends.PadAxis{{Interior: 1}}, [][]float32{{1, 2, 3}, {9, 9, 9}, {4, 5, 6}}},
	} {
		got := graph.MustExecOnce(backend, func(x *graph.Node) *graph.Node {
			return graph.Pad(x, graph.Scalar(x.Graph(), x.DType(), 9), tc.cfg...)
		}, x)
		if !slices2DEqual(got.Value().([][]float32), tc.want) {
			t.Errorf("Pad %+v: got %v, want %v", tc.cfg, got.Value(), tc.want)
		}
	}
	xi := tensors.FromValue([][]int32{{1, 2}, {3, 4}})
	gi := graph.MustExecOnce(backend, func(x *graph.Node) *graph.Node {
		return graph.Pad(graph.Reverse(x, 0), graph.Scalar(x.Graph(), x.DType(), 0), backends.PadAxis{Start: 1})
	}, xi)
	if want := [][]int32{{0, 0}, {3, 4}, {1, 2}}; fmt.Sprint(gi.Value()) != fmt.Sprint(want) {
		t.Errorf("int32 Pad(Reverse): got %v, want %v", gi.Value(), want)
	}
}

func slices2DEqual(a, b [][]float32) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// TestConcatenateViews checks im2col-style concatenations of slices, reversed
// and broadcast views against the reference.
func TestConcatenateViews(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	x := randTensor(rng, 2, 7, 6, 3)
	compareRef(t, "im2col", func(x *graph.Node) []*graph.Node {
		p := graph.Concatenate([]*graph.Node{graph.ZerosLike(graph.Slice(x, graph.AxisRange(), graph.AxisRange(0, 1))), x,
			graph.ZerosLike(graph.Slice(x, graph.AxisRange(), graph.AxisRange(0, 1)))}, 1)
		var parts []*graph.Node
		for dy := range 3 {
			parts = append(parts, graph.Slice(p, graph.AxisRange(), graph.AxisRange(dy, dy+7)))
		}
		parts = append(parts, graph.Reverse(x, 2), graph.BroadcastToDims(graph.Slice(x, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(), graph.AxisRange(0, 1)), 2, 7, 6, 3))
		zero := graph.Scalar(x.Graph(), x.DType(), 0)
		return []*graph.Node{graph.Concatenate(parts, 3), graph.Concatenate(parts[:3], 0),
			graph.Pad(parts[1], zero, backends.PadAxis{}, backends.PadAxis{Start: 1, End: 1}, backends.PadAxis{Start: 2, End: -1}),
			graph.Pad(parts[3], zero, backends.PadAxis{Start: 1}, backends.PadAxis{}, backends.PadAxis{Interior: 1})}
	}, x)
}

// TestFuseConv3x3 checks the im2col convolution written as package unet does
// (zero rows/columns, 9 slices, Concatenate, Reshape, Dot) is fused into
// gemm.Conv3x3, forward and gradients (the input gradient as a convolution of
// the output gradient, fuse_convgrad.go), against the reference.
func TestFuseConv3x3(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, d := range [][4]int{{1, 5, 7, 3}, {2, 8, 8, 9}, {3, 6, 4, 1}} {
		n, h, w, c := d[0], d[1], d[2], d[3]
		cout := 5
		x, wt, r := randTensor(rng, n, h, w, c), randTensor(rng, 9*c, cout), randTensor(rng, n*h*w, cout)
		before, beforeCol2Im, beforeWG := fusionCounts.conv3x3.Load(), fusionCounts.col2im.Load(), fusionCounts.convWeightGrad.Load()
		beforeIG := convInputGradCount.Load()
		compareRef(t, fmt.Sprintf("conv %v", d), func(x, wt, r *graph.Node) []*graph.Node {
			y := graph.Reshape(im2colConvGraph(x, wt), -1, cout)
			loss := graph.ReduceAllSum(graph.Mul(y, r))
			return append([]*graph.Node{y}, graph.Gradient(loss, x, wt)...)
		}, x, wt, r)
		if fusionCounts.conv3x3.Load() == before {
			t.Errorf("conv %v: im2col convolution was not fused", d)
		}
		if fusionCounts.convWeightGrad.Load() == beforeWG {
			t.Errorf("conv %v: weight gradient was not fused", d)
		}
		if fusionCounts.col2im.Load() == beforeCol2Im {
			t.Errorf("conv %v: im2col gradient was not fused into col2im", d)
		}
		if convInputGradCount.Load() == beforeIG {
			t.Errorf("conv %v: interior of the col2im was not fused into a convolution of the output gradient", d)
		}
	}
}

func TestCol2ImPadded(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	be := backend.(*Backend)
	for _, d := range []col2imData{{2, 5, 4, 3}, {1, 1, 1, 8}, {3, 6, 7, 16}} {
		n, h, w, c := d.n, d.h, d.w, d.c
		src := be.getBufferForShape(shapes.Make(dtypes.Float32, n, h, w, 9*c))
		D := src.flat.([]float32)
		for i := range D {
			D[i] = float32(rng.NormFloat64())
		}
		out := be.getBufferForShape(shapes.Make(dtypes.Float32, n, h+2, w+2, c))
		if _, err := execCol2Im(be, out, src, &d); err != nil {
			t.Fatal(err)
		}
		o := out.flat.([]float32)
		for b := range n {
			for yp := range h + 2 {
				for xp := range w + 2 {
					for ch := range c {
						var want float32
						for dy := range 3 {
							for dx := range 3 {
								y, x := yp-dy, xp-dx
								if y >= 0 && y < h && x >= 0 && x < w {
									want += D[((b*h+y)*w+x)*9*c+(3*dy+dx)*c+ch]
								}
							}
						}
						got := o[((b*(h+2)+yp)*(w+2)+xp)*c+ch]
						if diff := got - want; diff > 1e-5 || diff < -1e-5 {
							t.Fatalf("%+v at (%d,%d,%d,%d): got %g, want %g", d, b, yp, xp, ch, got, want)
						}
					}
				}
			}
		}
	}
}

// TestReluGradBitExact checks the fused gradient of Max(x, 0)
// (fuse_relugrad.go) is bit-identical to the same gradient computed op by op
// on the fork (the zeros passed as a parameter, so the fusion does not match),
// special values included.
func TestReluGradBitExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	x, v := randTensor(rng, 7, 9, 11, 5), randTensor(rng, 7, 9, 11, 5)
	specials := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1e-45, -1e-45}
	tensors.MustMutableFlatData(x, func(flat []float32) {
		for i, s := range specials {
			flat[i] = float32(s)
		}
	})
	tensors.MustMutableFlatData(v, func(flat []float32) {
		flat[len(specials)] = float32(math.NaN())
		flat[len(specials)+1] = float32(math.Inf(-1))
	})
	grad := func(x, v, z *graph.Node) *graph.Node {
		return graph.Gradient(graph.ReduceAllSum(graph.Mul(graph.Max(x, z), v)), x)[0]
	}
	// c = 0 is a ReLU (reluIndicator), c = 0.5 the general two-Sign mask.
	for _, c := range []float32{0, 0.5} {
		filled := tensors.FromShape(x.Shape())
		tensors.MustMutableFlatData(filled, func(flat []float32) {
			for i := range flat {
				flat[i] = c
			}
		})
		before := reluGradCount.Load()
		fused := graph.MustNewExec(backend, func(x, v *graph.Node) *graph.Node {
			return grad(x, v, graph.BroadcastToShape(graph.Scalar(x.Graph(), x.DType(), c), x.Shape()))
		}).MustExec1(x, v)
		if reluGradCount.Load() == before {
			t.Fatalf("c=%g: the gradient of Max(x, c) was not fused", c)
		}
		mid := reluGradCount.Load()
		plain := graph.MustNewExec(backend, grad).MustExec1(x, v, filled)
		if reluGradCount.Load() != mid {
			t.Fatalf("c=%g: the gradient of Max(x, z) with a parameter z was fused", c)
		}
		tensors.MustConstFlatData(fused, func(f []float32) {
			tensors.MustConstFlatData(plain, func(p []float32) {
				for i := range p {
					if math.Float32bits(f[i]) != math.Float32bits(p[i]) {
						t.Fatalf("c=%g element %d: fused %g (%#x), op by op %g (%#x)", c, i, f[i], math.Float32bits(f[i]), p[i], math.Float32bits(p[i]))
					}
				}
			})
		})
	}
}

// TestAffineReluBitExact checks batch normalisation's affine map followed by
// a ReLU, Max(Add(Mul(x, s), t), 0) with per-channel s and t, fused forward
// (fuse_bnrelu.go) and backward (fuse_relugrad.go), is bit-identical to the
// op-by-op fork (zeros passed as a parameter, so neither fusion matches):
// output and the gradients with respect to x and s. The gradient with respect
// to t sums the ReLU gradient: op by op that sum is a fused ReduceSum(Mul)
// dot (fuse_mulreduce.go), fused a plain ReduceSum, so it is compared to
// float32 tolerance.
func TestAffineReluBitExact(t *testing.T) {
	for _, c := range []int{6, 16} { // 16: the AVX2 kernels' case (fuse_simd.go)
		testAffineReluBitExact(t, c)
	}
}

func testAffineReluBitExact(t *testing.T, c int) {
	rng := rand.New(rand.NewPCG(23, 24))
	x, v := randTensor(rng, 4, 5, 7, c), randTensor(rng, 4, 5, 7, c)
	s, sh := randTensor(rng, c), randTensor(rng, c)
	specials := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1e-45}
	tensors.MustMutableFlatData(x, func(flat []float32) {
		for i, sp := range specials {
			flat[i] = float32(sp)
		}
	})
	tensors.MustMutableFlatData(sh, func(flat []float32) { flat[1] = 0 })
	fn := func(x, v, s, sh, z *graph.Node) []*graph.Node {
		perCh := func(n *graph.Node) *graph.Node { return graph.Reshape(n, 1, 1, 1, c) }
		y := graph.Max(graph.Add(graph.Mul(x, perCh(s)), perCh(sh)), z)
		return append([]*graph.Node{y}, graph.Gradient(graph.ReduceAllSum(graph.Mul(y, v)), x, s, sh)...)
	}
	beforeMax, beforeGrad := affineMaxCount.Load(), reluGradCount.Load()
	fused := graph.MustNewExec(backend, func(x, v, s, sh *graph.Node) []*graph.Node {
		return fn(x, v, s, sh, graph.ZerosLike(x))
	}).MustExec(x, v, s, sh)
	if affineMaxCount.Load() == beforeMax || reluGradCount.Load() == beforeGrad {
		t.Fatal("the affine map and ReLU (forward or gradient) were not fused")
	}
	plain := graph.MustNewExec(backend, fn).MustExec(x, v, s, sh, tensors.FromShape(x.Shape()))
	for k := range plain {
		tensors.MustConstFlatData(fused[k], func(f []float32) {
			tensors.MustConstFlatData(plain[k], func(p []float32) {
				for i := range p {
					same := math.Float32bits(f[i]) == math.Float32bits(p[i])
					if k == 3 {
						same = math.Abs(float64(f[i]-p[i])) <= 1e-5*math.Abs(float64(p[i]))
					}
					if !same {
						t.Fatalf("output %d element %d: fused %g (%#x), op by op %g (%#x)", k, i, f[i], math.Float32bits(f[i]), p[i], math.Float32bits(p[i]))
					}
				}
			})
		})
	}
}
