package simplego

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/cpubackend/gemm"
)

// im2col3D writes the 3×3×3 patch matrix of x [n, d, h, w, c] as package unet
// does: zero planes, rows and columns concatenated around x, 27 slices
// concatenated on the channels, [n, d, h, w, 27·c].
func im2col3D(x *graph.Node) *graph.Node {
	dims := x.Shape().Dimensions
	n, d, h, w, c := dims[0], dims[1], dims[2], dims[3], dims[4]
	g := x.Graph()
	zp := graph.Zeros(g, shapes.Make(x.DType(), n, 1, h, w, c))
	p := graph.Concatenate([]*graph.Node{zp, x, zp}, 1)
	zr := graph.Zeros(g, shapes.Make(x.DType(), n, d+2, 1, w, c))
	p = graph.Concatenate([]*graph.Node{zr, p, zr}, 2)
	zc := graph.Zeros(g, shapes.Make(x.DType(), n, d+2, h+2, 1, c))
	p = graph.Concatenate([]*graph.Node{zc, p, zc}, 3)
	var parts []*graph.Node
	for dz := range 3 {
		for dy := range 3 {
			for dx := range 3 {
				parts = append(parts, graph.Slice(p, graph.AxisRange(), graph.AxisRange(dz, dz+d),
					graph.AxisRange(dy, dy+h), graph.AxisRange(dx, dx+w), graph.AxisRange()))
			}
		}
	}
	return graph.Concatenate(parts, -1)
}

// TestFuseConv3D checks the im2col 3×3×3 convolution written as package unet
// does is fused — forward product, weight gradient and input gradient
// (directly from the output gradient and the weights) — and agrees with the
// reference (upstream kernels, no fusion) to 1e-4 of the output's largest
// magnitude: the fused products sum the same 27·c terms in another order.
func TestFuseConv3D(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	// Channels from 1 to 16, on both sides (the input gradient's product has
	// c output channels).
	for _, d := range [][5]int{{1, 3, 5, 7, 3}, {2, 4, 4, 4, 8}, {1, 1, 2, 3, 1}, {2, 6, 3, 5, 2}, {1, 2, 3, 4, 16}} {
		for _, cout := range []int{5, 16} {
			testFuseConv3DCase(t, rng, d, cout)
		}
	}
}

func testFuseConv3DCase(t *testing.T, rng *rand.Rand, d [5]int, cout int) {
	t.Helper()
	n, dd, h, w, c := d[0], d[1], d[2], d[3], d[4]
	x, wt, r := randTensor(rng, n, dd, h, w, c), randTensor(rng, 27*c, cout), randTensor(rng, n*dd*h*w, cout)
	before := Fusions3D()
	compareRef(t, fmt.Sprintf("conv3d %v → %d", d, cout), func(x, wt, r *graph.Node) []*graph.Node {
		y := graph.Dot(graph.Reshape(im2col3D(x), -1, 27*c), wt)
		loss := graph.ReduceAllSum(graph.Mul(y, r))
		return append([]*graph.Node{y}, graph.Gradient(loss, x, wt)...)
	}, x, wt, r)
	after := Fusions3D()
	if after.Conv == before.Conv || after.WeightGrad == before.WeightGrad || after.InputGradDirect == before.InputGradDirect ||
		after.InputGradInterior == before.InputGradInterior {
		t.Errorf("conv3d %v → %d: fusions %+v -> %+v, want the forward product, weight and direct input gradient (its interior) fused", d, cout, before, after)
	}
}

// TestFuseConv3DGather checks the input gradient of the 27 slices when the
// patch-matrix gradient is not a product with weights (here a given tensor):
// the 27 Pads are summed by one gather node, equal to the reference.
func TestFuseConv3DGather(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for _, d := range [][5]int{{1, 3, 5, 7, 3}, {2, 2, 2, 2, 1}} {
		n, dd, h, w, c := d[0], d[1], d[2], d[3], d[4]
		x, r := randTensor(rng, n, dd, h, w, c), randTensor(rng, n, dd, h, w, 27*c)
		before := Fusions3D()
		compareRef(t, fmt.Sprintf("gather %v", d), func(x, r *graph.Node) []*graph.Node {
			loss := graph.ReduceAllSum(graph.Mul(im2col3D(x), r))
			return graph.Gradient(loss, x)
		}, x, r)
		if after := Fusions3D(); after.InputGrad == before.InputGrad || after.InputGradDirect != before.InputGradDirect {
			t.Errorf("gather %v: fusions %+v -> %+v, want one (non-direct) input gradient", d, before, after)
		}
	}
}

// TestConv3DDeterministic checks that the fused 3×3×3 convolution's forward
// product, weight gradient and input gradient are bit-identical on 1, 2 and 3
// cores (GOMAXPROCS) and from run to run: the weight gradient's partial sums
// follow the shape (wgradParts3D), never the thread count. The shapes split
// the weight gradient into two sums and have wide and narrow rows, 1 to 128
// channels.
func TestConv3DDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	for _, s := range [][6]int{{2, 8, 16, 16, 8, 16}, {1, 4, 8, 64, 3, 8}, {2, 4, 4, 4, 128, 8}, {1, 5, 7, 9, 1, 8}} {
		n, d, h, w, c, cout := s[0], s[1], s[2], s[3], s[4], s[5]
		x, wt, r := randTensor(rng, n, d, h, w, c), randTensor(rng, 27*c, cout), randTensor(rng, n*d*h*w, cout)
		exec := graph.MustNewExec(backend, func(x, wt, r *graph.Node) []*graph.Node {
			y := graph.Dot(graph.Reshape(im2col3D(x), -1, 27*c), wt)
			loss := graph.ReduceAllSum(graph.Mul(y, r))
			return append([]*graph.Node{y}, graph.Gradient(loss, x, wt)...)
		})
		procs := runtime.GOMAXPROCS(0)
		var ref []*tensors.Tensor
		for run, p := range []int{1, 2, 3, 2} {
			runtime.GOMAXPROCS(p)
			out := exec.MustExec(x, wt, r)
			runtime.GOMAXPROCS(procs)
			if run == 0 {
				ref = out
				continue
			}
			for k := range out {
				if !bitEqual(out[k], ref[k]) {
					t.Fatalf("%v: output %d (forward, input gradient, weight gradient) on %d cores differs from 1 core", s, k, p)
				}
			}
		}
	}
}

// TestFoldedSameBits checks gemm.Correlate3x3x3 (the row nonuple read in
// place, weights packed once, vector shift-adds) bit-identical to the folded
// correlation it replaced (correlateFoldedSgemm: planar copy, transposed
// patches, one Sgemm per block), on "same" and full (input gradient)
// geometries, and the weight gradient from the row nonuple bit-identical to
// the one from transposed patches: the same products with the same reduction
// order, including the product that Sgemm on two threads split in k (the
// bottleneck's input gradient, 128 → 64 channels at 2×4×4), which
// Correlate3x3x3 splits the same way on any number of threads. The old path
// runs on two threads, as on the development machine.
func TestFoldedSameBits(t *testing.T) {
	defer gemm.SetMaxThreads(gemm.SetMaxThreads(2))
	rng := rand.New(rand.NewPCG(29, 30))
	be := backend.(*Backend)
	for _, s := range [][6]int{{2, 8, 16, 16, 8, 8}, {1, 4, 8, 64, 1, 8}, {2, 4, 4, 4, 32, 16}, {1, 3, 5, 7, 16, 64}, {1, 2, 3, 300, 2, 5}, {2, 2, 4, 4, 128, 64}} {
		n, d, h, w, c, cout := s[0], s[1], s[2], s[3], s[4], s[5]
		src, kern := randTensor(rng, n, d, h, w, c), randTensor(rng, 27*c, cout)
		sf, kf := tensors.MustCopyFlatData[float32](src), tensors.MustCopyFlatData[float32](kern)
		gr := tensors.MustCopyFlatData[float32](randTensor(rng, n*d*h*w, cout))
		same := vol3d{n: n, sd: d, sh: h, sw: w, c: c, od: d, oh: h, ow: w, shift: 1}
		sameBits(t, fmt.Sprintf("%v weight gradient", s), same.weightGradFolded(be, sf, gr, cout), same.weightGradFoldedSgemm(be, sf, gr, cout))
		for _, full := range []bool{false, true} {
			g := vol3d{n: n, sd: d, sh: h, sw: w, c: c, od: d, oh: h, ow: w, shift: 1}
			if full {
				g.od, g.oh, g.ow, g.shift = d+2, h+2, w+2, 2
			}
			got, want := make([]float32, g.rows()*g.ow*cout), make([]float32, g.rows()*g.ow*cout)
			g.correlateFolded(be, got, sf, kf, cout)
			g.correlateFoldedSgemm(be, want, sf, kf, cout)
			sameBits(t, fmt.Sprintf("%v full=%v", s, full), got, want)
		}
	}
}

// sameBits fails unless got and want are bit-identical.
func sameBits(t *testing.T, name string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: [%d] = %v, want %v (bits)", name, i, got[i], want[i])
		}
	}
}

// foldKernel returns W3 [9·c, 3·cout] of the kernel kern [27·c, cout].
func (g vol3d) foldKernelSgemm(w3, kern []float32, cout int) {
	c := g.c
	for kzy := range 9 {
		for kx := range 3 {
			for ch := range c {
				src := kern[((kzy*3+kx)*c+ch)*cout : ((kzy*3+kx)*c+ch+1)*cout]
				copy(w3[(kzy*c+ch)*3*cout+kx*cout:], src)
			}
		}
	}
}

// unfold writes out[x] = Σ_kx Q[x+kx−s][kx·cout : (kx+1)·cout] for the
// output rows r0…r1−1, from q [(r1−r0)·sw, 3·cout].
func (g vol3d) unfoldSgemm(out, q []float32, r0, r1, cout int) {
	c3 := 3 * cout
	for r := r0; r < r1; r++ {
		qr := q[(r-r0)*g.sw*c3 : (r-r0+1)*g.sw*c3]
		orow := out[r*g.ow*cout : (r+1)*g.ow*cout]
		for x := range g.ow {
			o := orow[x*cout : (x+1)*cout]
			// The three taps x+kx−s inside the source row, all three in the interior.
			x0 := x - g.shift
			if x0 >= 0 && x0+2 < g.sw {
				a := qr[x0*c3 : x0*c3+cout]
				b := qr[(x0+1)*c3+cout : (x0+1)*c3+2*cout]
				c := qr[(x0+2)*c3+2*cout : (x0+2)*c3+3*cout]
				for i := range o {
					o[i] = a[i] + b[i] + c[i]
				}
				continue
			}
			clear(o)
			for kx := range 3 {
				if xs := x0 + kx; xs >= 0 && xs < g.sw {
					for i, v := range qr[xs*c3+kx*cout : xs*c3+(kx+1)*cout] {
						o[i] += v
					}
				}
			}
		}
	}
}

// correlateFoldedSgemm is the folded correlation as computed before
// gemm.Correlate3x3x3: a channel-planar copy of the source, the patches
// written transposed [9·c, voxels] and one gemm.Sgemm per block.
func (g vol3d) correlateFoldedSgemm(backend *Backend, out, src, kern []float32, cout int) {
	spBuf := backend.getBuffer(dtypes.Float32, g.n*g.sd*g.sh*g.sw*g.c)
	defer backend.putBuffer(spBuf)
	sp := spBuf.flat.([]float32)
	g.planar(sp, src)
	w3Buf := backend.getBuffer(dtypes.Float32, 27*g.c*cout)
	defer backend.putBuffer(w3Buf)
	w3 := w3Buf.flat.([]float32)
	g.foldKernelSgemm(w3, kern, cout)
	per := max(1, foldedBlockVoxels/g.sw)
	nb := (g.rows() + per - 1) / per
	parallelFor(nb, per*g.sw*27*g.c, func(b0, b1 int) {
		buf := backend.getBuffer(dtypes.Float32, per*g.sw*(9*g.c+3*cout))
		defer backend.putBuffer(buf)
		pt, q := buf.flat.([]float32)[:per*g.sw*9*g.c], buf.flat.([]float32)[per*g.sw*9*g.c:]
		for blk := b0; blk < b1; blk++ {
			r0 := blk * per
			r1 := min(g.rows(), r0+per)
			mb := (r1 - r0) * g.sw
			g.patchesT(pt, sp, r0, r1)
			gemm.Sgemm(true, false, mb, 3*cout, 9*g.c, 1, pt[:9*g.c*mb], mb, w3, 3*cout, 0, q, 3*cout)
			g.unfoldSgemm(out, q, r0, r1, cout)
		}
	})
}

// planar copies src [rows, sw, c] into dst [rows, c, sw].
func (g vol3d) planar(dst, src []float32) {
	rows := g.n * g.sd * g.sh
	parallelFor(rows, g.sw*g.c, func(r0, r1 int) {
		for r := r0; r < r1; r++ {
			s, d := src[r*g.sw*g.c:(r+1)*g.sw*g.c], dst[r*g.sw*g.c:(r+1)*g.sw*g.c]
			for x := range g.sw {
				for ch, v := range s[x*g.c : (x+1)*g.c] {
					d[ch*g.sw+x] = v
				}
			}
		}
	})
}

// patchesT writes the transposed, kx-folded patches of output rows r0…r1−1
// into pt [9·c, (r1−r0)·sw] from the planar source sp.
func (g vol3d) patchesT(pt, sp []float32, r0, r1 int) {
	mb := (r1 - r0) * g.sw
	for r := r0; r < r1; r++ {
		b, z, y := r/(g.od*g.oh), r/g.oh%g.od, r%g.oh
		for kzy := range 9 {
			zz, yy := z+kzy/3-g.shift, y+kzy%3-g.shift
			valid := zz >= 0 && zz < g.sd && yy >= 0 && yy < g.sh
			row := ((b*g.sd+zz)*g.sh + yy) * g.c * g.sw
			for ch := range g.c {
				dst := pt[(kzy*g.c+ch)*mb+(r-r0)*g.sw : (kzy*g.c+ch)*mb+(r-r0+1)*g.sw]
				if valid {
					copy(dst, sp[row+ch*g.sw:row+(ch+1)*g.sw])
				} else {
					clear(dst)
				}
			}
		}
	}
}

// weightGradFoldedSgemm is weightGradFolded as computed before the row
// nonuple: transposed patches from a channel-planar copy of x.
func (g vol3d) weightGradFoldedSgemm(backend *Backend, x, gr []float32, cout int) []float32 {
	spBuf := backend.getBuffer(dtypes.Float32, g.n*g.sd*g.sh*g.sw*g.c)
	defer backend.putBuffer(spBuf)
	sp := spBuf.flat.([]float32)
	g.planar(sp, x)
	k9, c3 := 9*g.c, 3*cout
	per := max(1, foldedBlockVoxels/g.sw)
	nb := (g.rows() + per - 1) / per
	cost := per * g.sw * 27 * g.c
	parts := wgradParts3D(nb, cost)
	partial := make([][]float32, parts)
	parallelFor(parts, nb*cost/parts, func(p0, p1 int) {
		buf := backend.getBuffer(dtypes.Float32, per*g.sw*(k9+c3))
		defer backend.putBuffer(buf)
		pt, g3 := buf.flat.([]float32)[:per*g.sw*k9], buf.flat.([]float32)[per*g.sw*k9:]
		for part := p0; part < p1; part++ {
			acc := make([]float32, k9*c3)
			partial[part] = acc
			b0, b1 := part*((nb+parts-1)/parts), min(nb, (part+1)*((nb+parts-1)/parts))
			for blk := b0; blk < b1; blk++ {
				r0 := blk * per
				r1 := min(g.rows(), r0+per)
				mb := (r1 - r0) * g.sw
				g.patchesT(pt, sp, r0, r1)
				g.shiftedGrad(g3, gr, r0, r1, cout)
				beta := float32(1)
				if blk == b0 {
					beta = 0
				}
				gemm.Sgemm(false, false, k9, c3, mb, 1, pt[:k9*mb], mb, g3, c3, beta, acc, c3)
			}
		}
	})
	sum := partial[0]
	for _, acc := range partial[1:] {
		for i, v := range acc {
			sum[i] += v
		}
	}
	return sum
}

// TestFuseConv3DConcat checks the forward product whose source is the skip
// connection's channel Concatenate: it reads the two operands directly
// (Fusions3D().ConcatConv), bit-identical to the product of the same values
// given as one tensor, and its gradients (the Concatenate is still computed
// for the weight gradient) agree with the reference backend.
func TestFuseConv3DConcat(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 38))
	for _, s := range [][7]int{{2, 4, 6, 8, 3, 5, 8}, {1, 8, 16, 16, 8, 8, 8}, {1, 2, 4, 4, 64, 64, 64}} {
		n, d, h, w, c1, c2, cout := s[0], s[1], s[2], s[3], s[4], s[5], s[6]
		c := c1 + c2
		a, b, wt := randTensor(rng, n, d, h, w, c1), randTensor(rng, n, d, h, w, c2), randTensor(rng, 27*c, cout)
		conv := func(x, wt *graph.Node) *graph.Node { return graph.Dot(graph.Reshape(im2col3D(x), -1, 27*c), wt) }
		before := Fusions3D().ConcatConv
		got := graph.MustExecOnce(backend, func(a, b, wt *graph.Node) *graph.Node {
			return conv(graph.Concatenate([]*graph.Node{a, b}, -1), wt)
		}, a, b, wt)
		if Fusions3D().ConcatConv == before {
			t.Fatalf("%v: the Concatenate was not read by the product", s)
		}
		x := graph.MustExecOnce(backend, func(a, b *graph.Node) *graph.Node { return graph.Concatenate([]*graph.Node{a, b}, -1) }, a, b)
		if want := graph.MustExecOnce(backend, conv, x, wt); !bitEqual(got, want) {
			t.Fatalf("%v: product of the Concatenate's operands differs from that of the concatenated tensor", s)
		}
		r := randTensor(rng, n*d*h*w, cout)
		compareRef(t, fmt.Sprintf("concat conv3d %v", s), func(a, b, wt, r *graph.Node) []*graph.Node {
			y := conv(graph.Concatenate([]*graph.Node{a, b}, -1), wt)
			loss := graph.ReduceAllSum(graph.Mul(y, r))
			return append([]*graph.Node{y}, graph.Gradient(loss, a, b, wt)...)
		}, a, b, wt, r)
	}
}
