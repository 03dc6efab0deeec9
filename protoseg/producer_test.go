//go:build amd64 && !purego

package protoseg

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

// producerCase is one plan of the fused 64-column producer with its inputs.
type producerCase struct {
	p       *densePlan
	src     []float32
	vbuf    []float32
	roi, gt []byte
	sam     []byte
	heat    []uint8
}

// newProducerCase builds a plan of s0×s1 source values up-sampled to h×64
// with column rule colRule and row rules from rowRule(y); values: the source
// values, "test" denseTestValue's (zeros, tiny and subnormal ones among
// them), "uniform" uniformRowValue's (rows of one sign, most of them, with
// pads of any value), "tiny" a few units of the smallest subnormal (every product rounds,
// so fused and separate rules often differ in sign), "normal" standard
// normal ones (as logits are; for timing), "smooth" a smooth field of mostly
// one sign along a row (as a trained network's units often are; for timing).
func newProducerCase(tb testing.TB, s0, s1, h int, colRule combineRule, rowRule func(y int) combineRule, values string, rng *rand.Rand) *producerCase {
	tb.Helper()
	rows, err := newAxisTaps(Bilinear, s0, h)
	if err != nil {
		tb.Fatal(err)
	}
	cols, err := newAxisTaps(Bilinear, s1, 64)
	if err != nil {
		tb.Fatal(err)
	}
	for i := range rows.rule {
		rows.rule[i] = rowRule(i)
	}
	for i := range cols.rule {
		cols.rule[i] = colRule
	}
	p := newDensePlan(rows, cols)
	if p == nil {
		tb.Fatal("no plan")
	}
	c := &producerCase{p: p, src: make([]float32, s0*p.s1p), vbuf: make([]float32, max(p.s1p, 32))}
	k := rng.IntN(1 << 10)
	for j := range s0 {
		for i := range s1 {
			switch values {
			case "uniform":
				c.src[j*p.s1p+i] = uniformRowValue(j+k, i, s1, rng)
			case "tiny":
				c.src[j*p.s1p+i] = float32(rng.IntN(17)-8) * math.SmallestNonzeroFloat32
			case "normal":
				c.src[j*p.s1p+i] = float32(rng.NormFloat64())
			case "smooth":
				c.src[j*p.s1p+i] = float32(2*math.Sin(0.35*float64(j+k)) + 0.5*math.Sin(0.2*float64(i+k)))
			default:
				c.src[j*p.s1p+i] = denseTestValue(rng)
			}
		}
	}
	if values == "uniform" {
		for j := range s0 {
			for i := s1; i < p.s1p; i++ {
				c.src[j*p.s1p+i] = padValues[(i+j)%len(padValues)] // no column picks a pad
			}
		}
	}
	pix := h * 64
	c.roi, c.gt = make([]byte, pix/8+8), make([]byte, pix/8+8)
	for i := range pix / 8 {
		c.roi[i], c.gt[i] = byte(rng.Uint32()|rng.Uint32()), byte(rng.Uint32())
	}
	c.sam, c.heat = make([]byte, pix/8), make([]uint8, pix)
	return c
}

// args returns the producer's arguments (emit: with roi, sam and heat).
func (c *producerCase) args(emit, sam, heat bool) maskArgs {
	p := c.p
	a := maskArgs{src: &c.src[0], vbuf: &c.vbuf[0], h: p.h, s1p: p.s1p, w: p.w,
		off0: &p.off0[0], off1: &p.off1[0], w0y: &p.w0y[0], w1y: &p.w1y[0], fusedY: &p.fusedY[0],
		idx0: &p.idx0[0], idx1: &p.idx1[0], w0x: &p.w0x[0], w1x: &p.w1x[0], mode: p.mode, perm: p.perm}
	bits := make([]byte, p.h*8+8)
	a.bits = &bits[0]
	if emit {
		a.roi, a.gt = &c.roi[0], &c.gt[0]
		if sam {
			a.sam = &c.sam[0]
		}
		if heat {
			a.heat = &c.heat[0]
		}
	}
	return a
}

// TestProducerRows checks the fused 64-column producer against the Go
// reference (denseMaskGo, then denseEmitGo) for row counts odd and even (the
// producer runs rows in pairs, an odd last one alone), both picks, both
// column rules and mixed row rules, with SAM and heat each wanted or not;
// the "uniform" sources take the producer's uniform-row shortcut (rows whose
// combined values are all ≤ 0 or all positive normal) and its refusals.
func TestProducerRows(t *testing.T) {
	if cpuDenseLevel() < denseAVX512 || !cpu.X86.HasAVX512BW {
		t.Skip("no AVX-512BW")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, h := range []int{1, 2, 3, 5, 8, 63, 64, 65} {
		for _, s1 := range []int{8, 12, 16, 20, 24, 32} {
			for _, col := range []combineRule{ruleFused, ruleSeparate} {
				for _, rr := range []string{"fused", "sep", "mixed"} {
					for _, values := range []string{"test", "tiny", "uniform"} {
						c := newProducerCase(t, max(2, h/3), s1, h, col, producerRowRules()[rr], values, rng)
						name := fmt.Sprintf("h=%d s1=%d col=%d rows=%s values=%s", h, s1, c.p.mode, rr, values)
						checkProducer(t, name, c)
					}
				}
			}
		}
	}
}

// checkProducer compares denseMaskEmit on case c with the Go reference.
func checkProducer(t *testing.T, name string, c *producerCase) {
	t.Helper()
	p, pix := c.p, c.p.h*64
	ref := make([]byte, pix/8+8)
	denseMaskGo(p, c.src, c.vbuf, ref)
	base := make([]uint8, pix)
	for i := range base {
		base[i] = uint8(i % 5)
	}
	wantSAM, wantHeat := make([]byte, pix/8), slices.Clone(base)
	ws, wi := denseEmitGo(ref, c.roi, c.gt, wantSAM, wantHeat, pix)
	for _, keep := range [][2]bool{{true, true}, {true, false}, {false, true}, {false, false}} {
		var sam, heat []uint8
		if keep[0] {
			sam = bytes.Repeat([]byte{0xaa}, pix/8)
		}
		if keep[1] {
			heat = slices.Clone(base)
		}
		s, i, ok := denseMaskEmit(denseAVX512, p, c.src, c.vbuf, c.roi, c.gt, sam, heat)
		if !ok {
			t.Fatalf("%s: the fused producer did not run", name)
		}
		if s != ws || i != wi {
			t.Fatalf("%s keep %v: counts %d, %d, want %d, %d", name, keep, s, i, ws, wi)
		}
		if keep[0] && !bytes.Equal(sam, wantSAM) {
			t.Fatalf("%s keep %v: SAM bits differ", name, keep)
		}
		if keep[1] && !bytes.Equal(heat, wantHeat) {
			t.Fatalf("%s keep %v: heat counts differ", name, keep)
		}
	}
}

// padValues are what the "uniform" sources hold in their pads: the producer
// must not look at them.
var padValues = []float32{1, -1, float32(math.NaN()), float32(math.Inf(1)), 0x1p-140, 0}

// uniformKinds are the kinds of source row uniformRowValue makes: a row of
// one kind everywhere, or of one kind but for one odd lane.
var uniformKinds = []string{"pos", "neg", "zero", "negzero", "pos+nan", "neg+nan", "neg+negnan",
	"pos+sub", "pos+zero", "pos+neg", "pos+inf", "neg+neginf", "neg+pos", "neg+sub", "posbig", "posmin", "mixed"}

// uniformRowValue is lane i of source row j (of s1 real lanes; j counted
// from a case's random start) of the kind uniformKinds[j/2 % len] (rows in
// pairs of a kind and odd lane, so that whole combined rows are uniform
// too, or uniform but for one lane); the odd lane is lane (j/2·7) % s1.
func uniformRowValue(j, i, s1 int, rng *rand.Rand) float32 {
	kind := uniformKinds[j/2%len(uniformKinds)]
	base, odd, _ := strings.Cut(kind, "+")
	if odd != "" && i == j/2*7%s1 {
		base = odd
	}
	mag := float32(math.Exp(rng.NormFloat64() * 4))
	switch base {
	case "pos":
		return mag
	case "neg":
		return -mag
	case "zero":
		return 0
	case "negzero":
		return float32(math.Copysign(0, -1))
	case "nan":
		return float32(math.NaN())
	case "negnan":
		return math.Float32frombits(0xffc00001)
	case "sub":
		return 0x1p-130
	case "inf":
		return float32(math.Inf(1))
	case "neginf":
		return float32(math.Inf(-1))
	case "posbig":
		return math.MaxFloat32 * (1 - mag/(mag+1)/4)
	case "posmin":
		return 0x1p-126 * (1 + mag/(mag+1))
	}
	return denseTestValue(rng)
}

// TestProducerUniformLanes checks the uniform-row shortcut lane by lane: every
// source value of one kind but for one odd value (a positive one among
// negative values, a NaN, +∞, −0 or the smallest subnormal among positive
// ones), in each real lane of each source row in turn, so that a lane of
// either row of a pair that the shortcut's tests miss shows.
func TestProducerUniformLanes(t *testing.T) {
	if cpuDenseLevel() < denseAVX512 || !cpu.X86.HasAVX512BW {
		t.Skip("no AVX-512BW")
	}
	odd := map[string][2]float32{"neg+pos": {-1.5, 0.5}, "neg+nan": {-2, float32(math.NaN())},
		"pos+nan": {3, float32(math.NaN())}, "pos+inf": {0.75, float32(math.Inf(1))},
		"pos+negzero": {1, float32(math.Copysign(0, -1))}, "pos+sub": {2, math.SmallestNonzeroFloat32},
		"pos+neg": {1, -0x1p-120}}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, s1 := range []int{8, 12, 16, 20, 32} {
		for _, col := range []combineRule{ruleFused, ruleSeparate} {
			for _, h := range []int{7, 8} {
				for name, v := range odd {
					for lane := range s1 * 4 {
						c := newProducerCase(t, 4, s1, h, col, producerRowRules()["mixed"], "test", rng)
						for j := range 4 {
							row := c.src[j*c.p.s1p : (j+1)*c.p.s1p]
							for i := range s1 {
								row[i] = v[0] * float32(1+i%3)
							}
						}
						c.src[lane/s1*c.p.s1p+lane%s1] = v[1]
						checkProducer(t, fmt.Sprintf("s1=%d col=%d h=%d %s row %d lane %d", s1, c.p.mode, h, name, lane/s1, lane%s1), c)
					}
				}
			}
		}
	}
}

// TestProducerUniformWeights checks that the producer's uniform-row shortcut
// stands aside for column weights outside its argument (a column whose only
// weight is below 2⁻²³, a negative weight), which newAxisTaps never makes.
func TestProducerUniformWeights(t *testing.T) {
	if cpuDenseLevel() < denseAVX512 || !cpu.X86.HasAVX512BW {
		t.Skip("no AVX-512BW")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, s1 := range []int{12, 24} {
		for _, col := range []combineRule{ruleFused, ruleSeparate} {
			for _, bad := range []string{"tiny", "negative"} {
				c := newProducerCase(t, 40, s1, 64, col, producerRowRules()["mixed"], "uniform", rng)
				p := c.p
				p.w0x, p.w1x = slices.Clone(p.w0x), slices.Clone(p.w1x)
				for x := 5; x < 64; x += 17 {
					if bad == "tiny" {
						p.w0x[x], p.w1x[x], p.idx1[x] = 0x1p-30, 0, p.idx0[x]
					} else {
						p.w1x[x] = -p.w1x[x] - 0.5
					}
				}
				checkProducer(t, fmt.Sprintf("s1=%d col=%d weights=%s", s1, p.mode, bad), c)
			}
		}
	}
}

// producerRowRules are the row rules the producer tests run: every row fused,
// every row separate, or both mixed.
func producerRowRules() map[string]func(y int) combineRule {
	return map[string]func(y int) combineRule{
		"fused": func(int) combineRule { return ruleFused },
		"sep":   func(int) combineRule { return ruleSeparate },
		"mixed": func(y int) combineRule {
			return []combineRule{ruleFused, ruleSeparate}[(y*7+y*y/5)%3%2]
		},
	}
}

// BenchmarkProducer times denseMask64AVX512 alone on one 64×64 unit, by
// source size, column rule, row rules and what it emits (roi and gt random),
// on standard normal sources and (smooth/…) on a smooth field, whose rows of
// one sign take the uniform-row shortcut.
func BenchmarkProducer(b *testing.B) {
	if cpuDenseLevel() < denseAVX512 || !cpu.X86.HasAVX512BW {
		b.Skip("no AVX-512BW")
	}
	for _, s := range []int{8, 32} {
		for _, col := range []combineRule{ruleFused, ruleSeparate} {
			for _, rr := range []string{"fused", "sep", "mixed"} {
				for _, e := range []string{"bits", "emit", "emit+sam", "emit+sam+heat", "smooth/emit+sam+heat"} {
					values, _, _ := strings.Cut(e, "/")
					if values != "smooth" {
						values = "normal"
					}
					c := newProducerCase(b, s, s, 64, col, producerRowRules()[rr], values, rand.New(rand.NewPCG(1, 2)))
					a := c.args(e != "bits", strings.Contains(e, "sam"), strings.Contains(e, "heat"))
					b.Run(fmt.Sprintf("s=%d/col=%d/rows=%s/%s", s, c.p.mode, rr, e), func(b *testing.B) {
						for range b.N {
							denseMask64AVX512(&a)
						}
					})
				}
			}
		}
	}
}
