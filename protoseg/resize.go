package protoseg

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
)

// ResizeMethod selects how a feature map smaller (or larger) than the mask is brought
// to the mask's spatial size before ProtoSeg.
type ResizeMethod int

const (
	// Bilinear interpolation (multilinear for 3D) with half-pixel centres and edge
	// clamping, as PyTorch's interpolate(..., align_corners=False). The default.
	Bilinear ResizeMethod = iota
	// Nearest neighbour with PyTorch's legacy rule: source index floor(dst·n/m).
	Nearest
)

// String implements fmt.Stringer.
func (m ResizeMethod) String() string {
	switch m {
	case Bilinear:
		return "bilinear"
	case Nearest:
		return "nearest"
	}
	return fmt.Sprintf("ResizeMethod(%d)", int(m))
}

// ParseResizeMethod parses "bilinear" or "nearest".
func ParseResizeMethod(s string) (ResizeMethod, error) {
	switch s {
	case "bilinear", "linear", "":
		return Bilinear, nil
	case "nearest":
		return Nearest, nil
	}
	return Bilinear, fmt.Errorf("protoseg: unknown resize method %q (want bilinear or nearest)", s)
}

// InterpolationMatrix returns the out×in matrix W of the 1D resize from length in to
// length out: resized[i] = Σ_j W[i][j]·x[j]. Every row sums to 1, so resizing keeps
// constants. Resizing along several axes applies one such matrix per axis.
func InterpolationMatrix(method ResizeMethod, in, out int) [][]float64 {
	w := make([][]float64, out)
	scale := float64(in) / float64(out)
	for i := range w {
		w[i] = make([]float64, in)
		if method == Nearest {
			j := min(int(math.Floor(float64(i)*scale)), in-1)
			w[i][j] = 1
			continue
		}
		src := max((float64(i)+0.5)*scale-0.5, 0)
		j0 := min(int(src), in-1)
		j1 := min(j0+1, in-1)
		lambda := src - float64(j0)
		w[i][j0] += 1 - lambda
		w[i][j1] += lambda
	}
	return w
}

// Resize resizes the spatial axes of x, shaped [batch, spatial..., channels], to the
// given sizes (one per spatial axis) with the given method. It is a linear map applied
// as one small matrix product per axis that changes size, so it is exact, works for
// any number of spatial axes and any sizes (also 1), and is differentiable.
func Resize(x *Node, method ResizeMethod, sizes ...int) *Node {
	if len(sizes) != x.Rank()-2 {
		panicf("protoseg.Resize: x shaped %s has %d spatial axes but %d sizes %v were given",
			x.Shape(), x.Rank()-2, len(sizes), sizes)
	}
	return resizeAxes(x, 1, method, sizes, false)
}

// resizeAxes resizes axes first…first+len(sizes)-1 of x to sizes. With adjoint it
// applies the transpose of the resize instead, mapping a tensor of the resized size
// (given by x) back to the original size (given by sizes): for any f and m,
// Σ m·Resize(f) = Σ resizeAdjoint(m)·f.
func resizeAxes(x *Node, first int, method ResizeMethod, sizes []int, adjoint bool) *Node {
	for i, size := range sizes {
		axis := first + i
		cur := x.Shape().Dimensions[axis]
		if cur == size {
			continue
		}
		var w [][]float64
		if adjoint {
			w = transpose(InterpolationMatrix(method, size, cur)) // [size, cur]
		} else {
			w = InterpolationMatrix(method, cur, size) // [size, cur]
		}
		wNode := ConstAs(x, w)
		// Result axes: [size, x axes without `axis`...]; move the new axis back in place.
		y := DotGeneral(wNode, []int{1}, nil, x, []int{axis}, nil)
		perm := make([]int, 0, x.Rank())
		for a := 1; a <= axis; a++ {
			perm = append(perm, a)
		}
		perm = append(perm, 0)
		for a := axis + 1; a < x.Rank(); a++ {
			perm = append(perm, a)
		}
		x = TransposeAllAxes(y, perm...)
	}
	return x
}

func transpose(m [][]float64) [][]float64 {
	if len(m) == 0 {
		return nil
	}
	t := make([][]float64, len(m[0]))
	for j := range t {
		t[j] = make([]float64, len(m))
		for i := range m {
			t[j][i] = m[i][j]
		}
	}
	return t
}

// panicf panics with an error, the GoMLX convention for invalid graph construction;
// graph.Exec and the analysis API turn it back into an error.
func panicf(format string, args ...any) {
	panic(fmt.Errorf(format, args...))
}

// resizeRotating resizes the k = len(sizes) spatial axes of x shaped
// [N, spatial(k)..., extra...] and returns [N, extra..., resized spatial...]: each
// step contracts the leading spatial axis with the interpolation matrix in one
// batched matrix product whose new axis lands last, so after k steps the spatial
// axes are back in order behind the extra axes — no transposes. With adjoint it
// applies the transposed map (x holds the resized size, sizes the original one).
// Axes that keep their size are still visited (as an identity) when another axis
// changes, so that the output layout is always the same; when no axis changes, x
// is only transposed.
func resizeRotating(x *Node, method ResizeMethod, sizes []int, adjoint bool) *Node {
	k := len(sizes)
	same := true
	for i, size := range sizes {
		same = same && x.Shape().Dimensions[1+i] == size
	}
	if same {
		perm := []int{0}
		for a := 1 + k; a < x.Rank(); a++ {
			perm = append(perm, a)
		}
		for a := 1; a <= k; a++ {
			perm = append(perm, a)
		}
		return TransposeAllAxes(x, perm...)
	}
	for _, size := range sizes {
		cur := x.Shape().Dimensions[1]
		var w [][]float64
		if adjoint {
			w = transpose(InterpolationMatrix(method, size, cur))
		} else {
			w = InterpolationMatrix(method, cur, size)
		}
		// [N, cur, rest...] · [size, cur] → [N, rest..., size].
		x = DotGeneral(x, []int{1}, nil, ConstAs(x, w), []int{1}, nil)
	}
	return x
}
