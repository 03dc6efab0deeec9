//go:build !amd64 || purego

package protoseg

// No AVX2 kernels here: the feature side's products run their Go loops.

func lowGemvHasSIMD() bool { return false }

func lowCols32(out, v, a []float32, k, lda int) { lowColsGo(out[:32], v, a, k, lda) }
func lowCols8(out, v, a []float32, k, lda int)  { lowColsGo(out[:8], v, a, k, lda) }
func lowRows8(out, v, a []float32, m, k, k8 int) {
	lowRowsGo(out[:m], v, a, k, k8)
}
