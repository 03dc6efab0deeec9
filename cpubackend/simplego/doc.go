// Package simplego is protoseg-go's fork of GoMLX's pure-Go backend
// (github.com/gomlx/gomlx/backends/simplego v0.26.0, Apache-2.0, see LICENSE),
// constructed directly by package cpubackend. Importing it registers nothing
// with backends.Register (upstream registers "go" in an init; the scripted
// rewrite drops it).
//
// The fork is mechanical to re-sync (procedure: cpubackend/doc.go). Every
// file is either upstream-derived, byte-identical to simplego v0.26.0 after
// the scripted rewrite of cpubackend/resync.sh (local stand-ins for GoMLX's
// internal packages and testify, no package doc, no init registration, no
// go:generate lines, two printf argument fixes that go vet asks for) plus
// hooks, or fork-only. A hook is one statement or struct field ending in a
// "// fork:" comment that calls into fork_hooks.go; `cpubackend/resync.sh
// diff` shows all of them. BackendName stays upstream's "go" (it only appears
// in error messages; package cpubackend names the backend "cpu").
//
// Changes from upstream:
//
//   - The indices given to Slice are copied (upstream kept them by reference).
//   - Ops run sequentially by default ("ops_parallel" restores upstream's
//     parallel executor, which can stall on nested pool waits and races on its
//     result slices).
//   - Configuration "reference": upstream's kernels only (no fast paths, no
//     fusions); the tests compare every fast path against it.
//   - DotGeneral (float32) through cpubackend/gemm.SgemmBatched: operands used
//     in place as [batch, cross, contracting] or [batch, contracting, cross]
//     (transpose flags), transposed once otherwise (fast_dot.go); products
//     without cross axes (per-pixel, per-channel dot products) as direct loops.
//   - ReduceSum(Mul(broadcast a, broadcast b)) — how GoMLX differentiates
//     DotGeneral, materialising an outer product — is built as a DotGeneral of
//     a and b (fuse_mulreduce.go).
//   - An im2col 3×3 convolution written in the graph (zero rows/columns, 9
//     slices, Concatenate, Dot) runs as gemm.Conv3x3 (fuse_conv.go), and its
//     gradient (the sum of 9 Pads of the patch-gradient blocks) as one col2im
//     pass (fuse_col2im.go); the interior of that gradient (what the
//     gradients of the zero-padding Concatenates slice out) is built as one
//     gemm.Conv3x3 of the output gradient with the flipped, transposed
//     weights, so the 9× patch gradient is never computed (fuse_convgrad.go).
//   - In inference, the BatchNorm+ReLU after such a convolution
//     (max(float32(y·s) + t, c) per channel) runs as the epilogue of
//     gemm.Conv3x3Post on each block of output pixels while in cache, so each
//     feature map is written once; bit-identical; turned back into two nodes at
//     Compile when anything else needs the convolution (fuse_convbnrelu.go).
//   - A Reshape of a graph output (a feature map before max-pooling or the
//     head) is a view of it, not a copy: the executor does not own it
//     (fork_views.go).
//   - float32 Exp is split over the cores (same bits as upstream).
//   - GoMLX's gradient of Max(x, 0) (a ReLU), Mul(v, Sign(Add(Sign(Sub(x,
//     0)), 1))), runs as one bit-identical pass (fuse_relugrad.go).
//   - Batch normalisation (package unet writes its training gradient in
//     closed form): the per-channel sums Σx, Σa·b and Σ(x − m)² over every
//     axis but the last are one blocked pass each, in an order independent of
//     the core count; the gradient pass a·g + b·x + c (per-channel a, b, c) is
//     one bit-identical pass, in place; Identity nodes (StopGradient, custom
//     gradients) are looked through by the BatchNorm+ReLU fusions (fuse_bn.go).
//   - Chains of same-shape float32 element-wise ops (Add, Sub, Mul, Div, Max,
//     Min, Neg, Abs, Sqrt, Sign; such as Adam's update) are fused at Compile
//     into one chunked pass, bit-identical (fuse_elementwise.go).
//   - AVX2 kernels (fuse_simd_amd64.s) for those chains and the BatchNorm
//     fusions, bit-identical to their Go loops; tests force both paths.
//   - The 3×3×3 convolution of package unet's 3D network (zero planes, 27
//     slices, Concatenate, Dot) runs as gemm.Correlate3x3x3 (fuse_conv3d*.go):
//     forward, weight gradient and input gradient, each independent of the
//     thread count; when its input is the skip connection's channel
//     Concatenate, the forward product reads the two operands directly; the
//     interior of its input gradient is computed without the padded border.
//   - 2×2×2 max-pooling (the reshape-and-ReduceMax of package unet) is one
//     strided pass (fuse_pool3d.go).
//   - 2D inference (issue 23): the decoder's first convolution reads the
//     skip Concatenate's operands, the up-sampled one through its
//     depth-to-space and bias (gemm.Conv3x3PartsEpilogue), so neither the
//     Concatenate nor the up-sampling's Transpose and bias Add run
//     (fuse_convparts.go); 2×2 max-pooling is one strided pass, AVX2 for
//     channels in multiples of 8 (fuse_pool2d.go, pool2d_amd64.s: the
//     instructions Go compiles max to, on 8 lanes); the head's softmax
//     probability and argmax mask are one pass each over the last dense
//     layer's product, adding its bias themselves (fuse_head.go). All
//     bit-identical to the unfused ops, NaN payloads included.
//   - float32 matrix–vector products (one operand without cross axes, no
//     transpose) read the matrix once in place, in a fixed summation order,
//     Go and AVX2 bit-identical (fast_gemv.go).
//   - Released buffers are kept in a per-backend free list (128 MiB) that
//     survives garbage collections (fork_buffers.go).
//   - Slice, Broadcast, BroadcastInDim and Reverse are strided views:
//     Concatenate and Pad read their operands through them without
//     materialising them (fast_views.go); binary ops absorb rank-preserving
//     BroadcastInDim operands and broadcast scalars.
//   - Pad and Reverse are real ops (any dtype).
//   - float32 fast paths (fast_ops.go, fast_nd.go): Add, Sub, Mul, Div, Max,
//     Min with broadcasting, ReduceSum/Max/Min, BroadcastInDim, Slice,
//     Concatenate, Transpose, Sign — loops over merged contiguous axes (short
//     reduced rows, as in 2×2 max-pooling, without per-row bookkeeping), split
//     over the cores with plain goroutines (never a bounded pool, so nothing
//     can stall on nested waits). Other dtypes use upstream's executors.
//   - $CPUBACKEND_OPSTATS=file (or "-") writes the time per op type and shape
//     (opstats.go), the tool used to find the hot ops.
package simplego
