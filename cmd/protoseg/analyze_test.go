package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
)

// squareFixture is n masks of h×w with a 3×3 square (rows 1–3, columns 2–4)
// and a 2-unit feature [n, 2, h, w] whose unit 0 is the mask and unit 1 is 0.
func squareFixture(n, h, w int) (mask, feat []float32) {
	mask = make([]float32, n*h*w)
	for i := range mask {
		if y, x := (i/w)%h, i%w; y >= 1 && y < 4 && x >= 2 && x < 5 {
			mask[i] = 1
		}
	}
	feat = make([]float32, n*2*h*w)
	for i := range n {
		copy(feat[i*2*h*w:], mask[i*h*w:(i+1)*h*w])
	}
	return mask, feat
}

func TestAnalyzeCommand(t *testing.T) {
	dir := t.TempDir()
	const n, h, w = 2, 6, 6
	// Unit 0 of "conv" is the mask itself, so its layer SA against B is 1.
	mask, feat := squareFixture(n, h, w)
	small := make([]float32, n*3*3*3)
	for i := range small {
		small[i] = float32(i % 5)
	}
	fpath, bpath := filepath.Join(dir, "F.npz"), filepath.Join(dir, "B.npy")
	if err := data.WriteNPZ(fpath, []data.NamedArray{{Name: "small", Shape: []int{n, 3, 3, 3}, Values: small},
		{Name: "conv", Shape: []int{n, 2, h, w}, Values: feat}}); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteNPY(bpath, []int{n, h, w}, mask); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runAnalyze([]string{"--features", fpath, "--output", bpath}, &out); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Images int `json:"images"`
		Layers []struct {
			Name   string    `json:"name"`
			MeanSA float64   `json:"mean_sa"`
			SA     []float64 `json:"sa"`
		} `json:"layers"`
		Mu         []float64 `json:"mu"`
		Degenerate []bool    `json:"degenerate"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err, out.String())
	}
	if rep.Images != n || len(rep.Layers) != 2 || rep.Layers[0].Name != "small" || rep.Layers[1].MeanSA != 1 || len(rep.Mu) != n || rep.Degenerate[0] {
		t.Fatalf("report %s", out.String())
	}
	// A missing file, a corrupt one and a bad dtype are errors naming the file.
	bad := filepath.Join(dir, "bad.npz")
	data.WriteNPY(bad, []int{1}, []float32{1})
	for _, args := range [][]string{
		{"--features", filepath.Join(dir, "none.npz"), "--output", bpath},
		{"--features", bad, "--output", bpath},
		{"--features", fpath, "--output", fpath},
	} {
		err := runAnalyze(args, &out)
		if err == nil || !strings.Contains(err.Error(), args[1]) && !strings.Contains(err.Error(), args[3]) {
			t.Errorf("%v: error %v names no file", args, err)
		}
	}
}
