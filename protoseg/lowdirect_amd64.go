//go:build amd64 && !purego

package protoseg

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The AVX2 kernels of the feature side's products (lowdirect.go,
// lowdirect_amd64.s, the instructions of cpubackend/simplego's gemv kernels):
// separately rounded multiplies and adds in the order of the Go loops, so
// bit-identical to them.

//go:noescape
func lowCols32AVX2(out, v, a *float32, k, lda int)

//go:noescape
func lowCols8x2AVX2(out0, out1, v0, v1, a *float32, k, lda int)

//go:noescape
func lowCols8x4AVX2(outA0, outA1, outB0, outB1, v0, v1, a *float32, k, lda int)

//go:noescape
func lowRows8AVX2(out, v, a *float32, m, lda, k8 int, bias float32)

//go:noescape
func lowRows8x8AVX2(out, v, a *float32, m8, lda, k8 int, bias float32)

// lowGemvHasSIMD reports whether the CPU runs the AVX2 kernels.
func lowGemvHasSIMD() bool { return cpu.X86.HasAVX2 }

// lowCols32 is lowColsGo for the 32 columns out[:32] (k ≥ 1).
func lowCols32(out, v, a []float32, k, lda int) {
	_ = out[31]
	_ = a[(k-1)*lda+31]
	_ = v[k-1]
	lowCols32AVX2(&out[0], &v[0], &a[0], k, lda)
}

// lowCols8x2 is lowColsGo for the 8 columns out[:8] of two vectors, v0 into out0 and v1 into out1, in
// one pass over a (k ≥ 1).
func lowCols8x2(out0, out1, v0, v1, a []float32, k, lda int) {
	_, _ = out0[7], out1[7]
	_ = a[(k-1)*lda+7]
	_, _ = v0[k-1], v1[k-1]
	lowCols8x2AVX2(&out0[0], &out1[0], &v0[0], &v1[0], &a[0], k, lda)
}

// lowCols8x4 is lowCols8x2 for two images at once: A with a, v0 and v1
// as given, B with the k rows and weights that follow (k ≥ 1).
func lowCols8x4(outA0, outA1, outB0, outB1, v0, v1, a []float32, k, lda int) {
	_, _, _, _ = outA0[7], outA1[7], outB0[7], outB1[7]
	_ = a[(2*k-1)*lda+7]
	_, _ = v0[2*k-1], v1[2*k-1]
	lowCols8x4AVX2(&outA0[0], &outA1[0], &outB0[0], &outB1[0], &v0[0], &v1[0], &a[0], k, lda)
}

// lowRows8 is lowRowsGo for the m rows of a (k floats apart; k8 ≥ 8, m ≥ 1):
// blocks of eight rows at once, then the rest one by one.
func lowRows8(out, v, a []float32, m, k, k8 int, bias float32) {
	_ = out[m-1]
	_ = a[(m-1)*k+k8-1]
	_ = v[k8-1]
	m8 := m / 8 * 8
	if m8 > 0 {
		lowRows8x8AVX2(unsafe.SliceData(out), unsafe.SliceData(v), unsafe.SliceData(a), m8, k, k8, bias)
	}
	if m8 < m {
		lowRows8AVX2(&out[m8], unsafe.SliceData(v), &a[m8*k], m-m8, k, k8, bias)
	}
}
