//go:build amd64 && !purego

package simplego

// The AVX2 kernels of fuse_train_simd_amd64.s (training fusions).

//go:noescape
func poolGradAVX2(o, v, x, m *float32, w2, c int)

// poolGradRowSIMD runs poolGradAVX2 on a row of poolGradRow when simdOn and
// c is a multiple of 8, and reports whether it did.
func poolGradRowSIMD(o, v, x, m []float32, c int) bool {
	if !simdOn || c%8 != 0 || len(v) < c || len(m) < len(v) || len(x) < 2*len(v) || len(o) < 2*len(v) {
		return false
	}
	poolGradAVX2(&o[0], &v[0], &x[0], &m[0], len(v)/c, c)
	return true
}

//go:noescape
func transpose8x8AVX2(dst *float32, ldd int, src *float32, lds int)

// transposeTapSIMD sets dst [cols, rows] (row stride rows) to the transpose
// of src [rows, cols] with the AVX2 8×8 kernel when simdOn and both sizes
// are multiples of 8, for the source rows [r0, r1) (r0, r1 multiples of 8),
// and reports whether it did.
func transposeTapSIMD(dst, src []float32, rows, cols, r0, r1 int) bool {
	if !simdOn || rows%8 != 0 || cols%8 != 0 || r0%8 != 0 || r1%8 != 0 || len(src) < rows*cols || len(dst) < rows*cols {
		return false
	}
	for r := r0; r < r1; r += 8 {
		for c := 0; c < cols; c += 8 {
			transpose8x8AVX2(&dst[c*rows+r], rows, &src[r*cols+c], cols)
		}
	}
	return true
}
