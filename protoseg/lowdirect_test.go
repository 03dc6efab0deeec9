package protoseg

import (
	"math/rand/v2"
	"testing"
)

// TestLowDirectLevels checks that the feature side on the host gives the same
// bits on its AVX2 kernels as on its Go loops (the order both follow is
// checked against the cpu backend's graph in package cpubackend), for channel
// counts below, at and around the kernels' blocks of 8 and 32, with ties
// (equal prototypes), empty totals and NaN-free random values.
func TestLowDirectLevels(t *testing.T) {
	if !lowGemvHasSIMD() {
		t.Skip("no AVX2 kernels on this CPU")
	}
	defer lowGemvSIMD.Store(lowGemvSIMD.Load())
	rng := rand.New(rand.NewPCG(3, 5))
	for _, c := range []int{1, 3, 8, 13, 16, 32, 40, 64, 128} {
		for _, s := range []int{1, 7, 13, 64} {
			n := 3
			f, objLow, bgLow := randomValues(rng, n*s*c), randomValues(rng, n*s), randomValues(rng, n*s)
			copy(bgLow[:s], objLow[:s])                           // image 0: equal prototypes (ties) ...
			sumT, sumB := []float32{2, 0, 5}, []float32{2, 3, -1} // ... image 1 and 2: guarded totals
			lowGemvSIMD.Store(false)
			d0, s0, l0 := lowDirect(f, objLow, bgLow, sumT, sumB, n, s, c)
			lowGemvSIMD.Store(true)
			d1, s1, l1 := lowDirect(f, objLow, bgLow, sumT, sumB, n, s, c)
			if !sameBits(d0, d1) || !sameBits(s0, s1) || !sameBits(l0, l1) {
				t.Fatalf("c=%d s=%d: the AVX2 kernels differ from the Go loops", c, s)
			}
			d2, s2, l2 := lowDirect(f[s*c:], objLow[s:], bgLow[s:], sumT[1:], sumB[1:], n-1, s, c) // images 1, 2 as a pair
			if !sameBits(d0[c:], d2) || !sameBits(s0[c:], s2) || !sameBits(l0[s:], l2) {
				t.Fatalf("c=%d s=%d: images 1 and 2 as a pair differ from 1 paired with 0 and 2 alone", c, s)
			}
			for j := range c {
				if d0[j] != 0 {
					t.Fatalf("c=%d s=%d: tie gave diff %g, want 0", c, s, d0[j])
				}
			}
		}
	}
}

// randomValues draws k values of mixed magnitudes and signs.
func randomValues(rng *rand.Rand, k int) []float32 {
	x := make([]float32, k)
	for i := range x {
		x[i] = float32((rng.Float64() - 0.3) * float64(int(1)<<rng.IntN(8)) / 8)
	}
	return x
}

// TestLowDirectProbe checks that an analyzer takes the host path only for
// shapes whose probe passed: on the test backend the probe's verdict is
// whatever the backend's sums give, and the kernel path still matches the
// graph path either way (TestUnitKernelMatchesGraph).
func TestLowDirectProbe(t *testing.T) {
	a := newTestAnalyzer(t, Bilinear)
	ok, err := a.lowDirectOK([]int{2, 4, 4, 8})
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := a.lowDirectOK([]int{2, 4, 4, 8}); again != ok || len(a.lowProbed) != 1 {
		t.Fatalf("probe verdict %v then %v (%d shapes), want one cached verdict", ok, again, len(a.lowProbed))
	}
	t.Logf("host path on the test backend: %v", ok)
}
