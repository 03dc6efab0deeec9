package data

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// caseSeeds writes generated case files (2D binary output with a float16 layer
// and label, compressed; 3D probabilities of 3 classes with an int64 label and
// a half-size float32 layer, stored; one without layers) and returns their bytes.
func caseSeeds(f *testing.F) [][]byte {
	dir := f.TempDir()
	seeds := [][]TypedArray{
		{{"enc.0", "float16", []int{2, 4, 4}, steps(32, 0.25)}, {OutputKey, "uint8", []int{4, 4}, append(make([]float64, 8), 1, 1, 1, 1, 1, 1, 1, 1)},
			{LabelKey, "int64", []int{4, 4}, append(make([]float64, 10), 1, 1, 1, 1, 1, 1)}},
		{{"dec.1", "float32", []int{3, 1, 2, 2}, steps(12, -1)}, {ProbabilitiesKey, "float32", []int{3, 2, 4, 4}, steps(96, 1.0/96)},
			{LabelKey, "int64", []int{2, 4, 4}, append(make([]float64, 30), 1, 2)}},
		{{OutputKey, "float64", []int{2, 2}, []float64{0, 0.5, 1, 0}}},
	}
	var out [][]byte
	for i, arrays := range seeds {
		path := filepath.Join(dir, "seed.npz")
		if err := WriteTypedNPZ(path, i == 0, arrays...); err != nil {
			f.Fatal(err)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, raw)
	}
	return out
}

// FuzzCase feeds arbitrary bytes to the per-case reader: it must return errors
// or arrays consistent with their shapes (B in [0,1], G 0/1, classes below K,
// finite features no larger than the output), and never panic.
func FuzzCase(f *testing.F) {
	for _, s := range caseSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		z, err := NewNPZ(bytes.NewReader(raw), int64(len(raw)), "fuzz.npz")
		if err != nil {
			return
		}
		c, err := newCase(z, "fuzz.npz")
		if err != nil {
			return
		}
		for class := range 3 {
			out, err := c.ReadOutput(class)
			if err != nil {
				continue
			}
			checkCaseOutput(t, c, out)
			for _, name := range c.Layers {
				a, err := c.Layer(name, out.Spatial)
				if err != nil {
					continue
				}
				if len(a.Shape) != len(out.Spatial)+1 || a.CountNonFinite() != 0 || a.Len() != prodInts(a.Shape) {
					t.Fatalf("layer %q shaped %v (%d values) for output %v", name, a.Shape, a.Len(), out.Spatial)
				}
			}
		}
	})
}

func prodInts(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

func checkCaseOutput(t *testing.T, c *Case, out *CaseOutput) {
	n := prodInts(out.Spatial)
	if out.Foreground.Len() != n || (out.Truth != nil && out.Truth.Len() != n) || (out.Predicted != nil && len(out.Predicted) != n) {
		t.Fatalf("output %v: B %d, G %v, argmax %d values", out.Spatial, out.Foreground.Len(), out.Truth, len(out.Predicted))
	}
	for i := range n {
		if v := out.Foreground.Float32[i]; !(v >= 0 && v <= 1) {
			t.Fatalf("B[%d] = %g", i, v)
		}
		if out.Truth != nil && out.Truth.Float32[i] != 0 && out.Truth.Float32[i] != 1 {
			t.Fatalf("G[%d] = %g", i, out.Truth.Float32[i])
		}
		if out.Predicted != nil && (out.Predicted[i] < 0 || int(out.Predicted[i]) >= out.Classes) {
			t.Fatalf("argmax[%d] = %d of %d classes", i, out.Predicted[i], out.Classes)
		}
		if out.Label != nil && c.Output == ProbabilitiesKey && int(out.Label[i]) >= out.Classes {
			t.Fatalf("label[%d] = %d of %d classes", i, out.Label[i], out.Classes)
		}
	}
}
