package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestSmallWeightGradBits checks that smallWeightGrad gives the same bits as
// convWeightGradShared (the path it replaces) on the small-map shapes, with
// each available micro-kernel set and on 1 and 2 goroutines.
func TestSmallWeightGradBits(t *testing.T) {
	shapes := [][5]int{ // n, h, w, cin, cout
		{10, 8, 8, 128, 128}, {10, 8, 8, 256, 128}, {10, 4, 4, 256, 256}, {10, 4, 4, 128, 256},
		{3, 5, 7, 40, 70}, {2, 3, 3, 130, 21}, {1, 32, 32, 64, 256}, {2, 5, 6, 7, 20}, {3, 9, 4, 21, 33},
	}
	for _, kern := range []struct {
		name         string
		avx2, avx512 bool
	}{{"go", false, false}, {"avx2", true, false}, {"avx512", true, true}} {
		restore := UseKernels(kern.avx2, kern.avx512)
		for _, s := range shapes {
			for _, nw := range []int{1, 2} {
				t.Run(fmt.Sprintf("%s/%v/nw=%d", kern.name, s, nw), func(t *testing.T) {
					checkSmallWeightGrad(t, s, nw)
				})
			}
		}
		restore()
	}
}

func checkSmallWeightGrad(t *testing.T, s [5]int, nw int) {
	n, h, w, cin, cout := s[0], s[1], s[2], s[3], s[4]
	rng := rand.New(rand.NewPCG(uint64(n*h), uint64(cin*cout)))
	src := make([]float32, n*h*w*cin)
	g := make([]float32, n*h*w*cout)
	for i := range src {
		src[i] = rng.Float32()*2 - 1
	}
	for i := range g {
		g[i] = rng.Float32()*2 - 1
	}
	k := 9 * cin
	per := max((64+w-1)/w, min(max(1, (256+w-1)/w), (128<<10)/(w*k)))
	want := make([]float32, k*cout)
	got := make([]float32, k*cout)
	for i := range got {
		got[i] = float32(i) // overwritten
	}
	convWeightGradShared(want, src, g, n, h, w, cin, cout, false, per, nw)
	smallWeightGrad(got, src, g, n, h, w, cin, cout, per, nw)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d: got %v, want %v (bit-identical expected)", i, got[i], want[i])
		}
	}
}
