//go:build amd64 && !purego

package simplego

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The AVX2 kernels of fuse_simd_amd64.s (fuse_simd.go).

//go:noescape
func ewAddAVX2(dst, a, b *float32, n int)

//go:noescape
func ewSubAVX2(dst, a, b *float32, n int)

//go:noescape
func ewMulAVX2(dst, a, b *float32, n int)

//go:noescape
func ewDivAVX2(dst, a, b *float32, n int)

//go:noescape
func ewSqrtAVX2(dst, a *float32, n int)

//go:noescape
func affineReluAVX2(o, x, s, t *float32, n int)

//go:noescape
func affineReluGradAVX2(o, v, x, s, t *float32, n int)

//go:noescape
func chanLinAVX2(o, gv, a, x, b, c *float32, n int)

//go:noescape
func chanSumAVX2(acc, x, m *float32, period, rows, kind int)

// hasSIMD reports whether this CPU runs the AVX2 kernels.
var hasSIMD = cpu.X86.HasAVX2

func init() { simdOn = hasSIMD }

// ewKernelSIMD applies op to the first n values (n a multiple of 8) with the
// AVX2 kernels and reports whether it could.
func ewKernelSIMD(op ewOp, dst, a, b []float32, n int) bool {
	switch op {
	case ewAdd:
		ewAddAVX2(&dst[0], &a[0], &b[0], n)
	case ewSub:
		ewSubAVX2(&dst[0], &a[0], &b[0], n)
	case ewMul:
		ewMulAVX2(&dst[0], &a[0], &b[0], n)
	case ewDiv:
		ewDivAVX2(&dst[0], &a[0], &b[0], n)
	case ewSqrt:
		ewSqrtAVX2(&dst[0], &a[0], n)
	default:
		return false
	}
	return true
}

// affineReluSIMD runs affineReluAVX2 on n values (s, t of n values).
func affineReluSIMD(o, x, s, t []float32, n int) { affineReluAVX2(&o[0], &x[0], &s[0], &t[0], n) }

// affineReluGradSIMD runs affineReluGradAVX2 on n values (s, t of n values).
func affineReluGradSIMD(o, v, x, s, t []float32, n int) {
	affineReluGradAVX2(&o[0], &v[0], &x[0], &s[0], &t[0], n)
}

// chanLinSIMD runs chanLinAVX2 on n values (a, b, c of n values).
func chanLinSIMD(o, g, a, x, b, c []float32, n int) {
	chanLinAVX2(&o[0], &g[0], &a[0], &x[0], &b[0], &c[0], n)
}

// chanSumSIMD runs chanSumAVX2 over rows rows of len(acc) values.
func chanSumSIMD(kind chanReduceKind, acc, x, m []float32, rows int) {
	mp := unsafe.Pointer(nil)
	if m != nil {
		mp = unsafe.Pointer(&m[0])
	}
	chanSumAVX2(&acc[0], &x[0], (*float32)(mp), len(acc), rows, int(kind))
}
