package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveCorrelate3D is Correlate3x3x3 by its definition, summed in float64.
func naiveCorrelate3D(src, kern []float32, g Geom3D, cout int) []float32 {
	dst := make([]float32, g.N*g.OD*g.OH*g.OW*cout)
	for b := range g.N {
		for z := range g.OD {
			for y := range g.OH {
				for x := range g.OW {
					for o := range cout {
						var s float64
						for k := range 27 {
							zz, yy, xx := z+k/9-g.Shift, y+k/3%3-g.Shift, x+k%3-g.Shift
							if zz < 0 || zz >= g.D || yy < 0 || yy >= g.H || xx < 0 || xx >= g.W {
								continue
							}
							for c := range g.C {
								s += float64(src[(((b*g.D+zz)*g.H+yy)*g.W+xx)*g.C+c]) * float64(kern[(k*g.C+c)*cout+o])
							}
						}
						dst[(((b*g.OD+z)*g.OH+y)*g.OW+x)*cout+o] = float32(s)
					}
				}
			}
		}
	}
	return dst
}

// conv3DCases are "same" (shift 1) and full (shift 2, output 2 larger)
// geometries with 1 to 128 channels, rows narrower than 3 and wider than a
// 256-voxel block.
func conv3DCases() []struct {
	g    Geom3D
	cout int
} {
	same := func(n, d, h, w, c int) Geom3D { return Geom3D{n, d, h, w, c, d, h, w, 1} }
	full := func(n, d, h, w, c int) Geom3D { return Geom3D{n, d, h, w, c, d + 2, h + 2, w + 2, 2} }
	return []struct {
		g    Geom3D
		cout int
	}{
		{same(2, 4, 5, 6, 3), 8}, {same(1, 3, 3, 300, 2), 5}, {same(2, 2, 4, 2, 8), 16}, {same(1, 1, 1, 1, 1), 8},
		{same(1, 4, 4, 4, 40), 24}, {full(1, 3, 4, 5, 8), 4}, {full(2, 2, 2, 1, 16), 8}, {same(1, 5, 3, 17, 1), 33},
		{same(2, 4, 4, 4, 128), 8}, // a product Sgemm on two threads splits in k (halvesK)
	}
}

// TestCorrelate3x3x3 checks Correlate3x3x3 against its definition (float64
// sums; float32 tolerance, the order differs) on every kernel path the CPU
// has (portable Go, AVX2, AVX-512), and that the AVX2 and AVX-512 paths agree
// bit for bit.
func TestCorrelate3x3x3(t *testing.T) {
	defer selectKernels(cpuKernels())
	paths := kernelPaths()
	r := rand.New(rand.NewPCG(41, 42))
	for _, tc := range conv3DCases() {
		g := tc.g
		src, kern := randSlice(r, g.N*g.D*g.H*g.W*g.C), randSlice(r, 27*g.C*tc.cout)
		want := naiveCorrelate3D(src, kern, g, tc.cout)
		var outs [][]float32
		for _, p := range paths {
			selectKernels(p[0], p[1])
			got := make([]float32, len(want))
			for i := range got {
				got[i] = float32(math.NaN()) // every element must be written
			}
			Correlate3x3x3(got, src, kern, nil, g, tc.cout)
			name := fmt.Sprintf("%+v cout=%d kernel=%s", g, tc.cout, KernelName())
			for i, v := range got {
				if d := math.Abs(float64(v - want[i])); !(d <= 1e-5*math.Sqrt(float64(27*g.C))*(1+math.Abs(float64(want[i])))) {
					t.Fatalf("%s: dst[%d] = %v, want %v", name, i, v, want[i])
				}
			}
			outs = append(outs, got)
		}
		if len(outs) == 3 {
			for i, v := range outs[1] {
				if math.Float32bits(v) != math.Float32bits(outs[2][i]) {
					t.Fatalf("%+v: dst[%d] avx2=%v avx512=%v (not bit-identical)", g, i, v, outs[2][i])
				}
			}
		}
	}
}

// TestCorrelate3x3x3Threads checks that Correlate3x3x3 gives bit-identical
// results on 1, 2 and 3 threads (the last with a caller's scratch sized for
// 2), including a product whose long reduction (9·128 channels) Sgemm splits
// over two threads (Correlate3x3x3 splits it the same way on any number).
func TestCorrelate3x3x3Threads(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	for _, tc := range conv3DCases() {
		g := tc.g
		src, kern := randSlice(r, g.N*g.D*g.H*g.W*g.C), randSlice(r, 27*g.C*tc.cout)
		var ref []float32
		for _, nw := range []int{1, 2, 3} {
			prev := SetMaxThreads(nw)
			got := make([]float32, g.N*g.OD*g.OH*g.OW*tc.cout)
			Correlate3x3x3(got, src, kern, nil, g, tc.cout)
			SetMaxThreads(prev)
			if ref == nil {
				ref = got
				continue
			}
			for i, v := range got {
				if math.Float32bits(v) != math.Float32bits(ref[i]) {
					t.Fatalf("%+v threads=%d: dst[%d] = %v, want %v (1 thread)", g, nw, i, v, ref[i])
				}
			}
		}
	}
}

// TestCorrelate3x3x3Parts checks that the correlation of a source given as
// channel blocks (Correlate3x3x3Parts) is bit-identical to that of the
// concatenated source.
func TestCorrelate3x3x3Parts(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	for _, tc := range conv3DCases() {
		g := tc.g
		if g.C < 2 {
			continue
		}
		c1 := g.C / 3
		vox := g.N * g.D * g.H * g.W
		src, kern := randSlice(r, vox*g.C), randSlice(r, 27*g.C*tc.cout)
		a, b := make([]float32, vox*c1), make([]float32, vox*(g.C-c1))
		for v := range vox {
			copy(a[v*c1:(v+1)*c1], src[v*g.C:v*g.C+c1])
			copy(b[v*(g.C-c1):(v+1)*(g.C-c1)], src[v*g.C+c1:(v+1)*g.C])
		}
		want := make([]float32, g.N*g.OD*g.OH*g.OW*tc.cout)
		Correlate3x3x3(want, src, kern, nil, g, tc.cout)
		got := make([]float32, len(want))
		Correlate3x3x3Parts(got, []Part3D{{Data: a, C: c1}, {Data: b, C: g.C - c1}}, kern, nil, g, tc.cout)
		for i, v := range got {
			if math.Float32bits(v) != math.Float32bits(want[i]) {
				t.Fatalf("%+v cout=%d: dst[%d] = %v, want %v", g, tc.cout, i, v, want[i])
			}
		}
	}
}
