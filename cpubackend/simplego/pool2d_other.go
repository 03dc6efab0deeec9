//go:build !amd64 || purego

package simplego

// pool2x2RowSIMD reports false: no AVX2 pooling kernel on this platform.
func pool2x2RowSIMD(o, a0, a1 []float32, w, c int) bool { return false }
