//go:build !amd64 || purego

package protoseg

// No AVX2 kernels here: the feature side's products run their Go loops.

func lowGemvHasSIMD() bool { return false }

func lowCols32(out, v, a []float32, k, lda int) { lowColsGo(out[:32], v, a, k, lda) }
func lowCols8x2(out0, out1, v0, v1, a []float32, k, lda int) {
	lowColsGo(out0[:8], v0, a, k, lda)
	lowColsGo(out1[:8], v1, a, k, lda)
}
func lowCols8x4(outA0, outA1, outB0, outB1, v0, v1, a []float32, k, lda int) {
	lowCols8x2(outA0, outA1, v0, v1, a, k, lda)
	lowCols8x2(outB0, outB1, v0[k:], v1[k:], a[k*lda:], k, lda)
}
func lowRows8(out, v, a []float32, m, k, k8 int, bias float32) {
	lowRowsGo(out[:m], v, a, k, k8, bias)
}
