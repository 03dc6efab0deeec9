package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
)

// reportFiles are the files analyze --out writes.
var reportFiles = []string{"index.html", "results.json", "fig05.png", "fig05.svg", "fig06.png", "fig06.svg",
	"fig07.png", "fig07.svg", "fig09.png", "fig09.svg", "fig12.png", "fig12.svg"}

// checkReport checks that dir holds every report file and that results.json is
// the JSON analyze printed.
func checkReport(t *testing.T, dir string, stdout []byte) {
	t.Helper()
	for _, f := range reportFiles {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	js, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil || !bytes.Equal(js, stdout) {
		t.Errorf("results.json differs from the printed JSON (%v)", err)
	}
}

// boxCase3 returns a binary output of d × h × w with a box of ones and a float16
// feature of 2 units at half size whose unit 0 is the box.
func boxCase3(d, h, w int) (out, feat data.TypedArray) {
	o := make([]float64, d*h*w)
	hd, hh, hw := d/2, h/2, w/2
	f := make([]float64, 2*hd*hh*hw)
	for p := range o {
		z, y, x := p/(h*w), (p/w)%h, p%w
		if z >= d/4 && z < 3*d/4 && y >= h/4 && y < 3*h/4 && x >= w/4 && x < 3*w/4 {
			o[p] = 1
		}
	}
	for p := range hd * hh * hw {
		z, y, x := p/(hh*hw), (p/hw)%hh, p%hw
		f[p] = o[((2*z)*h+2*y)*w+2*x]
		f[hd*hh*hw+p] = float64(p%3) / 4
	}
	return data.TypedArray{Name: data.OutputKey, DType: "uint8", Shape: []int{d, h, w}, Values: o},
		data.TypedArray{Name: "decoder.stages.2.convs.0", DType: "float16", Shape: []int{2, hd, hh, hw}, Values: f}
}

// TestAnalyzeOut runs analyze --cases --out on a 2D and a 3D case directory and
// analyze --features --out on a single file: every figure, index.html and
// results.json equal to the printed JSON.
func TestAnalyzeOut(t *testing.T) {
	for _, three := range []bool{false, true} {
		dir := t.TempDir()
		for i := range 3 {
			out, feat := boxCase(8+2*i, 10)
			if three {
				out, feat = boxCase3(8, 8+4*i, 8)
			}
			lab := out
			lab.Name, lab.DType = data.LabelKey, "int64"
			if err := data.WriteTypedNPZ(filepath.Join(dir, fmt.Sprintf("case_%d.npz", i)), i == 0, feat, out, lab); err != nil {
				t.Fatal(err)
			}
		}
		report := filepath.Join(t.TempDir(), "report")
		var stdout bytes.Buffer
		if err := runAnalyze([]string{"--cases", dir, "--out", report}, &stdout); err != nil {
			t.Fatal(err)
		}
		checkReport(t, report, stdout.Bytes())
	}
	dir := t.TempDir()
	const n, h, w = 3, 8, 8
	mask := make([]float32, n*h*w)
	for i := range mask {
		if y, x := (i/w)%h, i%w; y >= 2 && y < 6 && x >= 1+i/(h*w) && x < 6 {
			mask[i] = 1
		}
	}
	fpath, bpath := filepath.Join(dir, "F.npz"), filepath.Join(dir, "B.npy")
	if err := data.WriteNPZ(fpath, []data.NamedArray{{Name: "conv", Shape: []int{n, 1, h, w}, Values: mask}}); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteNPY(bpath, []int{n, h, w}, mask); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "report")
	var stdout bytes.Buffer
	if err := runAnalyze([]string{"--features", fpath, "--output", bpath, "--out", report}, &stdout); err != nil {
		t.Fatal(err)
	}
	checkReport(t, report, stdout.Bytes())
	// A failed analysis writes no report and prints nothing.
	stdout.Reset()
	failed := filepath.Join(dir, "failed")
	if err := runAnalyze([]string{"--cases", t.TempDir(), "--out", failed}, &stdout); err == nil {
		t.Fatal("empty case directory: no error")
	}
	if _, err := os.Stat(failed); !os.IsNotExist(err) || stdout.Len() != 0 {
		t.Errorf("failed run: report folder %v, stdout %q", err, stdout.String())
	}
}
