package cpubackend

import (
	"fmt"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestStridedConv(t *testing.T) {
	// x = 1…16 on a 4×4 grid, a 2×2 kernel of ones, stride 2, no padding:
	// each output is the sum of one 2×2 block.
	backend := testBackend(t)
	x := make([]float32, 16)
	for i := range x {
		x[i] = float32(i + 1)
	}
	k := []float32{1, 1, 1, 1}
	got := MustExecOnce(backend, func(x, k *Node) *Node {
		return Convolve(x, k).Strides(2).NoPadding().Done()
	}, tensors.FromFlatDataAndDimensions(x, 1, 4, 4, 1), tensors.FromFlatDataAndDimensions(k, 2, 2, 1, 1))
	want := []float32{1 + 2 + 5 + 6, 3 + 4 + 7 + 8, 9 + 10 + 13 + 14, 11 + 12 + 15 + 16}
	g := tensors.MustCopyFlatData[float32](got)
	if d := got.Shape().Dimensions; len(d) != 4 || d[1] != 2 || d[2] != 2 || d[3] != 1 {
		t.Fatalf("strided conv shape %v, want [1 2 2 1]", d)
	}
	for i := range want {
		if g[i] != want[i] {
			t.Fatalf("strided conv = %v, want %v", g, want)
		}
	}
}

func TestReverse3D(t *testing.T) {
	// Reversing the middle axis of a [2, 3, 2] tensor only.
	backend := testBackend(t)
	x := tensors.FromValue([][][]float32{{{1, 2}, {3, 4}, {5, 6}}, {{7, 8}, {9, 10}, {11, 12}}})
	got := MustExecOnce(backend, func(x *Node) *Node { return Reverse(x, 1) }, x)
	want := []float32{5, 6, 3, 4, 1, 2, 11, 12, 9, 10, 7, 8}
	g := tensors.MustCopyFlatData[float32](got)
	for i := range want {
		if g[i] != want[i] {
			t.Fatalf("Reverse(axis 1) = %v, want %v", g, want)
		}
	}
}

// TestConvGradients checks the gradient of a convolution w.r.t. its input and its
// kernel against central finite differences, for stride 1 with "same" padding and
// for stride 2 (whose input gradient needs interior padding).
func TestConvGradients(t *testing.T) {
	backend := testBackend(t)
	const n, h, w, cin, cout = 2, 5, 6, 2, 3
	input := make([]float32, n*h*w*cin)
	for i := range input {
		input[i] = float32((i*7)%11)/5 - 1
	}
	kernel := make([]float32, 3*3*cin*cout)
	for i := range kernel {
		kernel[i] = float32((i*5)%9)/4 - 1
	}
	for _, stride := range []int{1, 2} {
		t.Run(fmt.Sprintf("stride=%d", stride), func(t *testing.T) {
			lossFn := func(x, k *Node) *Node {
				return ReduceAllSum(Square(Convolve(x, k).Strides(stride).PadSame().Done()))
			}
			grads := MustNewExec(backend, func(x, k *Node) []*Node {
				return Gradient(lossFn(x, k), x, k)
			}).MustExec(tensors.FromFlatDataAndDimensions(input, n, h, w, cin),
				tensors.FromFlatDataAndDimensions(kernel, 3, 3, cin, cout))
			loss := MustNewExec(backend, lossFn)
			eval := func(x, k []float32) float32 {
				return tensors.ToScalar[float32](loss.MustExec1(tensors.FromFlatDataAndDimensions(x, n, h, w, cin),
					tensors.FromFlatDataAndDimensions(k, 3, 3, cin, cout)))
			}
			// The loss is quadratic in each variable: the central difference is exact
			// up to float32 rounding.
			const step = 1e-2
			check := func(what string, v []float32, grad []float32, at func(v []float32) float32) {
				for _, i := range []int{0, 5, len(v) / 2, len(v) - 1} {
					plus, minus := append([]float32(nil), v...), append([]float32(nil), v...)
					plus[i] += step
					minus[i] -= step
					fd := (at(plus) - at(minus)) / (2 * step)
					if d := abs(fd - grad[i]); d > 1e-2*max(1, abs(fd)) {
						t.Errorf("d loss/d %s[%d]: autodiff %v, finite difference %v", what, i, grad[i], fd)
					}
				}
			}
			check("input", input, tensors.MustCopyFlatData[float32](grads[0]), func(x []float32) float32 { return eval(x, kernel) })
			check("kernel", kernel, tensors.MustCopyFlatData[float32](grads[1]), func(k []float32) float32 { return eval(input, k) })
		})
	}
}
