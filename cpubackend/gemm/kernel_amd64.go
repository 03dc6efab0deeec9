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
func kern12x16AVX512(k int, a, a2 unsafe.Pointer, rsa, csa int, b, c unsafe.Pointer, ldc int, alpha, beta float32)

//go:noescape
func kern12x32AVX512(k int, a, a2 unsafe.Pointer, rsa, csa int, b, b2, c unsafe.Pointer, ldc int, alpha, beta float32)

//go:noescape
func addStridedAVX2(dst, src *float32, rows, cols, ds, ss int)

//go:noescape
func copyStridedAVX2(dst, src *float32, rows, cols, ds, ss int)

func init() {
	hasAVX512 = cpu.X86.HasAVX512F
	selectKernels(cpuKernels())
}

// cpuKernels reports which assembly kernels this CPU can run: the AVX2+FMA
// ones, and the AVX-512F one on top of them.
func cpuKernels() (avx2, avx512 bool) {
	avx2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	return avx2, avx2 && cpu.X86.HasAVX512F
}

// selectKernels installs the micro-kernels for a CPU with (or without) AVX2
// and FMA, and with (or without) AVX-512F on top. init calls it with what the
// CPU reports; tests call it to force each path (it must not run while a
// Sgemm call is in flight).
func selectKernels(avx2, avx512 bool) {
	kern16, kern8, kern12, kern12w, kern12x32 = kern6x16Go, kern6x8Go, nil, nil, nil
	kernelName = "go-6x16"
	copyStridedImpl, addStridedImpl = copyStridedGo, addStridedGo
	if !avx2 {
		return
	}
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
	if avx512 {
		kern12w = kern12x16AVX512
		kern12x32 = kern12x32AVX512
		kernelName = "avx512-12x16"
	}
}
