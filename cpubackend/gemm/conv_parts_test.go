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
	paths := kernelPaths()
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

// TestConv3x3PartsWinograd checks that Winograd of a channel concatenation
// read from its parts is bit-identical to Conv3x3Winograd of the
// concatenated source: every transform path (Go, AVX2, AVX-512, as far as
// the CPU goes), 1, 2 and 3 threads, the smallest and the usual work
// items, a plain and an up-sampled (depth-to-space + bias) second part,
// splits with an empty part, an odd size (the direct fallback).
func TestConv3x3PartsWinograd(t *testing.T) {
	defer func(v int) { winoItemFloats = v }(winoItemFloats)
	r := rand.New(rand.NewPCG(63, 64))
	shapes := [][5]int{{2, 8, 8, 8, 8}, {1, 6, 34, 5, 3}, {2, 16, 16, 16, 16}, {3, 4, 4, 8, 16}, {2, 64, 64, 8, 8},
		{1, 4, 2, 0, 2}, {1, 12, 10, 3, 0}, {1, 5, 6, 2, 2}}
	for _, pa := range winoPaths {
		restore := useWinograd(pa[0], pa[1])
		for _, items := range []int{1, 1 << 17} {
			winoItemFloats = items
			for _, nw := range []int{1, 2, 3} {
				prev := SetMaxThreads(nw)
				for _, s := range shapes {
					for _, cout := range []int{8, 13, 16} {
						for _, up := range []bool{false, true} {
							testConvPartsWinograd(t, r, s, cout, up)
						}
					}
				}
				SetMaxThreads(prev)
			}
		}
		restore()
	}
}

func testConvPartsWinograd(t *testing.T, r *rand.Rand, s [5]int, cout int, up bool) {
	t.Helper()
	n, h, w, ca, cb := s[0], s[1], s[2], s[3], s[4]
	if up && (h%2 != 0 || w%2 != 0) {
		return
	}
	cin, pix := ca+cb, n*h*w
	a, b, wt := randSlice(r, pix*ca), randSlice(r, pix*cb), randSlice(r, 9*cin*cout)
	var bias []float32
	if up {
		bias = randSlice(r, 4*cb)
	}
	src := make([]float32, pix*cin)
	for y := range n * h {
		for x := range w {
			p := y*w + x
			copy(src[p*cin:], a[p*ca:(p+1)*ca])
			for c := range cb {
				v := b[p*cb+c]
				if up {
					blk := ((y%2)*2 + x%2) * cb
					v = b[((y/2)*(w/2)+x/2)*4*cb+blk+c] + bias[blk+c]
				}
				src[p*cin+ca+c] = v
			}
		}
	}
	post := func(o []float32) {
		for i, v := range o {
			o[i] = max(2*v+1, 0)
		}
	}
	want := make([]float32, pix*cout)
	Conv3x3Winograd(want, src, wt, n, h, w, cin, cout, post)
	got := randSlice(r, len(want))
	parts := []ConvPart{{Data: a, C: ca}, {Data: b, C: cb, Up: up, Bias: bias}}
	Conv3x3PartsWinograd(got, parts, wt, n, h, w, cout, post)
	samePartsBits(t, fmt.Sprintf("winograd %s [%d %d %d %d+%d up=%v]→%d threads=%d", winoK.name, n, h, w, ca, cb, up, cout, threads()), got, want)
}
