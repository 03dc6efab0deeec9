package gemm

import (
	"fmt"
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
				for _, s := range [][5]int{{2, 8, 8, 8, 8}, {1, 5, 7, 3, 2}, {2, 16, 16, 16, 16}, {1, 4, 33, 5, 0}, {1, 3, 2, 0, 4}, {1, 3, 1, 2, 3}, {2, 64, 64, 8, 8}, {1, 6, 34, 5, 3}, {2, 4, 2, 0, 2}} {
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
	Conv3x3PartsPost(got, []ConvPart{{Data: a, C: ca}, {Data: b, C: cb}}, wt, n, h, w, cout, post)
	samePartsBits(t, fmt.Sprintf("[%d %d %d %d+%d]→%d", n, h, w, ca, cb, cout), got, want)
	if h%2 != 0 || w%2 != 0 {
		return
	}
	// b as the depth-to-space of u [n, h/2, w/2, 4·cb] plus a bias.
	u, bias := randSlice(r, pix*cb), randSlice(r, 4*cb)
	for y := range n * h {
		for x := range w {
			i := ((y/2)*(w/2)+x/2)*4*cb + ((y%2)*2+x%2)*cb
			for c := range cb {
				src[(y*w+x)*cin+ca+c] = u[i+c] + bias[((y%2)*2+x%2)*cb+c]
			}
		}
	}
	Conv3x3Post(want, src, wt, n, h, w, cin, cout, post)
	Conv3x3PartsPost(got, []ConvPart{{Data: a, C: ca}, {Data: u, C: cb, Up: true, Bias: bias}}, wt, n, h, w, cout, post)
	samePartsBits(t, fmt.Sprintf("[%d %d %d %d+%d up]→%d", n, h, w, ca, cb, cout), got, want)
}

func samePartsBits(t *testing.T, name string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s (%s): dst[%d]=%v want %v", name, KernelName(), i, got[i], want[i])
		}
	}
}
