// Package gemm provides the float32 compute kernels of protoseg-go's CPU
// backend: a cache-blocked, packed matrix multiply (Sgemm, SgemmBatched) and
// the convolution helpers built around it (Im2Col3x3, Col2Im3x3, Conv3x3,
// Conv3x3Post, ConvWeightGrad3x3, Correlate3x3x3). It has no dependency on
// GoMLX.
//
// # Matrix multiply
//
// Sgemm follows the BLAS sgemm contract on row-major matrices. It uses the
// Goto/BLIS loop structure:
//
//   - B (k×n) is packed once per call into panels of 16 columns (the last one
//     8 wide when at most 8 columns remain), each panel a k×16 row-major
//     block, so the micro-kernel streams it with two aligned-size vector loads
//     per k. When k·n exceeds packBLimit (4 MiB) B is processed in column
//     blocks of nc = packBLimit/k columns.
//   - The reduction is cut into blocks of at most kc = 256 (equal sizes), so a
//     k-slice of a B panel (16 KiB) stays in L1.
//   - The rows of C are cut into work items of at most mc = 144 rows. Each
//     item sweeps the B panels, calling the micro-kernel for every 6×16 tile
//     while its mc×kc block of A stays in L2. The kernel reads A in place,
//     with its own row and column strides: for the tall-skinny products of a
//     U-Net convolution (n = 8..128) packing A would add a full pass over the
//     largest operand for little reuse, and measurement showed in-place reads
//     faster on every U-Net shape. Only a transposed A with a large row
//     stride (≥ 1024, where each k would touch a new page) is packed, into
//     panels of 6 rows; a partial last sliver is copied to a zero-padded
//     buffer.
//   - Work items (and, when there are few rows, chunks of panels) are handed
//     to goroutines through an atomic counter. Products with a small output
//     and a long reduction (a convolution's weight gradient) split k instead,
//     each goroutine accumulating into a private buffer that is summed at the
//     end. Small products (< 2^19 flops) run on the calling goroutine. No
//     shared worker pool is used, so calls can nest or run concurrently
//     without the starvation that stalls GoMLX's simplego backend.
//
// The micro-kernel computes a 6×16 tile of C in twelve 8-lane registers: for
// each k it loads one 16-wide row of the B panel (2 registers), broadcasts
// the six A values and issues 12 fused multiply-adds. On amd64 with AVX2 and
// FMA (detected at run time with golang.org/x/sys/cpu) it is written in Go
// assembly (VBROADCASTSS + VFMADD231PS, k unrolled by 4); elsewhere, or with
// the purego build tag, a portable Go kernel with the same contract is used.
// A 6×8 variant serves the last panel when it has at most 8 columns. Edge
// tiles (fewer than 6 rows or 16 columns) are computed into a scratch tile
// and merged, so any m, n, k is handled. On CPUs with AVX-512F (HasAVX512)
// full 16-column panels are computed 12 rows at a time by a 512-bit kernel
// (twelve zmm accumulators, one B load and twelve broadcast FMAs per k), and
// two adjacent full panels 12×32 at a time (24 accumulators, two B loads
// and twelve A broadcasts for 24 FMAs per k, so each broadcast serves two
// FMAs). Both run the same FMA chain per element as the AVX2 kernels, so
// results are bit-identical on all assembly paths. Tests force each path
// (portable, AVX2, AVX-512) through an internal switch.
//
// Measured on the 2-core development VM (AMD EPYC, AVX-512), a register-only
// loop of independent FMAs peaks at about 110 GFLOP/s per core with zmm and
// with ymm alike (512-bit FMAs issue at half the 256-bit rate), so the
// machine's float32 peak is about 220 GFLOP/s on 2 cores, not 2× that. On a
// hot tile the 12×32 kernel reaches it, the 12×16 ~95 % and the AVX2 12×8
// (8-column panels) ~80 %.
//
// # Convolution helpers
//
// Tensors are channels-last (NHWC). Im2Col3x3 expands a [n,h,w,c] input into
// the [n·h·w, 9·c] patch matrix of a 3×3, stride-1, pad-1 convolution, with
// the patch columns ordered (ky, kx, c) — the row-major flattening of HWIO
// weights [3,3,c,cout] — so a convolution is
// Sgemm(false, false, n·h·w, cout, 9·c, 1, col, 9·c, w, cout, 0, y, cout).
// Col2Im3x3 is its adjoint (the input gradient from the patch gradient).
//
// Conv3x3 and ConvWeightGrad3x3 compute the convolution and its weight
// gradient without materialising the patch matrix. For images at least 32
// (forward) or 16 (weight gradient) pixels wide they use the row-triple
// layout (conv_implicit.go): a work item
// copies, for each of its output rows, the three input rows the 3×3 window
// touches, interleaved per padded pixel as [x'][ky][c] (three copies of the
// input instead of the patch matrix's nine), and the micro-kernels read the
// patches in place from it with a row stride of 3·cin, in (kx, ky, c)
// order; the weights (or, for the gradient, the result rows) are permuted to
// match. The two padding columns per row are computed and dropped (forward)
// or multiplied by zero gradients (weight gradient). Narrower images expand
// patch rows into an L2-sized buffer. The weight gradient cuts the image
// rows into a number of parts fixed by the shape, each summed privately and
// added in order, so, like every path here, its result does not depend on
// the thread count.
//
// Conv3x3Post is Conv3x3 with a callback run on each block of whole output
// pixels while it is in cache: the backend folds an inference BatchNorm and
// ReLU into it, so a feature map is written once. Conv3x3Winograd computes
// the same convolution by Winograd's F(2×2, 3×3) (2.25× fewer
// multiplications): input, weight and output transforms in AVX-512, AVX2 or
// Go (the same additions in the same order, no FMA, so the same bits on every
// path and thread count), the 16 products on the micro-kernels, and the same
// post contract as Conv3x3Post. Its error against the exact convolution y
// is at most 1.01·(cin+10)·2⁻²⁴·ȳ, with ȳ the convolution of the absolute
// values (winograd_test.go).
// Inference's fused convolution+BatchNorm+ReLU uses it where WinogradWins
// (channel counts multiples of 8, at least 40 tiles; not the 1-channel first
// layer): 1.2–1.96× faster than Conv3x3Post per layer on the U-Net's shapes.
// Training and gradients stay on the direct convolution.
//
// Conv3x3PartsPost and Conv3x3PartsEpilogue (conv_parts.go) compute Conv3x3
// of a source whose channels are the side-by-side blocks of several
// ConvParts — a U-Net decoder's skip Concatenate — reading each block in
// place, optionally through a 2× depth-to-space plus bias (the up-sampling
// before its Transpose and bias Add); they are bit-identical to Conv3x3Post
// of the concatenated source. The Epilogue variant writes each output row
// from its scratch rows. Conv3x3PartsWinograd is Conv3x3Winograd of such a
// source (its rows built from the parts in a small ring), bit-identical to
// Conv3x3Winograd of the concatenation; inference's decoder convolutions use
// it where WinogradWins.
//
// # 3×3×3 correlations
//
// Correlate3x3x3 (conv3d.go) computes a 3D convolution (or, with Shift 2,
// the full correlation of an input gradient) with the three x-taps folded
// into the product's columns: per output row it builds the "row nonuple"
// [voxels, 9·c] by strided copies from the channels-last source, the
// micro-kernels read it in place, and the three x-shifted products are added
// with vector adds. Correlate3x3x3Parts reads a channel concatenation (the
// U-Net's skip connection) from its parts without materialising it. Its
// bits do not depend on the thread count.
package gemm
