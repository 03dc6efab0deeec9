//go:build amd64 && !purego

package simplego

// pool2x2RowAVX2 computes one output row of pool2x2 (pool2d_amd64.s): c a
// multiple of 8.
//
//go:noescape
func pool2x2RowAVX2(o, a0, a1 *float32, w, c int)

// pool2x2RowSIMD runs pool2x2RowAVX2 on one output row o (w pixels of c
// channels) from the input rows a0 and a1, and reports whether it did (the
// AVX2 kernels are on and c is a multiple of 8).
func pool2x2RowSIMD(o, a0, a1 []float32, w, c int) bool {
	if !simdOn || c%8 != 0 || w == 0 || c == 0 {
		return false
	}
	_, _, _ = o[w*c-1], a0[2*w*c-1], a1[2*w*c-1]
	pool2x2RowAVX2(&o[0], &a0[0], &a1[0], w, c)
	return true
}
