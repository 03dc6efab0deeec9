//go:build amd64 && !purego

package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestKern12x8AVX512MatchesAVX2 checks the two-rows-per-zmm 12×8 kernel
// against the AVX2 one bit for bit: packed and row-major A, several k
// (including 0 and odd ones), beta 0 and not, alpha not 1.
func TestKern12x8AVX512MatchesAVX2(t *testing.T) {
	if _, avx512 := cpuKernels(); !avx512 {
		t.Skip("no AVX-512F on this CPU")
	}
	rng := rand.New(rand.NewPCG(8, 12))
	for _, k := range []int{0, 1, 2, 3, 7, 72, 144, 257} {
		for _, packed := range []bool{true, false} {
			for _, beta := range []float32{0, 1, -0.5} {
				a := train8Rand(rng, 12*k+1)
				b := train8Rand(rng, 8*k+1)
				rs, cs, off2 := 1, mr, mr*k // packed slivers
				if !packed {
					rs, cs, off2 = k+1, 1, mr*(k+1) // row-major, lda = k+1
					a = train8Rand(rng, 12*(k+1)+1)
				}
				const ldc = 11
				c0 := train8Rand(rng, 12*ldc)
				c1 := append([]float32(nil), c0...)
				call := func(f func(int, unsafe.Pointer, unsafe.Pointer, int, int, unsafe.Pointer, unsafe.Pointer, int, float32, float32), c []float32) {
					f(k, unsafe.Pointer(&a[0]), unsafe.Pointer(&a[off2]), rs, cs, unsafe.Pointer(&b[0]), unsafe.Pointer(&c[0]), ldc, 0.75, beta)
				}
				call(kern12x8AVX2, c0)
				call(kern12x8AVX512, c1)
				for i := range c0 {
					if math.Float32bits(c0[i]) != math.Float32bits(c1[i]) {
						t.Fatalf("k=%d packed=%v beta=%v: c[%d] = %v, AVX2 gives %v", k, packed, beta, i, c1[i], c0[i])
					}
				}
			}
		}
	}
}

func train8Rand(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = rng.Float32()*2 - 1
	}
	return x
}
