//go:build amd64 && !purego

package gemm

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:noescape
func kern6x16AVX2(k int, a unsafe.Pointer, rsa, csa int, b, c unsafe.Pointer, ldc int, alpha, beta float32)

//go:noescape
func kern6x8AVX2(k int, a unsafe.Pointer, rsa, csa int, b, c unsafe.Pointer, ldc int, alpha, beta float32)

//go:noescape
func kern12x8AVX2(k int, a, a2 unsafe.Pointer, rsa, csa int, b, c unsafe.Pointer, ldc int, alpha, beta float32)

//go:noescape
func addStridedAVX2(dst, src *float32, rows, cols, ds, ss int)

//go:noescape
func copyStridedAVX2(dst, src *float32, rows, cols, ds, ss int)

func init() {
	hasAVX512 = cpu.X86.HasAVX512F
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		kern16 = kern6x16AVX2
		kern8 = kern6x8AVX2
		kern12 = kern12x8AVX2
		kernelName = "avx2-fma-6x16"
		copyStridedImpl = func(dst, src []float32, rows, cols, ds, ss int) {
			copyStridedAVX2(&dst[0], &src[0], rows, cols, ds, ss)
		}
		addStridedImpl = func(dst, src []float32, rows, cols, ds, ss int) {
			addStridedAVX2(&dst[0], &src[0], rows, cols, ds, ss)
		}
	}
}
