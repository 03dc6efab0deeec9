package protoseg

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func newTestAnalyzer(t *testing.T, method ResizeMethod) *Analyzer {
	t.Helper()
	a, err := NewAnalyzer(testBackend(t), method)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// disc returns an h×w binary map with a disc of radius r centred at (cy, cx).
func disc(h, w int, cy, cx, r float64) []float32 {
	m := make([]float32, h*w)
	for y := range h {
		for x := range w {
			if (float64(y)-cy)*(float64(y)-cy)+(float64(x)-cx)*(float64(x)-cx) <= r*r {
				m[y*w+x] = 1
			}
		}
	}
	return m
}

func toUint8(m []float32) []uint8 {
	out := make([]uint8, len(m))
	for i, v := range m {
		if v > 0.5 {
			out[i] = 1
		}
	}
	return out
}

func TestHandComputed(t *testing.T) {
	// One 1×4 image, one channel: f = [0 1 2 3], B = [0 0 1 1] →
	// c_t = 2.5, c_b = 0.5, d_b − d_t = 2f·2 + 0.25 − 6.25 = 4f − 6 = [−6 −2 2 6].
	backend := testBackend(t)
	exec := MustNewExec(backend, func(f, b *Node) []*Node {
		ct, cb := Prototypes(f, b, nil)
		dt, db := Distances(f, ct, cb)
		return []*Node{ct, cb, Sub(db, dt), ObjectLogit(f, b, nil, Bilinear), ObjectProbability(f, b, nil, Bilinear)}
	})
	f := tensors.FromFlatDataAndDimensions([]float64{0, 1, 2, 3}, 1, 1, 4, 1)
	b := tensors.FromFlatDataAndDimensions([]float64{0, 0, 1, 1}, 1, 1, 4)
	out := exec.MustExec(f, b)
	assertClose(t, "c_t", flat(t, out[0]), []float64{2.5}, 1e-5)
	assertClose(t, "c_b", flat(t, out[1]), []float64{0.5}, 1e-5)
	want := []float64{-6, -2, 2, 6}
	assertClose(t, "d_b-d_t direct", flat(t, out[2]), want, 1e-5)
	assertClose(t, "d_b-d_t linear", flat(t, out[3]), want, 1e-5)
	p := make([]float64, 4)
	for i, l := range want {
		p[i] = 1 / (1 + math.Exp(-l))
	}
	assertClose(t, "p_t", flat(t, out[4]), p, 1e-5)

	a := newTestAnalyzer(t, Bilinear)
	g := tensors.FromFlatDataAndDimensions([]float64{0, 1, 1, 1}, 1, 1, 4)
	res, err := a.Layer("hand", f, b, g, nil)
	if err != nil {
		t.Fatal(err)
	}
	// SAM = [0 0 1 1]; Dice with G = [0 1 1 1] is 2·2/(2+3) = 0.8.
	if string(res.SAM[0]) != string([]uint8{0, 0, 1, 1}) || math.Abs(res.SA[0]-0.8) > 1e-12 {
		t.Fatalf("SAM %v SA %v, want [0 0 1 1] and 0.8", res.SAM[0], res.SA[0])
	}
}

func TestTwoConstantRegions(t *testing.T) {
	// A feature that is one vector inside the object and another outside: the SAM is
	// the mask exactly, SA = 1, for binary and probabilistic B, in 2D and in 3D.
	a := newTestAnalyzer(t, Bilinear)
	const h, w, c = 16, 12, 3
	g := disc(h, w, 7, 5, 4)
	f := make([]float32, h*w*c)
	probB := make([]float32, h*w)
	for i, v := range g {
		for k := range c {
			f[i*c+k] = float32(k) - 2*v*float32(k+1)
		}
		probB[i] = 0.1 + 0.8*v
	}
	fT := tensors.FromFlatDataAndDimensions(f, 1, h, w, c)
	gT := tensors.FromFlatDataAndDimensions(g, 1, h, w)
	for name, b := range map[string][]float32{"binary": g, "probabilistic": probB} {
		res, err := a.Layer(name, fT, tensors.FromFlatDataAndDimensions(b, 1, h, w), gT, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.SA[0] != 1 || string(res.SAM[0]) != string(toUint8(g)) {
			t.Fatalf("%s B: SA = %v, want 1 with SAM = G", name, res.SA[0])
		}
	}
	// 3D volume [1, 6, 6, 6, 2].
	const d = 6
	g3 := make([]float32, d*d*d)
	f3 := make([]float32, d*d*d*2)
	for i := range g3 {
		z, y, x := i/(d*d), (i/d)%d, i%d
		if z >= 2 && y >= 1 && y <= 3 && x >= 2 {
			g3[i] = 1
		}
		f3[2*i], f3[2*i+1] = 3*g3[i], 1-g3[i]
	}
	g3T := tensors.FromFlatDataAndDimensions(g3, 1, d, d, d)
	res, err := a.Layer("3d", tensors.FromFlatDataAndDimensions(f3, 1, d, d, d, 2), g3T, g3T, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.SA[0] != 1 || len(res.Spatial) != 3 {
		t.Fatalf("3D: SA = %v spatial %v, want 1 over [6 6 6]", res.SA[0], res.Spatial)
	}
}

func TestFeatureEqualsMaskAndIndependentFeature(t *testing.T) {
	a := newTestAnalyzer(t, Bilinear)
	const h, w = 10, 10
	g := disc(h, w, 4, 4, 3)
	gT := tensors.FromFlatDataAndDimensions(g, 1, h, w)
	res, err := a.Layer("f=G", tensors.FromFlatDataAndDimensions(g, 1, h, w, 1), gT, gT, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.SA[0] != 1 {
		t.Fatalf("feature equal to the mask: SA = %v, want 1", res.SA[0])
	}
	// A constant feature carries no information: c_t = c_b, d_t = d_b everywhere,
	// ties are background, so the SAM is empty and SA = 0.
	constant := make([]float32, h*w*2)
	for i := range constant {
		constant[i] = 0.7
	}
	res, err = a.Layer("constant", tensors.FromFlatDataAndDimensions(constant, 1, h, w, 2), gT, gT, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.SA[0] != 0 {
		t.Fatalf("constant feature: SA = %v, want 0", res.SA[0])
	}
	// A random feature independent of the mask scores far below 1.
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]float32, h*w*4)
	for i := range noise {
		noise[i] = float32(rng.NormFloat64())
	}
	res, err = a.Layer("noise", tensors.FromFlatDataAndDimensions(noise, 1, h, w, 4), gT, gT, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.SA[0] > 0.7 {
		t.Fatalf("independent feature: SA = %v, want well below 1", res.SA[0])
	}
}

// TestFastPathMatchesDirect compares ObjectLogit on a small feature (adjoint-resized
// prototypes, one channel up-sampled) with ProtoSeg on the explicitly resized
// feature with squared distances, for odd sizes, both methods, 2D and 3D.
func TestFastPathMatchesDirect(t *testing.T) {
	backend := testBackend(t)
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct{ low, full []int }{
		{[]int{1, 1}, []int{5, 4}},
		{[]int{3, 5}, []int{7, 11}},
		{[]int{4, 4}, []int{16, 16}},
		{[]int{8, 6}, []int{4, 3}}, // feature larger than the mask
		{[]int{2, 3, 2}, []int{4, 6, 5}},
	}
	for _, method := range []ResizeMethod{Bilinear, Nearest} {
		for _, tc := range cases {
			const n, c = 2, 5
			fDims := append(append([]int{n}, tc.low...), c)
			mDims := append([]int{n}, tc.full...)
			f := randTensor(rng, fDims)
			b := randTensor(rng, mDims)
			roi := binaryTensor(rng, mDims)
			exec := MustNewExec(backend, func(f, b, roi *Node) []*Node {
				fast := ObjectLogit(f, b, roi, method)
				up := Resize(f, method, tc.full...)
				object, background := regionWeights(b, roi)
				ct, cb, _, _ := prototypes(up, object, background, method)
				dt, db := Distances(up, ct, cb)
				fastUnits := UnitLogits(f, b, roi, method)
				directUnits := linearLogit(up, ct, cb, true)
				return []*Node{fast, Sub(db, dt), fastUnits, directUnits}
			})
			out := exec.MustExec(f, b, roi)
			assertClose(t, method.String()+" layer logit", flat(t, out[0]), flat(t, out[1]), 1e-9)
			assertClose(t, method.String()+" unit logits", flat(t, out[2]), flat(t, out[3]), 1e-9)
		}
	}
}

func randTensor(rng *rand.Rand, dims []int) *tensors.Tensor {
	size := 1
	for _, d := range dims {
		size *= d
	}
	v := make([]float64, size)
	for i := range v {
		v[i] = rng.Float64()
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}

func binaryTensor(rng *rand.Rand, dims []int) *tensors.Tensor {
	t := randTensor(rng, dims)
	tensors.MustMutableFlatData(t, func(x []float64) {
		for i := range x {
			x[i] = math.Round(0.3 + x[i]) // ~80 % ones
		}
	})
	return t
}

func TestEmptyMasks(t *testing.T) {
	a := newTestAnalyzer(t, Bilinear)
	const h, w = 6, 6
	rng := rand.New(rand.NewPCG(5, 6))
	f := randTensor(rng, []int{3, h, w, 2})
	zeros := make([]float64, h*w)
	ones := make([]float64, h*w)
	for i := range ones {
		ones[i] = 1
	}
	g := make([]float64, h*w)
	g[7], g[8] = 1, 1
	stack := func(maps ...[]float64) *tensors.Tensor {
		var all []float64
		for _, m := range maps {
			all = append(all, m...)
		}
		return tensors.FromFlatDataAndDimensions(all, len(maps), h, w)
	}
	// Image 0: empty B, empty G → SAM empty, Dice(∅, ∅) = 1.
	// Image 1: empty B, non-empty G → SAM empty, Dice 0.
	// Image 2: B everywhere → SAM everywhere (all object), Dice = 2·2/(36+2).
	B := stack(zeros, zeros, ones)
	G := stack(zeros, g, g)
	for _, units := range []bool{false, true} {
		var sa []float64
		var emptyT, emptyB []bool
		if units {
			res, err := a.Units("edge", f, B, G, nil, true)
			if err != nil {
				t.Fatal(err)
			}
			noSAMs, err := a.Units("edge", f, B, G, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, "unit SA without SAMs", noSAMs.SA[2], res.SA[2], 0)
			if res.SAMs[2][1].Count() != h*w || count(res.SAMs[2][1].Unpack(nil)) != h*w || res.HeatMap[2][0] != 1 || res.HeatMap[0][0] != 0 {
				t.Fatal("units of an image with an empty background are not all object")
			}
			for _, s := range res.SA {
				sa = append(sa, s[0])
				if s[0] != s[1] {
					t.Fatalf("units of an image with an empty region differ: %v", s)
				}
			}
			emptyT, emptyB = res.EmptyObject, res.EmptyBackground
			// Every image here has an empty or a full B: μ is DegenerateMu, not
			// the 1 that Dice(∅, ∅) would give image 0.
			mu, err := MeanUnitSA(res)
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, "μ of degenerate outputs", mu, []float64{DegenerateMu, DegenerateMu, DegenerateMu}, 0)
		} else {
			res, err := a.Layer("edge", f, B, G, nil)
			if err != nil {
				t.Fatal(err)
			}
			sa, emptyT, emptyB = res.SA, res.EmptyObject, res.EmptyBackground
			for i, want := range []int{0, 0, h * w} {
				if got := count(res.SAM[i]); got != want {
					t.Fatalf("image %d: SAM has %d object pixels, want %d", i, got, want)
				}
			}
		}
		want := []float64{1, 0, 4.0 / 38}
		assertClose(t, "SA", sa, want, 1e-12)
		if !emptyT[0] || !emptyT[1] || emptyT[2] || emptyB[0] || !emptyB[2] {
			t.Fatalf("empty flags: object %v background %v", emptyT, emptyB)
		}
	}
	// The graph form stays finite, also its gradient.
	backend := testBackend(t)
	exec := MustNewExec(backend, func(f, b, g *Node) []*Node {
		loss := SALoss(f, b, g, nil, Bilinear)
		return []*Node{loss, Gradient(loss, f)[0]}
	})
	for _, v := range flat(t, exec.MustExec(f, B, G)[1]) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatal("gradient of the SA loss is not finite on empty masks")
		}
	}
	for _, pair := range [][2][]uint8{{{}, {}}, {{0, 0}, {0, 0}}} {
		if d, _ := DiceScore(pair[0], pair[1]); d != 1 {
			t.Fatalf("Dice of two empty maps = %v, want 1", d)
		}
	}
	if d, _ := DiceScore([]uint8{0, 1}, []uint8{0, 0}); d != 0 {
		t.Fatalf("Dice of empty vs non-empty = %v, want 0", d)
	}
	if _, err := DiceScore([]uint8{1}, []uint8{1, 0}); err == nil {
		t.Fatal("Dice of maps of different sizes: no error")
	}
}

func count(m []uint8) int {
	n := 0
	for _, v := range m {
		if v != 0 {
			n++
		}
	}
	return n
}

func TestRegionOfInterest(t *testing.T) {
	// Outside the ROI the feature looks like the object: without the ROI it pulls the
	// background prototype and the SAM leaks; with it, the SAM is exact.
	a := newTestAnalyzer(t, Bilinear)
	const h, w = 8, 8
	g := make([]float32, h*w)
	roi := make([]float32, h*w)
	f := make([]float32, h*w)
	for y := range h {
		for x := range w {
			i := y*w + x
			inside := x < 5
			if inside {
				roi[i] = 1
			}
			if inside && y >= 2 && y < 5 && x >= 1 && x < 4 {
				g[i], f[i] = 1, 1
			}
			if !inside {
				f[i] = 0.9
			}
		}
	}
	gT := tensors.FromFlatDataAndDimensions(g, 1, h, w)
	fT := tensors.FromFlatDataAndDimensions(f, 1, h, w, 1)
	with, err := a.Layer("roi", fT, gT, gT, tensors.FromFlatDataAndDimensions(roi, 1, h, w))
	if err != nil {
		t.Fatal(err)
	}
	without, err := a.Layer("no roi", fT, gT, gT, nil)
	if err != nil {
		t.Fatal(err)
	}
	if with.SA[0] != 1 || without.SA[0] >= 1 {
		t.Fatalf("SA with ROI %v (want 1), without %v (want < 1)", with.SA[0], without.SA[0])
	}
	for i, v := range with.SAM[0] {
		if v != 0 && roi[i] == 0 {
			t.Fatalf("SAM is object at %d outside the ROI", i)
		}
	}
}

func TestUnits(t *testing.T) {
	// Unit 0 is the mask, unit 1 is its negative (still separates: direction comes
	// from the sign of c_t − c_b), unit 2 is constant (no information).
	a := newTestAnalyzer(t, Nearest)
	const h, w = 8, 8
	g := disc(h, w, 4, 4, 2.5)
	f := make([]float32, h*w*3)
	for i, v := range g {
		f[3*i], f[3*i+1], f[3*i+2] = v, -2*v, 5
	}
	gT := tensors.FromFlatDataAndDimensions(g, 1, h, w)
	res, err := a.Units("units", tensors.FromFlatDataAndDimensions(f, 1, h, w, 3), gT, gT, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "unit SA", res.SA[0], []float64{1, 1, 0}, 0)
	for i, v := range g {
		if want := float32(v) * 2 / 3; math.Abs(float64(res.HeatMap[0][i]-want)) > 1e-6 {
			t.Fatalf("heat-map[%d] = %v, want %v", i, res.HeatMap[0][i], want)
		}
	}
	if string(res.SAMs[0][1].Unpack(nil)) != string(toUint8(g)) || !res.SAMs[0][1].Equal(PackBits(toUint8(g))) || res.SAMs[0][2].Count() != 0 {
		t.Fatal("unit SAMs are not the mask (unit 1) and empty (unit 2)")
	}
	// A 4×4 feature against the 8×8 mask, nearest: each unit is one channel
	// up-sampled, so its SA equals the layer SA of that channel alone.
	small := make([]float32, 4*4*3)
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range small {
		small[i] = float32(rng.Float64())
	}
	smallT := tensors.FromFlatDataAndDimensions(small, 1, 4, 4, 3)
	units, err := a.Units("small", smallT, gT, gT, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 3 {
		ch := make([]float32, 16)
		for i := range ch {
			ch[i] = small[3*i+k]
		}
		layer, err := a.Layer("channel", tensors.FromFlatDataAndDimensions(ch, 1, 4, 4, 1), gT, gT, nil)
		if err != nil {
			t.Fatal(err)
		}
		if layer.SA[0] != units.SA[0][k] {
			t.Fatalf("unit %d: SA %v, layer SA of the channel alone %v", k, units.SA[0][k], layer.SA[0])
		}
	}
}

func TestBadInputs(t *testing.T) {
	a := newTestAnalyzer(t, Bilinear)
	g := tensors.FromFlatDataAndDimensions([]float32{0, 1, 1, 0}, 1, 2, 2)
	nan := tensors.FromFlatDataAndDimensions([]float32{0, float32(math.NaN()), 1, float32(math.Inf(1))}, 1, 2, 2, 1)
	if _, err := a.Layer("layer07", nan, g, g, nil); err == nil || !strings.Contains(err.Error(), "layer07") ||
		!strings.Contains(err.Error(), "2 NaN or Inf") {
		t.Fatalf("NaN feature: error %v, want one naming layer07 and 2 NaN or Inf values", err)
	}
	if _, err := a.Units("layer08", nan, g, g, nil, false); err == nil || !strings.Contains(err.Error(), "layer08") {
		t.Fatalf("NaN feature (units): error %v", err)
	}
	f := tensors.FromFlatDataAndDimensions([]float32{0, 1, 1, 0}, 1, 2, 2, 1)
	bad := tensors.FromFlatDataAndDimensions([]float32{0, 2, 1, 0}, 1, 2, 2)
	if _, err := a.Layer("x", f, bad, g, nil); err == nil || !strings.Contains(err.Error(), "outside [0,1]") {
		t.Fatalf("mask value 2: error %v", err)
	}
	other := tensors.FromFlatDataAndDimensions([]float32{0, 1, 1}, 1, 3)
	if _, err := a.Layer("x", f, g, other, nil); err == nil || !strings.Contains(err.Error(), "differ") {
		t.Fatalf("shape mismatch: error %v", err)
	}
	if _, err := a.Layer("x", g, g, g, nil); err == nil {
		t.Fatal("feature without channel axis: no error")
	}
}

func TestBinaryMaps(t *testing.T) {
	got := BinaryMaps(tensors.FromFlatDataAndDimensions([]float32{0, 0.5, 0.51, 1, 1, 0.2}, 2, 3))
	if string(got[0]) != string([]uint8{0, 0, 1}) || string(got[1]) != string([]uint8{1, 1, 0}) {
		t.Fatalf("BinaryMaps = %v, want [[0 0 1] [1 1 0]] (object where > 0.5)", got)
	}
}
