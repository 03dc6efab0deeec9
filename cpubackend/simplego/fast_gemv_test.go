package simplego

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// TestGemvDotGeneral checks the matrix–vector DotGeneral shapes (one cross
// side of size 1, in every layout the fast path takes, and one it leaves to
// the gemm) against the reference configuration, on the AVX2 kernels (where
// the CPU has them) and on the Go loops.
func TestGemvDotGeneral(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	type tc struct {
		lDims, lC, lB, rDims, rC, rB []int
	}
	cases := []tc{
		{[]int{3, 5, 7}, []int{1, 2}, []int{0}, []int{3, 5, 7, 8}, []int{1, 2}, []int{0}}, // prototypes: [N,1,s]·[N,s,C]
		{[]int{3, 5, 7, 40}, []int{3}, []int{0}, []int{3, 40}, []int{1}, []int{0}},        // layer logit: [N,s,C]·[N,C]
		{[]int{2, 37, 13}, []int{2}, []int{0}, []int{2, 13}, []int{1}, []int{0}},          // rows, K%8 ≠ 0
		{[]int{2, 13, 37}, []int{1}, []int{0}, []int{2, 13}, []int{1}, []int{0}},          // [K, M]·[K]
		{[]int{2, 9}, []int{1}, []int{0}, []int{2, 71, 9}, []int{2}, []int{0}},            // vector·[J, K]
		{[]int{2, 9}, []int{1}, []int{0}, []int{2, 9, 75}, []int{1}, []int{0}},            // vector·[K, J], J = 2·32 + 8 + 3
		{[]int{1, 300}, []int{1}, nil, []int{300, 129}, []int{0}, nil},                    // unbatched
		{[]int{4, 3}, []int{1}, nil, []int{3}, []int{0}, nil},                             // K < 8
		{[]int{5, 2, 16}, []int{2}, []int{1}, []int{16, 2}, []int{0}, []int{1}},           // batch not outermost: gemm
	}
	for _, simd := range []bool{false, true} {
		if simd && !hasSIMD {
			t.Log("no AVX2 on this CPU")
			continue
		}
		old := gemvSIMD
		gemvSIMD = simd
		for i, c := range cases {
			lhs, rhs := randTensor(rng, c.lDims...), randTensor(rng, c.rDims...)
			compareRef(t, fmt.Sprintf("simd %v case %d", simd, i), func(l, r *graph.Node) *graph.Node {
				return graph.DotGeneral(l, c.lC, c.lB, r, c.rC, c.rB)
			}, lhs, rhs)
		}
		gemvSIMD = old
	}
}

// TestGemvKernelsBitExact checks that the AVX2 kernels and the Go loops give
// the same bits, and the order of the "rows" sum on a hand-made case.
func TestGemvKernelsBitExact(t *testing.T) {
	if !hasSIMD {
		t.Skip("no AVX2 on this CPU")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	vec := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(20)-10)))
		}
		return x
	}
	defer func(old bool) { gemvSIMD = old }(gemvSIMD)
	for _, sz := range [][2]int{{1, 8}, {7, 16}, {33, 64}, {64, 128}, {5, 13}, {100, 75}} {
		m, k := sz[0], sz[1]
		v, a := vec(k), vec(m*k)
		got, want := make([]float32, m), make([]float32, m)
		gemvSIMD = true
		gemvRows(got, v, a, k)
		gemvSIMD = false
		gemvRows(want, v, a, k)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("rows %d×%d: out[%d] = %g (AVX2), %g (Go)", m, k, i, got[i], want[i])
			}
		}
		// cols: the [k, m] matrix a, all m columns in blocks.
		gc, wc := make([]float32, m), make([]float32, m)
		gemvSIMD = true
		gemvBatched(gc, v, a, 1, m, k, false)
		gemvSIMD = false
		gemvBatched(wc, v, a, 1, m, k, false)
		for i := range gc {
			if math.Float32bits(gc[i]) != math.Float32bits(wc[i]) {
				t.Fatalf("cols %d×%d: out[%d] = %g (AVX2), %g (Go)", k, m, i, gc[i], wc[i])
			}
		}
	}
	// The rows order: lanes l0…l7 = 1e8, 1, −1e8, 1, 1, 1, 1, 1 sum as
	// ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)) = (1e8 + −1e8) + 4 = 4.
	a := []float32{1e8, 1, -1e8, 1, 1, 1, 1, 1}
	v := []float32{1, 1, 1, 1, 1, 1, 1, 1}
	for _, simd := range []bool{false, true} {
		gemvSIMD = simd
		out := []float32{0}
		gemvRows(out, v, a, 8)
		if out[0] != 4 {
			t.Errorf("simd %v: rows sum %g, want 4", simd, out[0])
		}
	}
}
