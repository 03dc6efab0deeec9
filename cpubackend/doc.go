// Package cpubackend is the project's CPU backend for GoMLX, registered as "cpu"
// and made the default when $GOMLX_BACKEND is unset (a user with an accelerator
// sets GOMLX_BACKEND=xla:cuda and nothing else changes).
//
// It runs on cpubackend/simplego, a fork of GoMLX's pure-Go backend simplego
// v0.26.0 whose hot ops use the kernels of cpubackend/gemm (see the fork's
// package documentation for the list of changes): float32 DotGeneral as packed
// AVX2/FMA matrix products, GoMLX's DotGeneral gradient fused back into
// products, the im2col convolution of package unet fused into gemm.Conv3x3 and
// its gradient into one col2im pass, strided views instead of copies for
// Slice/Broadcast/Reverse, Pad and Reverse as real ops, and parallel
// contiguous loops for element-wise ops and reductions.
//
// This package adds what stays a wrapper: unit strides and dilations for
// ConvGeneral when the caller (GoMLX's convolution gradient) passes none, and
// unit strides for Slice.
//
// Ops run one after the other ("ops_sequential") and each kernel uses both
// cores with plain goroutines: upstream simplego's parallel executor can stall
// for good when every worker slot is held by an op waiting for a slot of the
// same pool (nested waits in its DotGeneral, DESIGN §7). TestNoStall runs 200
// training steps of a U-Net-like graph under a deadline and fails with a
// goroutine dump on a stall.
//
// New accepts the fork's configuration keys; "reference" selects upstream's
// kernels (for comparisons). $CPUBACKEND_OPSTATS=file profiles time per op.
package cpubackend
