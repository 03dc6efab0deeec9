package plots

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestLayerThirds(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want []LayerGroup
	}{
		{18, []LayerGroup{{"early", 1, 6}, {"middle", 7, 12}, {"late", 13, 18}}},
		{7, []LayerGroup{{"early", 1, 2}, {"middle", 3, 5}, {"late", 6, 7}}},
		{2, []LayerGroup{{"early", 1, 1}, {"late", 2, 2}}},
		{1, []LayerGroup{{"middle", 1, 1}}},
	} {
		if got := LayerThirds(tc.n); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("LayerThirds(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

// networkView is a 2D view h×w whose object is the left half, with nl SAMs.
func networkView(name string, h, w, nl int) NetworkView {
	v := NetworkView{Name: name, Output: Image{Pix: make([]float32, h*w), H: h, W: w, C: 1},
		B: make([]uint8, h*w), Ref: make([]uint8, h*w), Heat: make([]float32, h*w)}
	for p := range h * w {
		if p%w < w/2 {
			v.Output.Pix[p], v.B[p], v.Ref[p], v.Heat[p] = 0.9, 1, 1, 0.75
		}
	}
	for range nl {
		v.SAMs = append(v.SAMs, v.B)
	}
	return v
}

func TestNetworkFigures(t *testing.T) {
	mean := []float64{0.2, 0.3, 0.5, 0.6, 0.8}
	f5, err := NetworkLayerSA(NetworkSA{Title: "cases", Mean: mean, Range: &Range{Lo: []float64{0.1, 0.2, 0.4, 0.5, 0.7}, Hi: []float64{0.3, 0.4, 0.6, 0.7, 0.9}}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []NetworkCase{
		{Name: "2d", Views: []NetworkView{networkView("", 16, 20, 3)}},
		{Name: "3d", Views: []NetworkView{networkView("axial (d = 4)", 16, 20, 3), networkView("coronal (h = 8)", 8, 20, 3), networkView("sagittal (w = 5)", 8, 16, 3)}},
	}
	f6, err := NetworkSAMs([]string{"L1", "L3", "L5"}, cases)
	if err != nil {
		t.Fatal(err)
	}
	f7, err := NetworkUnitSA(UnitSA{Dataset: "last", SA: []float64{0.1, 0.9, 0.85, 0.12}, Threshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	v := cases[1].Views[1]
	f9, err := NetworkHeatMaps([]HeatMap{{Dataset: "3d coronal", Image: v.Output, GT: v.Ref, Heat: v.Heat}})
	if err != nil {
		t.Fatal(err)
	}
	f12, err := NetworkRankedByMu([]RankedPanels{{Dataset: "coronal", Scores: []float64{0.7, 0.2},
		Panels: []Panel{{Image: v.Output, GT: v.Ref, Mask: v.B, Label: "a"}, {Image: v.Output, GT: v.Ref, Mask: v.B, Label: "b"}}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range []*Figure{f5, f6, f7, f9, f12} {
		want := []string{"fig05", "fig06", "fig07", "fig09", "fig12"}[i]
		if f.Name != want || !strings.Contains(f.Title, "style") {
			t.Errorf("figure %d: name %q title %q, want %s in the paper's style", i, f.Name, f.Title, want)
		}
		decodePNG(t, f)
		if _, err := f.SVG(); err != nil {
			t.Errorf("%s: SVG: %v", f.Name, err)
		}
	}
	bad := cases[0]
	bad.Views = []NetworkView{networkView("", 16, 20, 2)}
	if _, err := NetworkSAMs([]string{"L1", "L3", "L5"}, []NetworkCase{bad}); err == nil || !strings.Contains(err.Error(), "2 layer SAMs, want 3") {
		t.Errorf("SAM count mismatch: %v", err)
	}
	if _, err := NetworkLayerSA(NetworkSA{}); !errors.Is(err, ErrEmpty) {
		t.Errorf("no layers: %v", err)
	}
}
