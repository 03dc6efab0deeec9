package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
)

// boxCase returns a binary output (and label) of h × w with a box of ones, and a
// float16 feature of 2 units whose unit 0 is the box.
func boxCase(h, w int) (out, feat data.TypedArray) {
	o := make([]float64, h*w)
	f := make([]float64, 2*h*w)
	for p := range o {
		if y, x := p/w, p%w; y >= h/4 && y < 3*h/4 && x >= w/4 && x < 3*w/4 {
			o[p], f[p] = 1, 1
		}
		f[h*w+p] = float64(p%3) / 4
	}
	return data.TypedArray{Name: data.OutputKey, DType: "uint8", Shape: []int{h, w}, Values: o},
		data.TypedArray{Name: "encoder.stages.3.0.convs.1", DType: "float16", Shape: []int{2, h, w}, Values: f}
}

func TestAnalyzeCasesCommand(t *testing.T) {
	dir := t.TempDir()
	for i, s := range [][2]int{{8, 8}, {12, 6}} {
		out, feat := boxCase(s[0], s[1])
		lab := out
		lab.Name, lab.DType = data.LabelKey, "int64"
		name := filepath.Join(dir, []string{"case_b.npz", "case_a.npz"}[i])
		if err := data.WriteTypedNPZ(name, i == 0, feat, out, lab); err != nil {
			t.Fatal(err)
		}
	}
	var stdout bytes.Buffer
	if err := runAnalyze([]string{"--cases", dir}, &stdout); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Cases     int      `json:"cases"`
		CaseNames []string `json:"case_names"`
		Against   string   `json:"against"`
		Layers    []struct {
			Name        string    `json:"name"`
			MeanSA      float64   `json:"mean_sa"`
			SA          []float64 `json:"sa"`
			UnitMeanSA  []float64 `json:"unit_mean_sa"`
			ActiveUnits int       `json:"active_units"`
		} `json:"layers"`
		Mu []float64 `json:"mu"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err, stdout.String())
	}
	if rep.Cases != 2 || strings.Join(rep.CaseNames, ",") != "case_a,case_b" || rep.Against != "gt" || len(rep.Layers) != 1 ||
		rep.Layers[0].Name != "encoder.stages.3.0.convs.1" || rep.Layers[0].MeanSA != 1 || len(rep.Layers[0].SA) != 2 ||
		rep.Layers[0].UnitMeanSA[0] != 1 || len(rep.Mu) != 2 {
		t.Fatalf("report %s", stdout.String())
	}
	for _, extra := range []string{"--features", "--layout"} {
		if err := runAnalyze([]string{"--cases", dir, extra, "nhwc"}, &stdout); err == nil {
			t.Errorf("--cases with %s accepted", extra)
		}
	}
}

// TestAnalyzeCasesErrors: each bad input is an error naming the file once, the
// array and the value or shape at fault, and stdout stays empty.
func TestAnalyzeCasesErrors(t *testing.T) {
	out, feat := boxCase(8, 8)
	nan := feat
	nan.Values = append([]float64(nil), feat.Values...)
	nan.Values[7] = math.Inf(-1)
	large := data.TypedArray{Name: "big", DType: "float32", Shape: []int{1, 16, 16}, Values: make([]float64, 256)}
	zero := data.TypedArray{Name: "empty", DType: "float16", Shape: []int{0, 8, 8}}
	label := data.TypedArray{Name: data.LabelKey, DType: "int32", Shape: []int{8, 8}, Values: append(make([]float64, 63), 2)}
	probs := data.TypedArray{Name: data.ProbabilitiesKey, DType: "float32", Shape: []int{2, 8, 8}, Values: make([]float64, 128)}
	for _, c := range []struct {
		name   string
		arrays []data.TypedArray // nil: an empty directory
		want   []string
	}{
		{"empty", nil, []string{"no .npz case files"}},
		{"f16inf", []data.TypedArray{out, nan}, []string{`"encoder.stages.3.0.convs.1"`, "float16", "-Inf", "flat index 7"}},
		{"larger", []data.TypedArray{out, feat, large}, []string{`"big"`, "[1 16 16]", "larger than the output's [8 8]"}},
		{"nooutput", []data.TypedArray{feat}, []string{`"probabilities"`, `"output"`}},
		{"zero", []data.TypedArray{out, zero}, []string{`"empty"`, "[0 8 8]"}},
		{"label", []data.TypedArray{probs, feat, label}, []string{`"label"`, "value 2", "0…1"}},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, c.name+".npz")
		if c.arrays != nil {
			if err := data.WriteTypedNPZ(path, true, c.arrays...); err != nil {
				t.Fatal(err)
			}
		} else {
			path = dir
		}
		var stdout bytes.Buffer
		err := runAnalyze([]string{"--cases", dir}, &stdout)
		if err == nil || strings.Count(err.Error(), path) != 1 || stdout.Len() != 0 {
			t.Errorf("%s: error %v does not name %s once (stdout %d bytes)", c.name, err, path, stdout.Len())
			continue
		}
		t.Log(err)
		for _, s := range c.want {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q does not say %s", c.name, err, s)
			}
		}
	}
}

// TestAnalyzeFloat16SingleFile: the single-file path reads float16 features, and
// an error in F16.npz names the file once (it was "F16.npz: F16.npz: …").
func TestAnalyzeFloat16SingleFile(t *testing.T) {
	dir := t.TempDir()
	_, feat := boxCase(8, 8)
	mask := make([]float32, 64)
	for p := range mask {
		mask[p] = float32(feat.Values[p])
	}
	fpath, bpath := filepath.Join(dir, "F16.npz"), filepath.Join(dir, "B.npy")
	feat.Shape = append([]int{1}, feat.Shape...)
	if err := data.WriteTypedNPZ(fpath, true, feat); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteNPY(bpath, []int{1, 8, 8}, mask); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if err := runAnalyze([]string{"--features", fpath, "--output", bpath}, &stdout); err != nil || !strings.Contains(stdout.String(), `"mean_sa": 1`) {
		t.Fatalf("float16 F.npz: %v %s", err, stdout.String())
	}
	feat.Values[3] = math.NaN()
	data.WriteTypedNPZ(fpath, false, feat)
	raw, _ := os.ReadFile(fpath)
	cut := filepath.Join(dir, "c8.npz") // an unsupported dtype, as float16 was
	os.WriteFile(cut, bytes.Replace(raw, []byte("'<f2'"), []byte("'<c8'"), 1), 0o644)
	for _, f := range []string{fpath, cut} {
		stdout.Reset()
		err := runAnalyze([]string{"--features", f, "--output", bpath}, &stdout)
		if err == nil || strings.Count(err.Error(), f) != 1 || stdout.Len() != 0 {
			t.Errorf("%s: error %v does not name the file once", f, err)
		}
		t.Log(err)
	}
}
