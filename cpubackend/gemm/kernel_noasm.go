//go:build !amd64 || purego

package gemm

// No assembly kernels on this platform: the portable Go kernels set in
// kernel.go are used.

// cpuKernels reports that no assembly kernel is available.
func cpuKernels() (avx2, avx512 bool) { return false, false }

// selectKernels installs the portable kernels whatever it is asked for.
func selectKernels(avx2, avx512 bool) {
	kern16, kern8, kern12, kern12w, kern12x32 = kern6x16Go, kern6x8Go, nil, nil, nil
	kernelName = "go-6x16"
	copyStridedImpl, addStridedImpl = copyStridedGo, addStridedGo
}
