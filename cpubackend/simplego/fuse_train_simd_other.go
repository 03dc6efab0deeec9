//go:build !amd64 || purego

package simplego

// No AVX2 kernels on this platform: the training fusions run their Go loops.

func poolGradRowSIMD(o, v, x, m []float32, c int) bool { return false }

func transposeTapSIMD(dst, src []float32, rows, cols, r0, r1 int) bool { return false }
