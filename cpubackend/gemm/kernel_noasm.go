//go:build !amd64 || purego

package gemm

// No assembly kernels on this platform: the portable Go kernels set in
// kernel.go are used.
