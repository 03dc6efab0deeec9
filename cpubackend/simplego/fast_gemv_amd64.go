//go:build amd64 && !purego

package simplego

import "unsafe"

// The AVX2 kernels of the matrix–vector products (fast_gemv.go,
// fast_gemv_amd64.s): separately rounded multiplies and adds in the order of
// the Go loops, so bit-identical to them.

//go:noescape
func gemvCols32AVX2(out, v, a *float32, k, lda int)

//go:noescape
func gemvCols8AVX2(out, v, a *float32, k, lda int)

//go:noescape
func gemvRows8AVX2(out, v, a *float32, m, lda, k8 int)

// gemvCols32 is gemvColsGo for the 32 columns out[:32] (k ≥ 1).
func gemvCols32(out, v, a []float32, k, lda int) {
	_ = out[31]
	_ = a[(k-1)*lda+31]
	_ = v[k-1]
	gemvCols32AVX2(&out[0], &v[0], &a[0], k, lda)
}

// gemvCols8 is gemvColsGo for the 8 columns out[:8] (k ≥ 1).
func gemvCols8(out, v, a []float32, k, lda int) {
	_ = out[7]
	_ = a[(k-1)*lda+7]
	_ = v[k-1]
	gemvCols8AVX2(&out[0], &v[0], &a[0], k, lda)
}

// gemvRows8 is gemvRowsGo for the m rows of a (k floats apart; k8 ≥ 8, m ≥ 1).
func gemvRows8(out, v, a []float32, m, k, k8 int) {
	_ = out[m-1]
	_ = a[(m-1)*k+k8-1]
	_ = v[k8-1]
	gemvRows8AVX2(unsafe.SliceData(out), unsafe.SliceData(v), unsafe.SliceData(a), m, k, k8)
}
