package data

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// steps returns n values i·step.
func steps(n int, step float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(i) * step
	}
	return v
}

// TestNPZCases writes a probabilities case and checks what OpenCase and
// ReadOutput make of it: layers in file order, B = 1 − p0 (or p_k), G and argmax.
func TestNPZCases(t *testing.T) {
	dir := t.TempDir()
	// 3 classes on a 2 × 2 image: voxel p has probabilities probs[p].
	probs := [][3]float64{{0.7, 0.2, 0.1}, {0.1, 0.8, 0.1}, {0.2, 0.3, 0.5}, {0.25, 0.5, 0.25}}
	p := make([]float64, 12)
	for v, pr := range probs {
		for k := range 3 {
			p[k*4+v] = pr[k]
		}
	}
	path := filepath.Join(dir, "b.npz")
	if err := WriteTypedNPZ(path, true,
		TypedArray{"enc.stages.1", "float16", []int{2, 1, 1}, []float64{1, 2}},
		TypedArray{ProbabilitiesKey, "float32", []int{3, 2, 2}, p},
		TypedArray{"enc.stages.0", "float32", []int{3, 2, 2}, steps(12, 1)},
		TypedArray{LabelKey, "int64", []int{2, 2}, []float64{0, 1, 2, 2}},
	); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "a.npz"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644)
	paths, err := ListCases(dir)
	if err != nil || !slices.Equal(paths, []string{filepath.Join(dir, "a.npz"), path}) {
		t.Fatalf("ListCases: %v %v", paths, err)
	}
	c, err := OpenCase(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Name != "b" || c.Output != ProbabilitiesKey || !c.HasLabel || !slices.Equal(c.Layers, []string{"enc.stages.1", "enc.stages.0"}) {
		t.Fatalf("case %+v", c)
	}
	for _, tc := range []struct {
		class int
		fg    []float32
		truth []float32
	}{{0, []float32{0.3, 0.9, 0.8, 0.75}, []float32{0, 1, 1, 1}}, {2, []float32{0.1, 0.1, 0.5, 0.25}, []float32{0, 0, 1, 1}}} {
		out, err := c.ReadOutput(tc.class)
		if err != nil {
			t.Fatal(err)
		}
		for i := range tc.fg {
			if math.Abs(float64(out.Foreground.Float32[i]-tc.fg[i])) > 1e-7 {
				t.Errorf("class %d: B = %v, want %v", tc.class, out.Foreground.Float32, tc.fg)
			}
		}
		if !slices.Equal(out.Truth.Float32, tc.truth) || !slices.Equal(out.Predicted, []int32{0, 1, 2, 1}) ||
			!slices.Equal(out.Label, []int32{0, 1, 2, 2}) || out.Classes != 3 || !slices.Equal(out.Foreground.Shape, []int{1, 2, 2}) {
			t.Errorf("class %d: %+v", tc.class, out)
		}
	}
	a, err := c.Layer("enc.stages.1", []int{2, 2})
	if err != nil || a.DType != "float16" || !slices.Equal(a.Float32, []float32{1, 2}) {
		t.Errorf("float16 layer: %+v %v", a, err)
	}
}

// TestNPZCaseErrors: every bad case file is an error naming the file once, the
// array and the value or shape at fault.
func TestNPZCaseErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ListCases(dir); !errors.Is(err, ErrNoCases) || !strings.Contains(err.Error(), dir) {
		t.Errorf("empty directory: %v", err)
	}
	out := TypedArray{OutputKey, "uint8", []int{4, 4}, make([]float64, 16)}
	feat := TypedArray{"conv", "float32", []int{2, 4, 4}, steps(32, 0.5)}
	nanF16 := TypedArray{"half", "float16", []int{1, 2, 2}, []float64{1, math.Inf(1), 2, math.NaN()}}
	probs := TypedArray{ProbabilitiesKey, "float32", []int{3, 4, 4}, make([]float64, 48)}
	for i := range 16 {
		probs.Values[i] = 1
	}
	for _, c := range []struct {
		name   string
		arrays []TypedArray
		read   func(*Case) error
		want   []string
	}{
		{"missing", []TypedArray{feat}, nil, []string{`"probabilities"`, `"output"`, "conv"}},
		{"both", []TypedArray{out, probs, feat}, nil, []string{"both"}},
		{"nolayers", []TypedArray{out}, nil, []string{"no feature arrays"}},
		{"f16nan", []TypedArray{out, nanF16}, layer("half", 2, 2), []string{`"half"`, "float16", "2 NaN or Inf", "+Inf", "flat index 1"}},
		{"larger", []TypedArray{out, {"up", "float32", []int{1, 8, 4}, make([]float64, 32)}}, layer("up", 4, 4), []string{`"up"`, "[1 8 4]", "[8 4]", "larger than the output's [4 4]"}},
		{"rank", []TypedArray{out, {"flat", "float32", []int{16}, make([]float64, 16)}}, layer("flat", 4, 4), []string{`"flat"`, "[16]", "C × H × W"}},
		{"zero", []TypedArray{out, {"void", "float32", []int{2, 0, 4}, nil}}, layer("void", 4, 4), []string{`"void"`, "empty array shaped [2 0 4]"}},
		{"intfeat", []TypedArray{out, {"ints", "int32", []int{1, 4, 4}, make([]float64, 16)}}, layer("ints", 4, 4), []string{`"ints"`, "dtype int32"}},
		{"label", []TypedArray{probs, feat, {LabelKey, "int64", []int{4, 4}, append(make([]float64, 15), 3)}}, output(0), []string{`"label"`, "value 3", "flat index 15", "0…2"}},
		{"labelfrac", []TypedArray{out, feat, {LabelKey, "float32", []int{4, 4}, append(make([]float64, 15), 0.5)}}, output(0), []string{`"label"`, "value 0.5", "integer"}},
		{"labelneg", []TypedArray{out, feat, {LabelKey, "int32", []int{4, 4}, append([]float64{-1}, make([]float64, 15)...)}}, output(0), []string{`"label"`, "value -1"}},
		{"labelshape", []TypedArray{out, feat, {LabelKey, "uint8", []int{4, 2}, make([]float64, 8)}}, output(0), []string{`"label"`, "[4 2]", "[4 4]"}},
		{"prob", []TypedArray{{OutputKey, "float32", []int{4, 4}, append(make([]float64, 15), 1.5)}, feat}, output(0), []string{`"output"`, "value 1.5", "outside [0,1]"}},
		{"class", []TypedArray{probs, feat}, output(3), []string{`"probabilities"`, "3 classes", "no class 3"}},
		{"probrank", []TypedArray{{ProbabilitiesKey, "float32", []int{16}, make([]float64, 16)}, feat}, output(0), []string{`"probabilities"`, "[16]", "K ≥ 2"}},
	} {
		path := filepath.Join(dir, c.name+".npz")
		if err := WriteTypedNPZ(path, c.name == "f16nan", c.arrays...); err != nil {
			t.Fatal(err)
		}
		cs, err := OpenCase(path)
		if err == nil {
			err = c.read(cs)
			cs.Close()
		}
		if err == nil || strings.Count(err.Error(), path) != 1 {
			t.Errorf("%s: error %v does not name %s once", c.name, err, path)
			continue
		}
		for _, s := range c.want {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q does not say %s", c.name, err, s)
			}
		}
	}
}

func layer(name string, spatial ...int) func(*Case) error {
	return func(c *Case) error { _, err := c.Layer(name, spatial); return err }
}

func output(class int) func(*Case) error {
	return func(c *Case) error { _, err := c.ReadOutput(class); return err }
}
