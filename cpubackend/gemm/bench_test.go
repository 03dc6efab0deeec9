package gemm

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// peakGFLOPS is this machine's float32 peak in GFLOP/s for the threads Sgemm
// uses: threads × 2 FMA pipes × 8 lanes (256-bit AVX2) × 2 flops per FMA ×
// clock. The clock is the first "cpu MHz" line of /proc/cpuinfo: 2445 MHz on
// the 2-core AMD EPYC (Zen 3, family 25) development VM, which gives
// 2 × 2 × 8 × 2 × 2.445 = 156.5 GFLOP/s. Two 256-bit FMA pipes is right for
// Zen 2+ and Haswell+ cores. The figure is nominal: under boost the VM's
// cores run faster (the 6×16 kernel alone sustains ~98 GFLOP/s on one core
// with hot caches, i.e. ~3.07 GHz), so "%peak" can exceed 100. It returns 0
// when the clock cannot be read.
func peakGFLOPS() float64 { return float64(threads()) * peakPerCore() }

var peakPerCore = sync.OnceValue(func() float64 {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "cpu MHz" {
			mhz, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err != nil {
				return 0
			}
			return 2 * 8 * 2 * mhz / 1000
		}
	}
	return 0
})

type benchShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

// benchShapes are the products of a U-Net at batch 10, 64×64, Base 8–16 when
// 3×3 convolutions run as im2col + GEMM (M = pixels, N = out channels,
// K = 9·in channels), their gradients, and square references.
var benchShapes = []benchShape{
	{name: "fwd/M=40960,N=8,K=36", m: 40960, n: 8, k: 36},
	{name: "fwd/M=40960,N=8,K=72", m: 40960, n: 8, k: 72},
	{name: "fwd/M=40960,N=16,K=72", m: 40960, n: 16, k: 72},
	{name: "fwd/M=10240,N=32,K=144", m: 10240, n: 32, k: 144},
	{name: "fwd/M=2560,N=64,K=288", m: 2560, n: 64, k: 288},
	{name: "fwd/M=640,N=128,K=576", m: 640, n: 128, k: 576},
	{name: "dX/M=40960,N=72,K=16,tB", transB: true, m: 40960, n: 72, k: 16},
	{name: "dX/M=2560,N=288,K=64,tB", transB: true, m: 2560, n: 288, k: 64},
	{name: "dW/M=72,N=16,K=40960,tA", transA: true, m: 72, n: 16, k: 40960},
	{name: "dW/M=288,N=64,K=2560,tA", transA: true, m: 288, n: 64, k: 2560},
	{name: "square/512", m: 512, n: 512, k: 512},
	{name: "square/1024", m: 1024, n: 1024, k: 1024},
}

func benchOperands(s benchShape) (a, b, c []float32, lda, ldb int) {
	a = make([]float32, s.m*s.k)
	b = make([]float32, s.k*s.n)
	c = make([]float32, s.m*s.n)
	for i := range a {
		a[i] = float32(i%7) - 3
	}
	for i := range b {
		b[i] = float32(i%5) - 2
	}
	lda, ldb = s.k, s.n
	if s.transA {
		lda = s.m
	}
	if s.transB {
		ldb = s.k
	}
	return
}

func reportFlops(b *testing.B, s benchShape) {
	flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
	gf := flops / b.Elapsed().Seconds() / 1e9
	b.ReportMetric(gf, "GFLOP/s")
	if pk := peakGFLOPS(); pk > 0 {
		b.ReportMetric(100*gf/pk, "%peak")
	}
}

// BenchmarkSgemm measures Sgemm on U-Net-shaped products (GFLOP/s and % of
// the machine's peak, see peakGFLOPS). Sub-benchmarks "naive/…" run a plain
// Go triple loop (i, p, j order, single goroutine) as the baseline.
func BenchmarkSgemm(b *testing.B) {
	b.Logf("kernel %s, %d threads, peak %.1f GFLOP/s", KernelName(), threads(), peakGFLOPS())
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) {
			x, y, c, lda, ldb := benchOperands(s)
			for b.Loop() {
				Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, x, lda, y, ldb, 0, c, s.n)
			}
			reportFlops(b, s)
		})
	}
	for _, s := range []benchShape{benchShapes[2], benchShapes[5], benchShapes[10]} {
		b.Run("naive/"+s.name, func(b *testing.B) {
			x, y, c, _, _ := benchOperands(s)
			for b.Loop() {
				naiveLoop(s.m, s.n, s.k, x, y, c)
			}
			reportFlops(b, s)
		})
	}
}

// naiveLoop is the baseline: C = A·B with the cache-friendly i, p, j loop
// order and no blocking, vectorisation or threads.
func naiveLoop(m, n, k int, a, b, c []float32) {
	for i := 0; i < m; i++ {
		crow := c[i*n : i*n+n]
		clear(crow)
		for p := 0; p < k; p++ {
			av := a[i*k+p]
			brow := b[p*n : p*n+n]
			for j, bv := range brow {
				crow[j] += av * bv
			}
		}
	}
}

// BenchmarkSgemmThreads1 runs the same shapes on one goroutine (the
// baseline for the parallel speed-up).
func BenchmarkSgemmThreads1(b *testing.B) {
	prev := SetMaxThreads(1)
	defer SetMaxThreads(prev)
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) {
			x, y, c, lda, ldb := benchOperands(s)
			for b.Loop() {
				Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, x, lda, y, ldb, 0, c, s.n)
			}
			reportFlops(b, s) // %peak is against one core's peak here
		})
	}
}

// BenchmarkSgemmPaths runs the U-Net shapes under each kernel path this CPU
// can run (AVX2+FMA 6×16, AVX-512 12×16), interleaved so that both see the
// same machine load.
func BenchmarkSgemmPaths(b *testing.B) {
	defer selectKernels(cpuKernels())
	avx2, avx512 := cpuKernels()
	for _, s := range benchShapes {
		for _, wide := range []bool{false, true} {
			if !avx2 || wide && !avx512 {
				continue
			}
			selectKernels(true, wide)
			name := KernelName()
			b.Run(s.name+"/"+name, func(b *testing.B) {
				selectKernels(true, wide)
				x, y, c, lda, ldb := benchOperands(s)
				for b.Loop() {
					Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, x, lda, y, ldb, 0, c, s.n)
				}
				reportFlops(b, s)
			})
		}
	}
}
