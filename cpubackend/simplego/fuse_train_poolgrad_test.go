package simplego

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestPoolGradBitExact checks the fused gradient of 2×2 and 2×2×2
// max-pooling (fuse_train_poolgrad.go) bit-identical to the same gradient
// computed op by op on the fork (the 1 of the mask passed as a parameter, so
// the fusion does not match), with ties, ±0, ±Inf and NaN among the inputs
// and the output gradient, and that it fired.
func TestPoolGradBitExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, dims := range [][]int{{2, 4, 6, 16}, {3, 2, 10, 8}, {1, 6, 4, 5}, {2, 4, 4, 6, 16}, {1, 2, 2, 2, 3}} {
		x, full, red, axes := poolGradInputs(rng, dims)
		v := randTensor(rng, poolDims(dims)...)
		tensors.MustMutableFlatData(v, func(f []float32) {
			f[0], f[len(f)-1] = float32(math.NaN()), float32(math.Inf(-1))
		})
		fusedFn := func(x, v *graph.Node) *graph.Node {
			return graph.Gradient(graph.ReduceAllSum(graph.Mul(graph.ReduceMax(graph.Reshape(x, full...), axes...), v)), x)[0]
		}
		plainFn := func(x, v, one *graph.Node) *graph.Node {
			xr := graph.Reshape(x, full...)
			m := graph.Reshape(graph.StopGradient(graph.ReduceMax(xr, axes...)), red...)
			ind := graph.Sign(graph.Add(graph.Sign(graph.Sub(xr, graph.BroadcastToDims(m, full...))), one))
			return graph.Reshape(graph.Mul(graph.BroadcastToDims(graph.Reshape(v, red...), full...), ind), dims...)
		}
		before := poolGradCount.Load()
		fused := graph.MustNewExec(backend, fusedFn).MustExec1(x, v)
		if poolGradCount.Load() == before {
			t.Fatalf("%v: the pooling gradient was not fused", dims)
		}
		mid := poolGradCount.Load()
		plain := graph.MustNewExec(backend, plainFn).MustExec1(x, v, tensors.FromValue(float32(1)))
		if poolGradCount.Load() != mid {
			t.Fatalf("%v: the pooling gradient with a parameter 1 was fused", dims)
		}
		if !bitEqual(fused, plain) {
			t.Fatalf("%v: fused pooling gradient differs from the op-by-op one", dims)
		}
		compareRef(t, fmt.Sprintf("pool grad %v", dims), fusedFn, x, v)
	}
}

// poolGradInputs returns x of dims with ties, ±0, ±Inf and one NaN, the
// pooling view of dims, the pooled view with size-1 axes and the reduced axes.
func poolGradInputs(rng *rand.Rand, dims []int) (x *tensors.Tensor, full, red, axes []int) {
	x = randTensor(rng, dims...)
	tensors.MustMutableFlatData(x, func(f []float32) {
		for i := range f {
			switch rng.IntN(12) {
			case 0, 1:
				f[i] = 0.5 // ties within a window
			case 2:
				f[i] = float32(math.Copysign(0, -1))
			case 3:
				f[i] = float32(math.Inf(-1 + 2*rng.IntN(2)))
			}
		}
		f[rng.IntN(len(f))] = float32(math.NaN())
	})
	full = []int{dims[0]}
	red = []int{dims[0]}
	for i, d := range dims[1 : len(dims)-1] {
		full = append(full, d/2, 2)
		red = append(red, d/2, 1)
		axes = append(axes, 2+2*i)
	}
	c := dims[len(dims)-1]
	return x, append(full, c), append(red, c), axes
}

// poolDims is the pooled shape of dims (every spatial axis halved).
func poolDims(dims []int) []int {
	out := append([]int(nil), dims...)
	for i := 1; i < len(out)-1; i++ {
		out[i] /= 2
	}
	return out
}

// TestPoolGradKernelPaths runs TestPoolGradBitExact on both kernel paths:
// the Go loops (simdOn off) and the AVX2 kernel (skipped without AVX2).
func TestPoolGradKernelPaths(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(map[bool]string{false: "go", true: "avx2"}[on], func(t *testing.T) {
			if on && !hasSIMD {
				t.Skip("no AVX2")
			}
			defer forceSIMD(on)()
			TestPoolGradBitExact(t)
		})
	}
}

// TestPoolGradLayout checks the outer-row offsets of poolGradLayout against
// the row-major offsets of v for a 3D pooling shape, and its refusals.
func TestPoolGradLayout(t *testing.T) {
	full, red := []int{2, 3, 2, 2, 2, 4, 2, 8}, []int{2, 3, 1, 2, 1, 4, 1, 8}
	l, ok := poolGradLayout(full, red)
	if !ok || l.w2 != 4 || l.c != 8 || len(l.redOff) != 2*3*2*2*2 {
		t.Fatalf("layout %+v, %v", l, ok)
	}
	for r, off := range l.redOff {
		n, z, y := r/24, r/8%3, r/2%2 // row r is (n, z, dz, y, dy)
		if want := ((n*3+z)*2 + y) * 4 * 8; off != want {
			t.Fatalf("row %d: offset %d, want %d", r, off, want)
		}
	}
	for _, bad := range [][2][]int{{{2, 4, 2, 8}, {2, 4, 2, 8}}, {{3, 3, 2, 8}, {1, 3, 1, 8}}, {{4, 4, 2, 8}, {4, 4, 1, 4}}, {{2, 3, 2, 8}, {2, 1, 1, 8}}, {{2, 8}, {1, 8}}} {
		if _, ok := poolGradLayout(bad[0], bad[1]); ok {
			t.Errorf("%v → %v accepted", bad[0], bad[1])
		}
	}
}
