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
