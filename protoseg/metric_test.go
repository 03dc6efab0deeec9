package protoseg

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestMetricNames(t *testing.T) {
	want := []string{"dice", "jaccard", "sensitivity", "specificity", "accuracy", "nsd"}
	if got := MetricNames(); !slices.Equal(got, want) {
		t.Fatalf("MetricNames() = %v, want %v", got, want)
	}
	for i, m := range Metrics() {
		if m.String() != want[i] {
			t.Errorf("Metrics()[%d] = %v, want %s", i, m, want[i])
		}
		got, err := ParseMetric(strings.ToUpper(want[i]))
		if err != nil || got != m {
			t.Errorf("ParseMetric(%q) = %v, %v; want %v", want[i], got, err, m)
		}
	}
	var zero Metric
	if zero != MetricDice || MetricNSD.NeedsMaps() != true || MetricJaccard.NeedsMaps() {
		t.Fatalf("zero metric %v, NSD needs maps %v, Jaccard %v", zero, MetricNSD.NeedsMaps(), MetricJaccard.NeedsMaps())
	}
	_, err := ParseMetric("hd95")
	if err == nil || !strings.Contains(err.Error(), `"hd95"`) || !strings.Contains(err.Error(), strings.Join(want, ", ")) {
		t.Fatalf("ParseMetric(hd95): %v, want an error naming it and listing %v", err, want)
	}
	var m Metric
	if err := m.Set("nsd"); err != nil || m != MetricNSD {
		t.Fatalf("Set(nsd): %v, %v", m, err)
	}
	if err := m.Set("iou"); err == nil || m != MetricNSD {
		t.Fatalf("Set(iou): %v, %v; want an error and no change", m, err)
	}
	if Metric(17).String() != "Metric(17)" {
		t.Fatalf("Metric(17).String() = %q", Metric(17).String())
	}
}

// bits returns a map from a string of 0s and 1s.
func bits(s string) []uint8 {
	out := make([]uint8, len(s))
	for i, c := range s {
		out[i] = uint8(c - '0')
	}
	return out
}

func TestMetricClosedForm(t *testing.T) {
	// TP = 2, FP = 1, FN = 2, TN = 5 over 10 pixels.
	s, g := bits("1110000000"), bits("0111100000")
	empty, full, some := bits("0000"), bits("1111"), bits("0110")
	cases := []struct {
		name string
		s, g []uint8
		want [5]float64 // dice, jaccard, sensitivity, specificity, accuracy
	}{
		{"counts", s, g, [5]float64{4.0 / 7, 2.0 / 5, 2.0 / 4, 5.0 / 6, 7.0 / 10}},
		{"both empty", empty, empty, [5]float64{1, 1, 1, 1, 1}},
		{"empty S", empty, some, [5]float64{0, 0, 0, 1, 0.5}},
		{"empty G", some, empty, [5]float64{0, 0, 0, 0.5, 0.5}},
		{"both full", full, full, [5]float64{1, 1, 1, 1, 1}},
		{"G full", some, full, [5]float64{2 * 2.0 / 6, 0.5, 0.5, 0, 0.5}},
		{"S full", full, some, [5]float64{2 * 2.0 / 6, 0.5, 1, 0, 0.5}},
		{"equal", some, some, [5]float64{1, 1, 1, 1, 1}},
	}
	for _, tc := range cases {
		for m := MetricDice; m <= MetricAccuracy; m++ {
			got, err := Score(m, tc.s, tc.g, []int{len(tc.s)})
			if err != nil || math.Abs(got-tc.want[m]) > 1e-15 {
				t.Errorf("%s: %v = %v, %v; want %v", tc.name, m, got, err, tc.want[m])
			}
		}
	}
	// An empty ROI (no pixel at all): every count metric scores 1.
	for m := MetricDice; m <= MetricAccuracy; m++ {
		if got := m.fromTotals(0, 0, 0, 0); got != 1 {
			t.Errorf("%v over an empty region = %v, want 1", m, got)
		}
	}
	// Dice agrees with DiceScore, bit for bit.
	d1, _ := Score(MetricDice, s, g, []int{2, 5})
	d2, _ := DiceScore(s, g)
	if d1 != d2 {
		t.Fatalf("Score(dice) = %v, DiceScore = %v", d1, d2)
	}
	// Rounding that makes a count negative is clamped, never NaN: inter > size.
	if got := MetricJaccard.fromTotals(3.0000001, 3, 3, 10); math.IsNaN(got) || got != 1 {
		t.Fatalf("jaccard with inter > size = %v, want 1", got)
	}
	if _, err := Score(Metric(9), s, g, []int{10}); err == nil {
		t.Fatal("unknown metric: no error")
	}
	if _, err := Score(MetricJaccard, s, g[:9], []int{10}); err == nil {
		t.Fatal("mismatched maps: no error")
	}
}

// box returns an h×w map with the box rows [y0, y1) × columns [x0, x1) set.
func box(h, w, y0, y1, x0, x1 int) []uint8 {
	m := make([]uint8, h*w)
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			m[y*w+x] = 1
		}
	}
	return m
}

func TestSurfaceDiceClosedForm(t *testing.T) {
	// Two 3×3 squares in a 5×7 grid, columns 1–3 and 3–5: each boundary is the
	// ring of 8 pixels. Within 1 pixel of the other ring: 5 of each (the shared
	// column and its neighbours: (1,2),(1,3),(2,3),(3,2),(3,3) of S); within 0:
	// the shared column, 3 of each; within 2: all 8.
	s, g := box(5, 7, 1, 4, 1, 4), box(5, 7, 1, 4, 3, 6)
	dims := []int{5, 7}
	for _, tc := range []struct {
		tol, want float64
	}{{0, 6.0 / 16}, {1, 10.0 / 16}, {math.Sqrt2, 10.0 / 16}, {2, 1}} {
		got, err := SurfaceDice(s, g, dims, tc.tol)
		if err != nil || got != tc.want {
			t.Errorf("NSD at τ = %v: %v, %v; want %v", tc.tol, got, err, tc.want)
		}
	}
	if got, _ := Score(MetricNSD, s, g, dims); got != 10.0/16 {
		t.Errorf("Score(nsd) = %v, want 10/16", got)
	}
	// 3D: single voxels one face apart match at τ = 1, diagonal ones (√2) do not.
	v := func(z, y, x int) []uint8 { m := make([]uint8, 27); m[(z*3+y)*3+x] = 1; return m }
	d3 := []int{3, 3, 3}
	for _, tc := range []struct {
		a, b []uint8
		want float64
	}{
		{v(1, 1, 1), v(1, 1, 2), 1},
		{v(1, 1, 1), v(1, 2, 2), 0},
		{v(0, 0, 0), v(0, 0, 0), 1},
		{bits(strings.Repeat("1", 27)), bits(strings.Repeat("1", 27)), 1},
		// The full cube's boundary is its 26 outer voxels; the centre alone is
		// within 1 of 6 of them: (1 + 6) / (1 + 26).
		{v(1, 1, 1), bits(strings.Repeat("1", 27)), 7.0 / 27},
	} {
		if got, err := SurfaceDice(tc.a, tc.b, d3, 1); err != nil || got != tc.want {
			t.Errorf("3D NSD = %v, %v; want %v", got, err, tc.want)
		}
	}
	// Empty conventions.
	empty := make([]uint8, 35)
	if got, _ := SurfaceDice(empty, empty, dims, 1); got != 1 {
		t.Errorf("NSD(∅, ∅) = %v, want 1", got)
	}
	if got, _ := SurfaceDice(empty, g, dims, 1); got != 0 {
		t.Errorf("NSD(∅, G) = %v, want 0", got)
	}
	if got, _ := SurfaceDice(s, empty, dims, 1); got != 0 {
		t.Errorf("NSD(S, ∅) = %v, want 0", got)
	}
	for _, tol := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := SurfaceDice(s, g, dims, tol); err == nil {
			t.Errorf("tolerance %v: no error", tol)
		}
	}
	if _, err := SurfaceDice(s, g, []int{5, 0}, 1); err == nil {
		t.Error("empty axis: no error")
	}
}

// bruteNSD is an independent NSD: boundaries from coordinates, distances by
// comparing every pair of boundary voxels.
func bruteNSD(s, g []uint8, dims []int, tol float64) float64 {
	coords := func(p int) []int {
		c := make([]int, len(dims))
		for a := len(dims) - 1; a >= 0; a-- {
			c[a], p = p%dims[a], p/dims[a]
		}
		return c
	}
	index := func(c []int) int {
		p := 0
		for a, v := range c {
			p = p*dims[a] + v
		}
		return p
	}
	boundary := func(m []uint8) [][]int {
		var out [][]int
		for p := range m {
			if m[p] == 0 {
				continue
			}
			c := coords(p)
			edge := false
			for a := range dims {
				for _, d := range []int{-1, 1} {
					n := slices.Clone(c)
					n[a] += d
					if n[a] < 0 || n[a] >= dims[a] || m[index(n)] == 0 {
						edge = true
					}
				}
			}
			if edge {
				out = append(out, c)
			}
		}
		return out
	}
	within := func(from, to [][]int) int {
		n := 0
		for _, p := range from {
			best := math.Inf(1)
			for _, q := range to {
				d := 0.0
				for a := range p {
					d += float64((p[a] - q[a]) * (p[a] - q[a]))
				}
				best = min(best, math.Sqrt(d))
			}
			if best <= tol {
				n++
			}
		}
		return n
	}
	bs, bg := boundary(s), boundary(g)
	if len(bs)+len(bg) == 0 {
		return 1
	}
	return float64(within(bs, bg)+within(bg, bs)) / float64(len(bs)+len(bg))
}

func TestSurfaceDiceBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 1))
	shapes := [][]int{{7, 9}, {12, 5}, {1, 8}, {4, 5, 6}, {3, 3, 7}, {11}}
	checked := 0
	for trial := range 120 {
		dims := shapes[trial%len(shapes)]
		n := prod(dims)
		density := []float64{0, 0.1, 0.4, 0.7, 1}[trial%5]
		s, g := make([]uint8, n), make([]uint8, n)
		for p := range s {
			if rng.Float64() < density {
				s[p] = 1
			}
			if rng.Float64() < density*0.8+0.1 {
				g[p] = 1
			}
		}
		for _, tol := range []float64{0, 1, math.Sqrt2, 1.5, 2} {
			got, err := SurfaceDice(s, g, dims, tol)
			want := bruteNSD(s, g, dims, tol)
			if err != nil || math.Abs(got-want) > 1e-15 {
				t.Fatalf("trial %d %v τ = %v: NSD %v, %v; brute force %v", trial, dims, tol, got, err, want)
			}
			checked++
		}
	}
	if checked != 600 {
		t.Fatalf("checked %d", checked)
	}
}
