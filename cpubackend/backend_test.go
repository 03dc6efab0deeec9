package cpubackend

import (
	"slices"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

var shared = sync.OnceValues(func() (backends.Backend, error) { return New("") })

func testBackend(t *testing.T) backends.Backend {
	t.Helper()
	b, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestExplicitSelection checks that importing the package changes nothing in
// GoMLX's registry and that Register makes "cpu" selectable by name.
func TestExplicitSelection(t *testing.T) {
	if slices.Contains(backends.List(), BackendName) {
		t.Fatalf("backend %q registered before Register (an import side effect)", BackendName)
	}
	if backends.DefaultConfig != "xla" { // GoMLX v0.26.0's own default
		t.Fatalf("backends.DefaultConfig = %q, want GoMLX's \"xla\" (an import side effect)", backends.DefaultConfig)
	}
	Register()
	Register() // idempotent
	if backends.DefaultConfig != "xla" {
		t.Fatalf("Register changed backends.DefaultConfig to %q", backends.DefaultConfig)
	}
	b, err := backends.NewWithConfig(BackendName + ":dotgeneral_large")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if b.Name() != BackendName {
		t.Fatalf("backend %q, want %q", b.Name(), BackendName)
	}
}

func TestPad(t *testing.T) {
	backend := testBackend(t)
	x := tensors.FromValue([][]float32{{1, 2, 3}, {4, 5, 6}})
	got := MustExecOnce(backend, func(x *Node) *Node {
		return Pad(x, ScalarZero(x.Graph(), x.DType()),
			PadAxis{Start: 1, End: 0}, PadAxis{Start: -1, End: 2, Interior: 1})
	}, x)
	// Axis 0: one row of zeros at the start. Axis 1: interior 1 → [1 0 2 0 3], crop 1 at the start → [0 2 0 3], pad 2 at the end.
	want := [][]float32{{0, 0, 0, 0, 0, 0}, {0, 2, 0, 3, 0, 0}, {0, 5, 0, 6, 0, 0}}
	if g := got.Value().([][]float32); !equal2(g, want) {
		t.Fatalf("Pad = %v, want %v", g, want)
	}
}

func TestReverse(t *testing.T) {
	backend := testBackend(t)
	x := tensors.FromValue([][]float32{{1, 2, 3}, {4, 5, 6}})
	got := MustExecOnce(backend, func(x *Node) *Node { return Reverse(x, 0, 1) }, x)
	if g := got.Value().([][]float32); !equal2(g, [][]float32{{6, 5, 4}, {3, 2, 1}}) {
		t.Fatalf("Reverse = %v", g)
	}
}

func TestSliceGradient(t *testing.T) {
	// d/dx Σ (slice of x)² = 2x inside the slice, 0 outside (needs Pad).
	backend := testBackend(t)
	x := tensors.FromValue([][]float32{{1, 2, 3}, {4, 5, 6}})
	got := MustExecOnce(backend, func(x *Node) *Node {
		s := Slice(x, AxisRange(0, 2), AxisRange(1, 3))
		return Gradient(ReduceAllSum(Square(s)), x)[0]
	}, x)
	if g := got.Value().([][]float32); !equal2(g, [][]float32{{0, 4, 6}, {0, 10, 12}}) {
		t.Fatalf("gradient = %v", g)
	}
}

func TestConvGradient(t *testing.T) {
	// A 3×3 convolution and its gradient w.r.t. input and kernel, checked against
	// a central finite difference of the loss.
	backend := testBackend(t)
	input := make([]float32, 1*5*4*2)
	for i := range input {
		input[i] = float32((i*7)%11)/5 - 1
	}
	kernel := make([]float32, 3*3*2*3)
	for i := range kernel {
		kernel[i] = float32((i*5)%9)/4 - 1
	}
	lossFn := func(x, k *Node) *Node {
		return ReduceAllSum(Square(Convolve(x, k).PadSame().Done()))
	}
	grads := MustNewExec(backend, func(x, k *Node) []*Node {
		l := lossFn(x, k)
		return Gradient(l, x, k)
	}).MustExec(tensors.FromFlatDataAndDimensions(input, 1, 5, 4, 2), tensors.FromFlatDataAndDimensions(kernel, 3, 3, 2, 3))
	loss := MustNewExec(backend, lossFn)
	gk := tensors.MustCopyFlatData[float32](grads[1])
	for _, i := range []int{0, 7, 20, 53} {
		const h = 1e-2
		kp, km := append([]float32(nil), kernel...), append([]float32(nil), kernel...)
		kp[i] += h
		km[i] -= h
		x := tensors.FromFlatDataAndDimensions(input, 1, 5, 4, 2)
		lp := tensors.ToScalar[float32](loss.MustExec1(x, tensors.FromFlatDataAndDimensions(kp, 3, 3, 2, 3)))
		lm := tensors.ToScalar[float32](loss.MustExec1(x, tensors.FromFlatDataAndDimensions(km, 3, 3, 2, 3)))
		fd := (lp - lm) / (2 * h)
		if d := fd - gk[i]; d > 1e-2*max(1, abs(fd)) || d < -1e-2*max(1, abs(fd)) {
			t.Fatalf("d loss/d kernel[%d]: autodiff %v, finite difference %v", i, gk[i], fd)
		}
	}
}

func abs(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

func equal2(a, b [][]float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}
