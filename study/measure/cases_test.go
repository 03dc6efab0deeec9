package measure

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
)

// singleFile analyses cases of one size with the single-file path: F as
// [N, C, s...] float32, B = 1 − p0, G = label > 0.
func singleFile(t *testing.T, cases []fixture.SynthCase) *FeatureReport {
	t.Helper()
	dir := t.TempDir()
	var arrays []data.NamedArray
	for l := range cases[0].Layers {
		var v []float32
		for _, c := range cases {
			for _, x := range c.Layers[l].Values {
				v = append(v, float32(x))
			}
		}
		arrays = append(arrays, data.NamedArray{Name: cases[0].Layers[l].Name, Shape: append([]int{len(cases)}, cases[0].Layers[l].Shape...), Values: v})
	}
	if err := data.WriteNPZ(filepath.Join(dir, "F.npz"), arrays); err != nil {
		t.Fatal(err)
	}
	z, err := data.OpenNPZ(filepath.Join(dir, "F.npz"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	n := fixture.Prod(cases[0].Spatial)
	b := &data.Array{Name: "B", Shape: append([]int{len(cases)}, cases[0].Spatial...), DType: "float32"}
	g := &data.Array{Name: "G", Shape: b.Shape, DType: "float32"}
	for _, c := range cases {
		for i := range n {
			b.Float32 = append(b.Float32, float32(1-float64(float32(c.Probs[i]))))
			g.Float32 = append(g.Float32, float32(c.Label[i]))
		}
	}
	rep, err := AnalyzeFeatures(fixture.Analyzer(t), z, b, g, NCHW, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func analyzeDir(t *testing.T, dir string, opt CaseOptions) (*CaseReport, error) {
	t.Helper()
	paths, err := data.ListCases(dir)
	if err != nil {
		return nil, err
	}
	b := fixture.MustBackend(t)
	return AnalyzeCases(b, fixture.Analyzer(t), paths, opt)
}

// TestExternalCasesMatchSingleFile: three 12 × 12 cases and one 16 × 10 case;
// each case's layer SA, the unit SA and μ equal the single-file path on the same
// data to 1e-6 (the three same-size cases as one F.npz batch, the fourth alone);
// layers are reported in file order and unit mean SA is the mean over cases.
func TestExternalCasesMatchSingleFile(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	dir := t.TempDir()
	var same []fixture.SynthCase
	for i := range 3 {
		c := fixture.MakeCase(rng, []int{12, 12}, "float32")
		c.Write(t, filepath.Join(dir, fmt.Sprintf("case_%d.npz", i)), i%2 == 0)
		same = append(same, c)
	}
	odd := fixture.MakeCase(rng, []int{16, 10}, "float32")
	odd.Write(t, filepath.Join(dir, "case_3.npz"), true)
	rep, err := analyzeDir(t, dir, CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cases != 4 || rep.Images != 4 || strings.Join(rep.CaseNames, ",") != "case_0,case_1,case_2,case_3" ||
		rep.Against != "gt" || rep.Output != "probabilities" || len(rep.Layers) != 3 || len(rep.Classes) != 0 {
		t.Fatalf("report %+v", rep)
	}
	batch, alone := singleFile(t, same), singleFile(t, []fixture.SynthCase{odd})
	for l, name := range fixture.CaseLayerNames {
		got := rep.Layers[l]
		if got.Name != name || len(got.SA) != 4 {
			t.Fatalf("layer %d: %q with %d cases, want %q (file order)", l, got.Name, len(got.SA), name)
		}
		want := append(append([]float64(nil), batch.Layers[l].SA...), alone.Layers[l].SA...)
		mean := 0.0
		for i := range want {
			closeTo(t, fmt.Sprintf("%s case %d SA", name, i), got.SA[i], want[i], 1e-6)
			mean += want[i] / 4
		}
		closeTo(t, name+" mean SA", got.MeanSA, mean, 1e-6)
		for k, v := range got.UnitMeanSA {
			want := (3*batch.Layers[l].UnitMeanSA[k] + alone.Layers[l].UnitMeanSA[k]) / 4
			closeTo(t, fmt.Sprintf("%s unit %d", name, k), v, want, 1e-6)
		}
	}
	mu := append(append([]float64(nil), batch.Mu...), alone.Mu...)
	for i := range mu {
		closeTo(t, fmt.Sprintf("case %d μ", i), rep.Mu[i], mu[i], 1e-6)
	}
	// The layer that codes the object separates it well; the noise layer does not.
	if rep.Layers[0].MeanSA < 0.8 || rep.Layers[2].MeanSA > rep.Layers[0].MeanSA {
		t.Errorf("layer SA %g, %g, %g", rep.Layers[0].MeanSA, rep.Layers[1].MeanSA, rep.Layers[2].MeanSA)
	}
	// The JSON keeps the single-file keys and adds the case ones.
	raw, _ := json.Marshal(rep)
	for _, key := range []string{`"images":4`, `"layers":[{"name":"encoder.stages.0.0.convs.0"`, `"mean_sa"`, `"unit_mean_sa"`, `"active_units"`, `"mu":`, `"degenerate":`, `"cases":4`, `"case_names":["case_0"`} {
		if !strings.Contains(string(raw), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

func closeTo(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s: %g, want %g (±%g)", what, got, want, tol)
	}
}

// TestExternalCasesFloat16 writes 3D cases of two sizes with float16 features
// and compares with the same features in float32: layer SA within 2e-3.
func TestExternalCasesFloat16(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	d16, d32 := t.TempDir(), t.TempDir()
	for i, s := range [][]int{{4, 12, 12}, {6, 8, 10}, {4, 12, 12}} {
		c := fixture.MakeCase(rng, s, "float16")
		c.Write(t, filepath.Join(d16, fmt.Sprintf("c%d.npz", i)), true)
		for l := range c.Layers {
			c.Layers[l].DType = "float32"
		}
		c.Write(t, filepath.Join(d32, fmt.Sprintf("c%d.npz", i)), false)
	}
	r16, err := analyzeDir(t, d16, CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r32, err := analyzeDir(t, d32, CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for l := range r32.Layers {
		for i := range r32.Layers[l].SA {
			closeTo(t, fmt.Sprintf("layer %d case %d float16 SA", l, i), r16.Layers[l].SA[i], r32.Layers[l].SA[i], 2e-3)
			worst = max(worst, math.Abs(r16.Layers[l].SA[i]-r32.Layers[l].SA[i]))
		}
	}
	t.Logf("max |ΔSA| float16 vs float32: %g", worst)
	if r32.Layers[0].MeanSA < 0.8 {
		t.Errorf("3D layer 0 SA %g", r32.Layers[0].MeanSA)
	}
}

// TestExternalCasesStream holds the memory bound: cases are read one at a time,
// so the live heap at the start of each case (after a full collection) does not
// grow with the cases already analysed. Each case's feature is 64 units of
// 64 × 64 float32 (1 MiB); keeping the cases would add ≥ 1 MiB a case.
func TestExternalCasesStream(t *testing.T) {
	const cases, c, h, w = 8, 64, 64, 64
	rng := rand.New(rand.NewPCG(7, 8))
	dir := t.TempDir()
	for i := range cases {
		out, label := make([]float64, h*w), make([]float64, h*w)
		feat := make([]float64, c*h*w)
		for p := range h * w {
			y, x := p/w, p%w
			if y >= 16+i && y < 40 && x >= 20 && x < 44 {
				out[p], label[p] = 1, 1
			}
			for k := range c {
				feat[k*h*w+p] = out[p]*float64(k%3) + rng.NormFloat64()
			}
		}
		if err := data.WriteTypedNPZ(filepath.Join(dir, fmt.Sprintf("s%02d.npz", i)), true,
			data.TypedArray{Name: "big", DType: "float32", Shape: []int{c, h, w}, Values: feat},
			data.TypedArray{Name: data.OutputKey, DType: "uint8", Shape: []int{h, w}, Values: out},
			data.TypedArray{Name: data.LabelKey, DType: "uint8", Shape: []int{h, w}, Values: label}); err != nil {
			t.Fatal(err)
		}
	}
	heap := make([]uint64, cases)
	onCase = func(i int) {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap[i] = ms.HeapAlloc
	}
	defer func() { onCase = nil }()
	rep, err := analyzeDir(t, dir, CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cases != cases || rep.Layers[0].MeanSA < 0.9 || rep.Against != "gt" {
		t.Fatalf("report: %d cases, SA %g", rep.Cases, rep.Layers[0].MeanSA)
	}
	const oneArray = c * h * w * 4
	for i := 2; i < cases; i++ {
		if grow := int64(heap[i]) - int64(heap[1]); grow > oneArray/2 {
			t.Errorf("live heap before case %d is %d bytes above case 1 (one case's feature is %d bytes): cases are kept", i, grow, oneArray)
		}
	}
	t.Logf("live heap before each case: %v", heap)
}

// multiCase writes a case of 4 classes on a 10 × 12 image (class 3 never
// occurs): label stripes 0/1/2, a prediction that disagrees on one column, the
// layer "onehot" equal to the one-hot label and a noise layer.
func multiCase(t *testing.T, path string, rng *rand.Rand, withLabel bool) {
	t.Helper()
	const h, w, k = 10, 12, 4
	label, probs := make([]float64, h*w), make([]float64, k*h*w)
	onehot, noise := make([]float64, k*h*w), make([]float64, 2*h*w)
	for p := range h * w {
		x := p % w
		label[p] = float64(min(x/4, 2))
		pred := int(label[p])
		if x == 4 { // a column of class 1 predicted as class 0
			pred = 0
		}
		for j := range k {
			probs[j*h*w+p] = 0.02
		}
		probs[pred*h*w+p] = 0.94
		onehot[int(label[p])*h*w+p] = 1
		noise[p], noise[h*w+p] = rng.NormFloat64(), rng.NormFloat64()
	}
	arrays := []data.TypedArray{{Name: "onehot", DType: "float16", Shape: []int{k, h, w}, Values: onehot},
		{Name: "noise", DType: "float32", Shape: []int{2, h, w}, Values: noise},
		{Name: data.ProbabilitiesKey, DType: "float32", Shape: []int{k, h, w}, Values: probs}}
	if withLabel {
		arrays = append(arrays, data.TypedArray{Name: data.LabelKey, DType: "uint8", Shape: []int{h, w}, Values: label})
	}
	if err := data.WriteTypedNPZ(path, true, arrays...); err != nil {
		t.Fatal(err)
	}
}

// TestExternalCasesMultiClass: features equal to the one-hot label give a
// multi-class SAM equal to the label, so every class scores SA 1 (class 3,
// absent from label and SAM, by the empty/empty convention), and the
// foreground-vs-background layer SA is 1 too; with --class 2 the binary view
// scores class 2 alone, also 1. Without a label the reference is the prediction,
// which the one-hot label misses by one column of class 1: 10·4 voxels predicted
// 0 of which 10 are class 1, so class 0 scores 2·40/(40+50) and class 1
// 2·30/(40+30).
func TestExternalCasesMultiClass(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	dir, noLabel := t.TempDir(), t.TempDir()
	for i := range 2 {
		multiCase(t, filepath.Join(dir, fmt.Sprintf("m%d.npz", i)), rng, true)
		multiCase(t, filepath.Join(noLabel, fmt.Sprintf("m%d.npz", i)), rng, false)
	}
	for _, class := range []int{0, 2} {
		rep, err := analyzeDir(t, dir, CaseOptions{Class: class})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Classes) != 4 || rep.Class != class {
			t.Fatalf("class %d: %d classes in the report", class, len(rep.Classes))
		}
		closeTo(t, fmt.Sprintf("--class %d: onehot layer SA", class), rep.Layers[0].MeanSA, 1, 1e-9)
		for k, c := range rep.Classes {
			if c.Class != k || c.Layers[0].Name != "onehot" || len(c.Layers[0].SA) != 2 {
				t.Fatalf("class %d: %+v", k, c)
			}
			closeTo(t, fmt.Sprintf("class %d onehot SA", k), c.Layers[0].MeanSA, 1, 1e-9)
			if sa := c.Layers[1].MeanSA; sa < 0 || sa > 1 || (k < 3 && sa > 0.999) {
				t.Errorf("class %d noise SA %g", k, sa)
			}
		}
	}
	rep, err := analyzeDir(t, noLabel, CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{80.0 / 90, 60.0 / 70, 1, 1}
	for k, c := range rep.Classes {
		closeTo(t, fmt.Sprintf("no label: class %d onehot SA", k), c.Layers[0].MeanSA, want[k], 1e-9)
	}
	if rep.Against != "output" {
		t.Errorf("against %q", rep.Against)
	}
}

// TestExternalCasesErrors: cases that disagree with the first case are errors
// naming both files and the array; an error inside a case names its file once.
func TestExternalCasesErrors(t *testing.T) {
	out := data.TypedArray{Name: data.OutputKey, DType: "uint8", Shape: []int{4, 4}, Values: make([]float64, 16)}
	probs := data.TypedArray{Name: data.ProbabilitiesKey, DType: "float32", Shape: []int{2, 4, 4}, Values: make([]float64, 32)}
	lab := data.TypedArray{Name: data.LabelKey, DType: "uint8", Shape: []int{4, 4}, Values: make([]float64, 16)}
	feat := func(name string, c int) data.TypedArray {
		return data.TypedArray{Name: name, DType: "float32", Shape: []int{c, 4, 4}, Values: make([]float64, c*16)}
	}
	bad := feat("conv", 2)
	bad.Values[5] = math.NaN()
	for _, c := range []struct {
		name   string
		second []data.TypedArray
		want   []string
	}{
		{"extra", []data.TypedArray{out, feat("conv", 2), feat("head", 1), feat("other", 1)}, []string{`"other"`, "not in the first case", "a.npz"}},
		{"missing", []data.TypedArray{out, feat("conv", 2)}, []string{`"head"`, "a.npz"}},
		{"channels", []data.TypedArray{out, feat("conv", 3), feat("head", 1)}, []string{`"conv"`, "3 channels", "has 2", "a.npz"}},
		{"outputkey", []data.TypedArray{probs, feat("conv", 2), feat("head", 1)}, []string{`"probabilities"`, `"output"`, "a.npz"}},
		{"label", []data.TypedArray{out, lab, feat("conv", 2), feat("head", 1)}, []string{`"label"`, "a.npz"}},
		{"nan", []data.TypedArray{out, bad, feat("head", 1)}, []string{`"conv"`, "1 NaN", "NaN"}},
	} {
		dir := t.TempDir()
		if err := data.WriteTypedNPZ(filepath.Join(dir, "a.npz"), false, out, feat("conv", 2), feat("head", 1)); err != nil {
			t.Fatal(err)
		}
		second := filepath.Join(dir, "b.npz")
		if err := data.WriteTypedNPZ(second, false, c.second...); err != nil {
			t.Fatal(err)
		}
		_, err := analyzeDir(t, dir, CaseOptions{})
		if err == nil || strings.Count(err.Error(), second) != 1 {
			t.Errorf("%s: error %v does not name %s once", c.name, err, second)
			continue
		}
		for _, s := range c.want {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q does not say %s", c.name, err, s)
			}
		}
	}
}
