package simplego

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// chanShapes are the layouts the BatchNorm fusions are tested on: one and
// several channels, rows that do and do not fill whole blocks of
// chanBlockRows, 2D and 3D feature maps.
var chanShapes = [][]int{{3, 5, 1}, {300, 7}, {2, 9, 30, 16}, {2, 3, 4, 5, 8}, {4, 16, 16, 3}}

// TestChanReduce checks the fused per-channel sums (fuse_bn.go) — Σx,
// Σa·b and Σ(x − m)² over every axis but the last — against the reference
// kernels to float32 tolerance (the summation order differs), checks that each
// fusion fired, and that the result depends neither on the number of cores
// nor on the kernel path (bit-identical with GOMAXPROCS 1 and the Go loops,
// and GOMAXPROCS 2 and the AVX2 kernels where the CPU has them).
func TestChanReduce(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, dims := range append(chanShapes, []int{6, 40, 40, 8}) { // the last one is split over the cores
		r, c := len(dims), dims[len(dims)-1]
		axes := make([]int, r-1)
		ones := make([]int, r)
		for i := range axes {
			axes[i], ones[i] = i, 1
		}
		ones[r-1] = c
		fn := func(x, y, m *graph.Node) []*graph.Node {
			d := graph.Sub(x, graph.Reshape(m, ones...))
			return []*graph.Node{graph.ReduceSum(x, axes...), graph.ReduceSum(graph.Mul(x, y), axes...),
				graph.ReduceSum(graph.Square(d), axes...)}
		}
		x, y, m := randTensor(rng, dims...), randTensor(rng, dims...), randTensor(rng, c)
		before := Fusions()
		compareRef(t, fmt.Sprintf("chan reduce %v", dims), fn, x, y, m)
		after := Fusions()
		if after.ChanSum == before.ChanSum || after.ChanDot == before.ChanDot || after.ChanSumSq == before.ChanSumSq {
			t.Fatalf("%v: per-channel sums not fused (counts %+v -> %+v)", dims, before, after)
		}
		exec := graph.MustNewExec(backend, fn)
		procs := runtime.GOMAXPROCS(1)
		restore := forceSIMD(false)
		one := exec.MustExec(x, y, m)
		restore()
		runtime.GOMAXPROCS(max(procs, 2))
		two := exec.MustExec(x, y, m)
		runtime.GOMAXPROCS(procs)
		for k := range one {
			if !bitEqual(one[k], two[k]) {
				t.Fatalf("%v output %d: differs between 1 core with the Go loops and 2 cores with the AVX2 kernels", dims, k)
			}
		}
	}
}

// TestChanLinBitExact checks BatchNorm's fused gradient pass
// Add(Add(Mul(g, a), Mul(x, b)), c) with per-channel a, b, c (fuse_bn.go)
// bit-identical to the reference kernels' op-by-op evaluation, with g a
// parameter (output in a new buffer) and g computed in the graph (output in
// g's buffer), and that the fusion fired.
func TestChanLinBitExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	for _, dims := range chanShapes {
		r, c := len(dims), dims[len(dims)-1]
		pc := func(v *graph.Node) *graph.Node {
			ones := make([]int, r)
			for i := range ones {
				ones[i] = 1
			}
			ones[r-1] = c
			return graph.Reshape(v, ones...)
		}
		lin := func(g, x, a, b, cc *graph.Node) *graph.Node {
			return graph.Add(graph.Add(graph.Mul(g, pc(a)), graph.Mul(x, pc(b))), pc(cc))
		}
		fn := func(g, x, a, b, cc *graph.Node) []*graph.Node {
			return []*graph.Node{lin(g, x, a, b, cc), lin(graph.MulScalar(g, 3), x, a, b, cc)}
		}
		in := []*tensors.Tensor{randTensor(rng, dims...), randTensor(rng, dims...), randTensor(rng, c), randTensor(rng, c), randTensor(rng, c)}
		args := func() []any { return cloneArgs(t, in) }
		before := Fusions().ChanLin
		got := graph.MustNewExecAny(backend, fn).MustExec(args()...)
		if Fusions().ChanLin < before+2 {
			t.Fatalf("%v: the gradient pass was not fused", dims)
		}
		want := graph.MustNewExecAny(referenceBackend(t), fn).MustExec(args()...)
		for k := range want {
			if !bitEqual(got[k], want[k]) {
				t.Fatalf("%v output %d: fused pass differs from the reference", dims, k)
			}
		}
	}
}

// bitEqual reports whether two float32 tensors hold the same bits.
func bitEqual(a, b *tensors.Tensor) bool {
	same := a.Shape().Equal(b.Shape())
	tensors.MustConstFlatData(a, func(fa []float32) {
		tensors.MustConstFlatData(b, func(fb []float32) {
			for i := range fa {
				if same && math.Float32bits(fa[i]) != math.Float32bits(fb[i]) {
					same = false
				}
			}
		})
	})
	return same
}

// BenchmarkChanKernels times the per-channel kernels of the BatchNorm
// fusions on one core, on a [10·64·64, C] tensor (Base 16's first level).
func BenchmarkChanKernels(b *testing.B) {
	for _, nc := range []int{8, 16, 64} {
		rows := 40960 * 16 / nc
		rng := rand.New(rand.NewPCG(1, 2))
		mk := func(n int) []float32 {
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(rng.NormFloat64())
			}
			return v
		}
		x, y, o, s, t := mk(rows*nc), mk(rows*nc), mk(rows*nc), mk(nc), mk(nc)
		acc := make([]float32, chanPeriod(nc))
		sp := periodic(s, len(acc))
		for _, k := range []struct {
			name string
			fn   func()
		}{
			{"sum", func() { chanSumBlock(chanSumKind, acc, x, nil) }},
			{"dot", func() { chanSumBlock(chanDotKind, acc, x, y) }},
			{"sumsq", func() { chanSumBlock(chanSumSqKind, acc, x, sp) }},
			{"lin", func() { chanLinRows(o, x, s, y, t, acc) }},
			{"affinemax", func() { affineMaxRows(o, x, s, t, 0) }},
			{"relugrad", func() { affineReluGradRows(o, y, x, s, t) }},
		} {
			for _, on := range []bool{false, hasSIMD} {
				b.Run(fmt.Sprintf("%s/c=%d/simd=%v", k.name, nc, on), func(b *testing.B) {
					defer forceSIMD(on)()
					for b.Loop() {
						k.fn()
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows*nc), "ns/elem")
				})
			}
		}
	}
}

// TestElementwiseFusionBitExact checks the element-wise loop fusion
// (fuse_elementwise.go) on Adam's update of a weight (scalar operands, an
// intermediate that is also an output, Sqrt and Div), a chain with Neg, Abs,
// Sign, Max and Min, a chain whose leaf is used twice and one that ends in
// Sign (the mask of a max-pooling gradient): bit-identical to
// the reference kernels, with the fusion fired. The sizes cover a partial
// last chunk and a split over the cores.
func TestElementwiseFusionBitExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	for _, n := range []int{7, 1000, 70000} {
		fn := func(w, g, m1, m2, lr *graph.Node) []*graph.Node {
			b1, b2 := graph.Scalar(w.Graph(), w.DType(), 0.9), graph.Scalar(w.Graph(), w.DType(), 0.999)
			nm1 := graph.Add(graph.Mul(b1, m1), graph.Mul(graph.OneMinus(b1), g))
			nm2 := graph.Add(graph.Mul(b2, m2), graph.Mul(graph.OneMinus(b2), graph.Square(g)))
			step := graph.Div(graph.Mul(lr, graph.MulScalar(nm1, 1.3)), graph.AddScalar(graph.Sqrt(graph.MulScalar(nm2, 1.7)), 1e-8))
			other := graph.Min(graph.Max(graph.Neg(graph.Abs(g)), graph.Sign(m1)), graph.Sub(w, m2))
			twice := graph.Add(graph.Mul(g, g), graph.Mul(graph.Sub(g, w), g))
			mask := graph.Sign(graph.AddScalar(graph.Sign(graph.Sub(g, w)), 1)) // a chain ending in Sign
			return []*graph.Node{graph.Sub(w, step), nm1, nm2, other, twice, mask}
		}
		in := []*tensors.Tensor{randTensor(rng, n), randTensor(rng, n), randTensor(rng, n), randTensor(rng, n), randTensor(rng)}
		tensors.MustMutableFlatData(in[3], func(f []float32) {
			for i := range f {
				f[i] = float32(math.Abs(float64(f[i])))
			}
		})
		args := func() []any { return cloneArgs(t, in) }
		before := Fusions().Elementwise
		got := graph.MustNewExecAny(backend, fn).MustExec(args()...)
		if fused := Fusions().Elementwise - before; fused < 5 {
			t.Fatalf("n=%d: %d element-wise chains fused, want at least 5", n, fused)
		}
		want := graph.MustNewExecAny(referenceBackend(t), fn).MustExec(args()...)
		for k := range want {
			if !bitEqual(got[k], want[k]) {
				t.Fatalf("n=%d output %d: fused chain differs from the reference", n, k)
			}
		}
	}
}

// forceSIMD sets simdOn (on only where the CPU has the AVX2 kernels) and
// returns the function that restores it.
func forceSIMD(on bool) (restore func()) {
	old := simdOn
	simdOn = on && hasSIMD
	return func() { simdOn = old }
}

// TestFusionKernelPaths runs the bit-exact tests of the element-wise fusions
// on both kernel paths (fuse_simd.go): the Go loops (simdOn off) and the AVX2
// kernels (skipped where the CPU lacks AVX2); each compares with the
// reference kernels or the op-by-op fork bit for bit.
func TestFusionKernelPaths(t *testing.T) {
	for _, on := range []bool{false, true} {
		name := map[bool]string{false: "go", true: "avx2"}[on]
		t.Run(name, func(t *testing.T) {
			if on && !hasSIMD {
				t.Skip("no AVX2")
			}
			defer forceSIMD(on)()
			for _, test := range []func(*testing.T){TestChanLinBitExact, TestElementwiseFusionBitExact, TestAffineReluBitExact, TestReluGradBitExact, TestConvAffineMaxBitExact} {
				test(t)
			}
		})
	}
}
