package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"unsafe"
)

// naiveSgemm is the reference: a triple loop accumulating in float64.
func naiveSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			r := float64(alpha) * s
			if beta != 0 {
				r += float64(beta) * float64(c[i*ldc+j])
			}
			c[i*ldc+j] = float32(r)
		}
	}
}

// kernelPaths returns the kernel paths this CPU can run, as the arguments of
// selectKernels: portable Go, then AVX2+FMA and AVX-512 where present.
func kernelPaths() [][2]bool {
	avx2, avx512 := cpuKernels()
	paths := [][2]bool{{false, false}}
	if avx2 {
		paths = append(paths, [2]bool{true, false})
	}
	if avx512 {
		paths = append(paths, [2]bool{true, true})
	}
	return paths
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	padA, padB     int // extra leading-dimension padding
	padC           int
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,alpha=%g,beta=%g,pad=%d/%d/%d",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.padA, tc.padB, tc.padC)
}

// checkCase runs fn and the naive reference on the same random inputs and
// compares them with a tolerance scaled by sqrt(k). It returns fn's C.
func checkCase(t *testing.T, tc gemmCase, fn func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)) []float32 {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(tc.m*1000003+tc.n*1009+tc.k), 7))
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	lda, ldb, ldc := max(1, ac+tc.padA), max(1, bc+tc.padB), max(1, tc.n+tc.padC)
	a := randSlice(r, ar*lda)
	b := randSlice(r, br*ldb)
	c0 := randSlice(r, tc.m*ldc)
	if tc.beta == 0 {
		for i := range c0 {
			c0[i] = float32(math.NaN()) // must not be read
		}
	}
	want := append([]float32(nil), c0...)
	got := append([]float32(nil), c0...)
	naiveSgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
	fn(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
	tol := 1e-5 * (1 + math.Sqrt(float64(tc.k))) * 4
	for i := 0; i < tc.m; i++ {
		for j := 0; j < ldc; j++ {
			g, w := got[i*ldc+j], want[i*ldc+j]
			if j >= tc.n { // padding must be untouched
				if math.Float32bits(g) != math.Float32bits(c0[i*ldc+j]) {
					t.Fatalf("%v: padding C[%d,%d] changed: %v -> %v", tc, i, j, c0[i*ldc+j], g)
				}
				continue
			}
			if d := math.Abs(float64(g - w)); !(d <= tol*(1+math.Abs(float64(w)))) {
				t.Fatalf("%v: C[%d,%d] = %v, want %v (diff %g)", tc, i, j, g, w, d)
			}
		}
	}
	return got
}

func gemmCases() []gemmCase {
	var cases []gemmCase
	shapes := [][3]int{
		{1, 1, 1}, {7, 13, 5}, {65, 33, 129}, {6, 16, 4}, {12, 32, 300}, {5, 8, 3}, {6, 9, 17},
		{13, 24, 1}, {100, 7, 70}, {3, 100, 40}, {257, 40, 513}, {40, 72, 16}, {72, 16, 3000},
		{30, 20, 2500}, {500, 17, 9},
	}
	for _, s := range shapes {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			cases = append(cases, gemmCase{transA: tr[0], transB: tr[1], m: s[0], n: s[1], k: s[2], alpha: 1, beta: 0})
		}
		cases = append(cases,
			gemmCase{m: s[0], n: s[1], k: s[2], alpha: 0.5, beta: -1.5, padA: 3, padB: 5, padC: 2},
			gemmCase{transA: true, transB: true, m: s[0], n: s[1], k: s[2], alpha: -2, beta: 1, padA: 1, padB: 7, padC: 9},
		)
	}
	return cases
}

func TestSgemm(t *testing.T) {
	for _, nw := range []int{1, 2, 3} {
		prev := SetMaxThreads(nw)
		for _, tc := range gemmCases() {
			checkCase(t, tc, Sgemm)
		}
		SetMaxThreads(prev)
	}
}

// TestSgemmSmallBlocks shrinks the blocking parameters so that every code
// path (several k blocks, column blocks, split-K, packed and unpacked A) runs
// on small shapes.
func TestSgemmSmallBlocks(t *testing.T) {
	defer func(kc, mc, pbl, pam, pal, sf, kmn, kmk int) {
		kcMax, mcMax, packBLimit, packAMinPanels, packAMinLd, serialFlops, kSplitMaxMN, kSplitMinK = kc, mc, pbl, pam, pal, sf, kmn, kmk
	}(kcMax, mcMax, packBLimit, packAMinPanels, packAMinLd, serialFlops, kSplitMaxMN, kSplitMinK)
	wsPool = sync.Pool{New: wsPool.New}
	defer func() { wsPool = sync.Pool{New: wsPool.New} }()
	kcMax, mcMax, packBLimit, packAMinLd, serialFlops, kSplitMinK = 16, 24, 600, 0, 0, 64
	// packBLimit = 600 also makes k > 37 take the long-reduction slicing path.
	prev := SetMaxThreads(2)
	defer SetMaxThreads(prev)
	for _, pam := range []int{1, 100} {
		packAMinPanels = pam
		for _, tc := range gemmCases() {
			checkCase(t, tc, Sgemm)
		}
	}
}

func TestSgemmDegenerate(t *testing.T) {
	c := []float32{1, 2, 3, 4}
	Sgemm(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 2, c, 2)
	if c[3] != 8 {
		t.Fatalf("k=0, beta=2: got %v", c)
	}
	Sgemm(false, false, 2, 2, 3, 0, make([]float32, 6), 3, make([]float32, 6), 2, 0, c, 2)
	if c[0] != 0 || c[3] != 0 {
		t.Fatalf("alpha=0, beta=0: got %v", c)
	}
	Sgemm(false, false, 0, 0, 5, 1, nil, 5, nil, 1, 0, nil, 1)
}

func TestSgemmPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"negative": func() { Sgemm(false, false, -1, 1, 1, 1, nil, 1, nil, 1, 0, nil, 1) },
		"lda": func() {
			Sgemm(false, false, 2, 2, 3, 1, make([]float32, 6), 2, make([]float32, 6), 2, 0, make([]float32, 4), 2)
		},
		"shortB": func() {
			Sgemm(false, false, 2, 2, 3, 1, make([]float32, 6), 3, make([]float32, 5), 2, 0, make([]float32, 4), 2)
		},
		"shortC": func() {
			Sgemm(false, false, 2, 2, 3, 1, make([]float32, 6), 3, make([]float32, 6), 2, 0, make([]float32, 3), 2)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestSgemmBatched(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range [][3]int{{7, 13, 5}, {64, 40, 50}, {200, 100, 80}} {
		m, n, k, batch := s[0], s[1], s[2], 5
		a := randSlice(r, batch*m*k)
		b := randSlice(r, k*n) // shared: strideB = 0
		c := randSlice(r, batch*m*n)
		// b is one n×k matrix used transposed by every product.
		want2 := append([]float32(nil), c...)
		for i := 0; i < batch; i++ {
			naiveSgemm(false, true, m, n, k, 1.5, a[i*m*k:], k, b, k, 0.5, want2[i*m*n:], n)
		}
		SgemmBatched(batch, false, true, m, n, k, 1.5, a, k, m*k, b, k, 0, 0.5, c, n, m*n)
		for i := range c {
			if d := math.Abs(float64(c[i] - want2[i])); d > 1e-4*(1+math.Abs(float64(want2[i]))) {
				t.Fatalf("%v: batched c[%d]=%v want %v", s, i, c[i], want2[i])
			}
		}
	}
}

// TestKernelsAgree checks the selected (assembly) kernels against the
// portable Go kernels on random panels, including strided (unpacked) A.
func TestKernelsAgree(t *testing.T) {
	t.Logf("kernel: %s, AVX-512: %v", KernelName(), HasAVX512())
	r := rand.New(rand.NewPCG(3, 4))
	for _, w := range []int{nr, nrHalf} {
		fast, ref := kern16, kern6x16Go
		if w == nrHalf {
			fast, ref = kern8, kern6x8Go
		}
		for _, k := range []int{0, 1, 3, 4, 5, 8, 17, 256} {
			for _, beta := range []float32{0, 1, -0.5} {
				for _, strided := range []bool{false, true} {
					lda := 37 + k
					a := randSlice(r, mr*lda+k*mr)
					rs, cs := 1, mr
					if strided {
						rs, cs = lda, 1
					}
					b := randSlice(r, k*w+1)
					ldc := w + 3
					c1 := randSlice(r, mr*ldc)
					c2 := append([]float32(nil), c1...)
					fast(k, unsafe.Pointer(&a[0]), rs, cs, unsafe.Pointer(&b[0]), unsafe.Pointer(&c1[0]), ldc, 1.25, beta)
					ref(k, unsafe.Pointer(&a[0]), rs, cs, unsafe.Pointer(&b[0]), unsafe.Pointer(&c2[0]), ldc, 1.25, beta)
					for i := range c1 {
						if d := math.Abs(float64(c1[i] - c2[i])); d > 1e-5*(1+math.Sqrt(float64(k)))*(1+math.Abs(float64(c2[i]))) {
							t.Fatalf("w=%d k=%d beta=%v strided=%v: c[%d] fast=%v go=%v", w, k, beta, strided, i, c1[i], c2[i])
						}
					}
				}
			}
		}
	}
}

// TestSgemmPortableKernel runs the whole Sgemm with the Go kernels forced.
func TestSgemmPortableKernel(t *testing.T) {
	defer selectKernels(cpuKernels())
	selectKernels(false, false)
	if KernelName() != "go-6x16" {
		t.Fatalf("forced portable path, kernel %q", KernelName())
	}
	for _, tc := range gemmCases()[:40] {
		checkCase(t, tc, Sgemm)
	}
}

// TestSgemmKernelPaths forces each kernel path this CPU can run (portable Go,
// AVX2+FMA, AVX-512), checks the whole Sgemm on every test case under each,
// and checks that the AVX2 and AVX-512 paths give bit-identical results (the
// 512-bit kernel runs the same FMA chain per element), so training is
// bit-deterministic whichever of the two the CPU selects.
func TestSgemmKernelPaths(t *testing.T) {
	defer selectKernels(cpuKernels())
	avx2, avx512 := cpuKernels()
	type path struct {
		name         string
		avx2, avx512 bool
	}
	paths := []path{{"go-6x16", false, false}}
	if avx2 {
		paths = append(paths, path{"avx2-fma-6x16", true, false})
	}
	if avx512 {
		paths = append(paths, path{"avx512-12x16", true, true})
	}
	t.Logf("paths on this CPU: %v", paths)
	cases := append(gemmCases(), gemmCase{m: 300, n: 48, k: 300, alpha: 1}, gemmCase{transA: true, m: 1030, n: 40, k: 70, alpha: 1, beta: 0.5},
		gemmCase{m: 40960 / 8, n: 16, k: 72, alpha: 1}, gemmCase{m: 640, n: 128, k: 576, alpha: 1})
	outs := make([][][]float32, len(paths))
	for pi, pa := range paths {
		selectKernels(pa.avx2, pa.avx512)
		if KernelName() != pa.name {
			t.Fatalf("forced %s, kernel %q", pa.name, KernelName())
		}
		for _, tc := range cases {
			outs[pi] = append(outs[pi], checkCase(t, tc, Sgemm))
		}
	}
	if len(paths) == 3 {
		for ci := range cases {
			for i, v := range outs[1][ci] {
				if math.Float32bits(v) != math.Float32bits(outs[2][ci][i]) {
					t.Fatalf("%v: c[%d] avx2=%v avx512=%v (not bit-identical)", cases[ci], i, v, outs[2][ci][i])
				}
			}
		}
	}
}

// TestSgemmConcurrent runs many small and medium products at once (under
// -race this checks the goroutine split and the shared pools).
func TestSgemmConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, tc := range []gemmCase{
				{m: 65, n: 33, k: 129, alpha: 1},
				{transA: true, m: 72, n: 16, k: 2000, alpha: 1, beta: 1},
				{transB: true, m: 300, n: 40, k: 16, alpha: 1},
			} {
				checkCase(t, tc, Sgemm)
			}
		}()
	}
	wg.Wait()
}

// TestKernel12 checks the 12-row kernels (12×8 AVX2, 12×16 AVX-512) against
// two portable 6-row calls.
func TestKernel12(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, kc := range []struct {
		name string
		w    int
		fast kernel12Func
		ref  kernelFunc
	}{{"12x8", nrHalf, kern12, kern6x8Go}, {"12x16", nr, kern12w, kern6x16Go}} {
		if kc.fast == nil {
			t.Logf("no %s kernel on this CPU", kc.name)
			continue
		}
		for _, k := range []int{0, 1, 2, 3, 4, 5, 36, 73, 256} {
			for _, beta := range []float32{0, 0.5} {
				for _, strided := range []bool{false, true} {
					lda := 11 + k
					a := randSlice(r, 2*mr*lda+k*mr)
					a2 := randSlice(r, 2*mr*lda+k*mr)
					rs, cs := 1, mr
					if strided {
						rs, cs = lda, 1
					}
					b := randSlice(r, k*kc.w+1)
					ldc := kc.w + 5
					c1 := randSlice(r, 2*mr*ldc)
					c2 := append([]float32(nil), c1...)
					kc.fast(k, unsafe.Pointer(&a[0]), unsafe.Pointer(&a2[0]), rs, cs, unsafe.Pointer(&b[0]), unsafe.Pointer(&c1[0]), ldc, -0.75, beta)
					kc.ref(k, unsafe.Pointer(&a[0]), rs, cs, unsafe.Pointer(&b[0]), unsafe.Pointer(&c2[0]), ldc, -0.75, beta)
					kc.ref(k, unsafe.Pointer(&a2[0]), rs, cs, unsafe.Pointer(&b[0]), unsafe.Pointer(&c2[mr*ldc]), ldc, -0.75, beta)
					for i := range c1 {
						if d := math.Abs(float64(c1[i] - c2[i])); d > 1e-5*(1+math.Sqrt(float64(k)))*(1+math.Abs(float64(c2[i]))) {
							t.Fatalf("%s k=%d beta=%v strided=%v: c[%d] asm=%v go=%v", kc.name, k, beta, strided, i, c1[i], c2[i])
						}
					}
				}
			}
		}
	}
}
