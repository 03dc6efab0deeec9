//go:build !amd64 || purego

package simplego

// No AVX2 kernels on this platform: the matrix–vector products run their Go
// loops (gemvSIMD is false).

func gemvCols32(out, v, a []float32, k, lda int) { gemvColsGo(out[:32], v, a, k, lda) }
func gemvCols8(out, v, a []float32, k, lda int)  { gemvColsGo(out[:8], v, a, k, lda) }
func gemvRows8(out, v, a []float32, m, k, k8 int) {
	gemvRowsGo(out[:m], v, a, k, k8)
}
