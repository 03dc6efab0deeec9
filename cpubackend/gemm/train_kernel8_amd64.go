//go:build amd64 && !purego

package gemm

import "unsafe"

// kern12x8AVX512 is the AVX-512 twin of kern12x8AVX2 (same contract, same
// results bit for bit): a 12×8 tile with two rows per zmm accumulator, for
// the half-width (8-column) panels of thin GEMMs (train_kernel8_amd64.s).
//
//go:noescape
func kern12x8AVX512(k int, a, a2 unsafe.Pointer, rsa, csa int, b, c unsafe.Pointer, ldc int, alpha, beta float32)
