package measure

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
	"github.com/protoseg-go/protoseg-go/study/stats"
)

// TestAnalyzeFeaturesMatchesNative writes channels-first features (one smaller
// than the mask) to an .npz, analyses them with AnalyzeFeatures and compares
// with the Analyzer run directly on the same features channels-last.
func TestAnalyzeFeaturesMatchesNative(t *testing.T) {
	a := fixture.Analyzer(t)
	rng := rand.New(rand.NewPCG(1, 2))
	const n, h, w = 3, 8, 8
	mask := make([]float32, n*h*w)
	gt := make([]float32, n*h*w)
	for i := range mask {
		y, x := (i/w)%h, i%w
		if y >= 2 && y < 6 && x >= 1 && x < 5+i/(h*w) {
			mask[i] = 1
		}
		if y >= 2 && y < 7 && x >= 2 && x < 6 {
			gt[i] = 1
		}
	}
	type layer struct {
		name string
		c, s int
	}
	layers := []layer{{"enc.conv1", 3, 8}, {"down", 4, 4}, {"dec.up", 2, 8}}
	var arrays []data.NamedArray
	native := map[string]*tensors.Tensor{}
	for _, l := range layers {
		nchw := make([]float32, n*l.c*l.s*l.s)
		for i := range nchw {
			nchw[i] = float32(rng.NormFloat64())
		}
		arrays = append(arrays, data.NamedArray{Name: l.name, Shape: []int{n, l.c, l.s, l.s}, Values: nchw})
		native[l.name] = tensors.FromFlatDataAndDimensions(data.Permute(nchw, []int{n, l.c, l.s, l.s}, []int{0, 2, 3, 1}), n, l.s, l.s, l.c)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "f.npz")
	if err := data.WriteNPZ(path, arrays); err != nil {
		t.Fatal(err)
	}
	z, err := data.OpenNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	out := &data.Array{Name: "B", Shape: []int{n, h, w}, DType: "float32", Float32: mask}
	g := &data.Array{Name: "G", Shape: []int{n, h, w}, DType: "float32", Float32: gt}
	rep, err := AnalyzeFeatures(a, z, out, g, NCHW, nil)
	if err != nil {
		t.Fatal(err)
	}
	maskT := tensors.FromFlatDataAndDimensions(mask, n, h, w)
	gtT := tensors.FromFlatDataAndDimensions(gt, n, h, w)
	for li, l := range layers {
		lr, err := a.Layer(l.name, native[l.name], maskT, gtT, nil)
		if err != nil {
			t.Fatal(err)
		}
		ur, err := a.Units(l.name, native[l.name], maskT, gtT, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		got := rep.Layers[li]
		if got.Name != l.name {
			t.Fatalf("layer %d is %q, want %q (file order)", li, got.Name, l.name)
		}
		for i := range n {
			if math.Abs(got.SA[i]-lr.SA[i]) > 1e-5 {
				t.Errorf("%s image %d: SA %g, native %g", l.name, i, got.SA[i], lr.SA[i])
			}
		}
		want := stats.MeanColumns(ur.SA)
		for k := range want {
			if math.Abs(got.UnitMeanSA[k]-want[k]) > 1e-5 {
				t.Errorf("%s unit %d: SA %g, native %g", l.name, k, got.UnitMeanSA[k], want[k])
			}
		}
	}
	if len(rep.Mu) != n || rep.Against != "gt" || len(rep.MuLayers) != 2 || rep.MuLayers[1] != "dec.up" {
		t.Errorf("report %+v", rep)
	}
	// Error cases: a shape mismatch names the layer and both shapes; NaN gives the count.
	bad := []data.NamedArray{{Name: "wide", Shape: []int{n, 2, 16, 16}, Values: make([]float32, n*2*256)}}
	nan := []data.NamedArray{{Name: "holes", Shape: []int{n, 1, 8, 8}, Values: make([]float32, n*64)}}
	nan[0].Values[3], nan[0].Values[9] = float32(math.NaN()), float32(math.Inf(1))
	for _, c := range []struct {
		arrays []data.NamedArray
		want   []string
	}{
		{bad, []string{`"wide"`, "[3 2 16 16]", "[3 8 8]"}},
		{nan, []string{`"holes"`, "2 NaN or Inf"}},
	} {
		p := filepath.Join(dir, c.arrays[0].Name+".npz")
		if err := data.WriteNPZ(p, c.arrays); err != nil {
			t.Fatal(err)
		}
		zz, err := data.OpenNPZ(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = AnalyzeFeatures(a, zz, out, nil, NCHW, nil)
		zz.Close()
		for _, s := range c.want {
			if err == nil || !strings.Contains(err.Error(), s) {
				t.Errorf("error %v does not say %s", err, s)
			}
		}
	}
}

// TestExportRoundTrip exports a Model's features with ExportFeatures and checks
// that AnalyzeFeatures on the files gives Analyze's layer SA and last-layer unit
// SA to 1e-5.
func TestExportRoundTrip(t *testing.T) {
	a := fixture.Analyzer(t)
	ds := fixture.TinyDataset(4)
	model := ThresholdModel{Layers: 3, Units: 3}
	native, err := Analyze(a, model, ds, AnalyzeOptions{BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	images, gt, err := ds.Batch(ds.Test)
	if err != nil {
		t.Fatal(err)
	}
	out, err := model.Forward(images)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := ExportFeatures(dir, out, gt, nil); err != nil {
		t.Fatal(err)
	}
	z, err := data.OpenNPZ(filepath.Join(dir, "F.npz"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	b, err := data.ReadNPY(filepath.Join(dir, "B.npy"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := data.ReadNPY(filepath.Join(dir, "G.npy"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := AnalyzeFeatures(a, z, b, g, NHWC, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		for l := range 3 {
			if d := math.Abs(rep.Layers[l].SA[i] - native.LayerSA[i][l]); d > 1e-5 {
				t.Errorf("image %d layer %d: |ΔSA| %g", i, l, d)
			}
		}
		if d := math.Abs(rep.Mu[i] - native.Mu[i]); d > 1e-5 {
			t.Errorf("image %d: |Δμ| %g", i, d)
		}
	}
	unit := stats.MeanColumns(native.UnitSA)
	for k, v := range unit {
		if d := math.Abs(rep.Layers[2].UnitMeanSA[k] - v); d > 1e-5 {
			t.Errorf("unit %d: |ΔSA| %g", k, d)
		}
	}
}
