package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestConv3x3PartsPost checks that the convolution of a channel
// concatenation read from its parts is bit-identical to Conv3x3Post of the
// concatenated source: both layouts (row triple and patch rows), one and two
// threads, every kernel path this CPU can run, splits with an empty part.
func TestConv3x3PartsPost(t *testing.T) {
	defer func(v int) { convRowTripleMinW = v }(convRowTripleMinW)
	defer selectKernels(cpuKernels())
	avx2, avx512 := cpuKernels()
	paths := [][2]bool{{false, false}}
	if avx2 {
		paths = append(paths, [2]bool{true, false})
	}
	if avx512 {
		paths = append(paths, [2]bool{true, true})
	}
	r := rand.New(rand.NewPCG(61, 62))
	for _, pa := range paths {
		selectKernels(pa[0], pa[1])
		for _, minW := range []int{1, 1 << 30} {
			convRowTripleMinW = minW
			for _, nw := range []int{1, 2} {
				prev := SetMaxThreads(nw)
				for _, s := range [][5]int{{2, 8, 8, 8, 8}, {1, 5, 7, 3, 2}, {2, 16, 16, 16, 16}, {1, 4, 33, 5, 0}, {1, 3, 2, 0, 4}, {1, 3, 1, 2, 3}, {2, 64, 64, 8, 8}} {
					for _, cout := range []int{1, 8, 13} {
						testConvPartsShape(t, r, s[0], s[1], s[2], s[3], s[4], cout)
					}
				}
				SetMaxThreads(prev)
			}
		}
	}
}

func testConvPartsShape(t *testing.T, r *rand.Rand, n, h, w, ca, cb, cout int) {
	t.Helper()
	cin, pix := ca+cb, n*h*w
	a, b, wt := randSlice(r, pix*ca), randSlice(r, pix*cb), randSlice(r, 9*cin*cout)
	src := make([]float32, pix*cin)
	for p := range pix {
		copy(src[p*cin:], a[p*ca:(p+1)*ca])
		copy(src[p*cin+ca:], b[p*cb:(p+1)*cb])
	}
	post := func(o []float32) {
		for i, v := range o {
			o[i] = max(2*v+1, 0)
		}
	}
	want := make([]float32, pix*cout)
	Conv3x3Post(want, src, wt, n, h, w, cin, cout, post)
	got := randSlice(r, len(want))
	Conv3x3PartsPost(got, []Part3D{{Data: a, C: ca}, {Data: b, C: cb}}, wt, n, h, w, cout, post)
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("[%d %d %d %d+%d]→%d (%s): dst[%d]=%v want %v", n, h, w, ca, cb, cout, KernelName(), i, got[i], want[i])
		}
	}
}
