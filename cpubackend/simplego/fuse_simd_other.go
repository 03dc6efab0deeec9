//go:build !amd64 || purego

package simplego

// No AVX2 kernels on this platform: the fusions run their Go loops.

// hasSIMD reports whether this CPU runs the AVX2 kernels.
const hasSIMD = false

func ewKernelSIMD(op ewOp, dst, a, b []float32, n int) bool          { return false }
func affineReluSIMD(o, x, s, t []float32, n int)                     {}
func affineReluGradSIMD(o, v, x, s, t []float32, n int)              {}
func chanLinSIMD(o, g, a, x, b, c []float32, n int)                  {}
func chanSumSIMD(kind chanReduceKind, acc, x, m []float32, rows int) {}
