// Package cpubackend is the project's CPU backend for GoMLX, registered as "cpu"
// and made the default when $GOMLX_BACKEND is unset (a user with an accelerator
// sets GOMLX_BACKEND=xla:cuda and nothing else changes).
//
// It wraps GoMLX's pure-Go backend simplego (v0.26.0) and fills the gaps that stop
// it from training a U-Net (DESIGN §7):
//
//   - Pad (needed by the gradient of Slice) is built from ops simplego has:
//     Concatenate with zero blocks made by BroadcastInDim; interior padding with
//     Reshape + Concatenate.
//   - Reverse (needed by the gradient of a convolution) is built from Slice and
//     Concatenate, one element at a time along each reversed axis — meant for the
//     small kernel axes it is used on.
//   - The slices given to Slice are copied, since simplego keeps them by reference.
//   - Ops run one after the other ("ops_sequential"): simplego's parallel executor
//     can stall for good when every worker slot is held by an op waiting for a slot
//     of the same pool (nested waits in its DotGeneral). Sequential op execution
//     never nests a wait inside a pool task; the heavy ops still use both cores
//     internally.
//
// The compute kernels that make training fast live in the sub-package gemm.
package cpubackend
