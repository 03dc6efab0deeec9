package gemm

import "unsafe"

// Register tile of the micro-kernels: mr rows of C by nr (or nrHalf) columns.
const (
	mr     = 6
	nr     = 16
	nrHalf = 8
)

// kernelFunc is the micro-kernel contract. It computes, for the mr×w tile of C
// at c (row stride ldc elements, w = 16 for kern16 and 8 for kern8):
//
//	C[i][j] = alpha * sum_p A[i][p]*B[p][j] + beta*C[i][j],  i < mr, j < w, p < k
//
// where A[i][p] is the float32 at a + (i*rsa + p*csa) elements and B is a packed
// panel: row p is the w contiguous floats at b + p*w elements. When beta == 0, C
// is not read (so NaNs in C do not propagate), as in BLAS. All mr rows and w
// columns are read and written: callers handle edge tiles through a scratch tile.
type kernelFunc func(k int, a unsafe.Pointer, rsa, csa int, b, c unsafe.Pointer, ldc int, alpha, beta float32)

// kernel12Func is kernelFunc for a 12×8 tile whose rows 6..11 start at a2.
type kernel12Func func(k int, a, a2 unsafe.Pointer, rsa, csa int, b, c unsafe.Pointer, ldc int, alpha, beta float32)

// kernel12x32Func is kernel12Func for a 12×32 tile over two 16-wide packed
// panels of B, at b and b2.
type kernel12x32Func func(k int, a, a2 unsafe.Pointer, rsa, csa int, b, b2, c unsafe.Pointer, ldc int, alpha, beta float32)

var (
	// kern16 and kern8 are the micro-kernels chosen at init time: the assembly
	// ones when the CPU has AVX2 and FMA, the portable Go ones otherwise.
	kern16 kernelFunc = kern6x16Go
	kern8  kernelFunc = kern6x8Go
	// kern12 computes a 12×8 tile (two 6-row slivers of A, at a and a2,
	// sharing strides) for panels at most 8 wide; nil when the platform has
	// no such kernel (two kern8 calls are used instead).
	kern12 kernel12Func
	// kern12w computes a 12×16 tile for full 16-wide panels (the AVX-512
	// kernel); nil when the CPU has no such kernel (kern16 is used).
	kern12w kernel12Func
	// kern12x32 computes a 12×32 tile over two adjacent full 16-wide panels
	// (the second at b2); nil when the CPU has no such kernel (AVX-512).
	kern12x32 kernel12x32Func

	kernelName = "go-6x16"
	hasAVX512  bool
)

// KernelName reports which micro-kernel Sgemm uses on this machine, e.g.
// "avx512-12x16", "avx2-fma-6x16" or "go-6x16" (portable fallback).
func KernelName() string { return kernelName }

// HasAVX512 reports whether the CPU supports AVX-512F; Sgemm then computes
// 12×16 tiles of full 16-column panels with a 512-bit kernel.
func HasAVX512() bool { return hasAVX512 }

func kern6x16Go(k int, a unsafe.Pointer, rsa, csa int, b, c unsafe.Pointer, ldc int, alpha, beta float32) {
	kernGo(nr, k, a, rsa, csa, b, c, ldc, alpha, beta)
}

func kern6x8Go(k int, a unsafe.Pointer, rsa, csa int, b, c unsafe.Pointer, ldc int, alpha, beta float32) {
	kernGo(nrHalf, k, a, rsa, csa, b, c, ldc, alpha, beta)
}

// kernGo is the portable micro-kernel. It keeps the tile in a local array and
// walks the packed B panel once.
func kernGo(w, k int, a unsafe.Pointer, rsa, csa int, b, c unsafe.Pointer, ldc int, alpha, beta float32) {
	var acc [mr][nr]float32
	if k > 0 {
		av := unsafe.Slice((*float32)(a), (mr-1)*rsa+(k-1)*csa+1)
		bv := unsafe.Slice((*float32)(b), k*w)
		for p := 0; p < k; p++ {
			brow := bv[p*w : p*w+w]
			for i := 0; i < mr; i++ {
				ai := av[i*rsa+p*csa]
				row := acc[i][:w]
				for j, bj := range brow {
					row[j] += ai * bj
				}
			}
		}
	}
	cv := unsafe.Slice((*float32)(c), (mr-1)*ldc+w)
	for i := 0; i < mr; i++ {
		crow := cv[i*ldc : i*ldc+w]
		if beta == 0 {
			for j := range crow {
				crow[j] = alpha * acc[i][j]
			}
		} else {
			for j := range crow {
				crow[j] = alpha*acc[i][j] + beta*crow[j]
			}
		}
	}
}

// UseKernels installs the micro-kernels of the portable path (avx2 false), the
// AVX2+FMA path (avx2 true) or the AVX-512 path (both true), capped to what the
// CPU supports, and returns a function that restores the CPU's default. It lets
// tests of other packages run on each path (e.g. protoseg's unit kernel, whose
// exactness depends on how the products round); it must not be called while a
// Sgemm call is in flight.
func UseKernels(avx2, avx512 bool) (restore func()) {
	hasAVX2, hasAVX512 := cpuKernels()
	selectKernels(avx2 && hasAVX2, avx2 && avx512 && hasAVX512)
	return func() { selectKernels(cpuKernels()) }
}
