package plots

import (
	"fmt"
	"math"

	"github.com/protoseg-go/protoseg-go/plots/raster"
	"gonum.org/v1/plot/vg"
)

// Steps is ProtoSeg worked out on one image, for teaching (notebook 01): the
// input with its mask, the squared distances d_t and d_b of every pixel's feature to
// the object and background prototypes, the object probability p_t, and the SAM.
type Steps struct {
	Image Image
	// GT is the mask the prototypes come from (H×W, non-zero = object).
	GT []uint8
	// DT, DB are the distance maps and PT the probability map, each H×W.
	DT, DB, PT []float32
	// SAM is the segmentation ability map (H×W) and SA its Dice against GT.
	SAM []uint8
	SA  float64
}

// ProtoSegSteps draws [Steps] as one row of panels: input with GT, d_t, d_b (each
// scaled to its own maximum), p_t (0…1, colour bar) and the SAM contour (red) over
// the input with the GT contour (green).
func ProtoSegSteps(s Steps) (*Figure, error) {
	if err := (Panel{Image: s.Image, GT: s.GT, Mask: s.SAM}).check("ProtoSegSteps"); err != nil {
		return nil, err
	}
	h, w := s.Image.H, s.Image.W
	for name, m := range map[string][]float32{"d_t": s.DT, "d_b": s.DB} {
		if len(m) != h*w {
			return nil, fmt.Errorf("plots: ProtoSegSteps: %s has %d values, want %d", name, len(m), h*w)
		}
	}
	if err := checkHeat(s.PT, h, w, "ProtoSegSteps p_t"); err != nil {
		return nil, err
	}
	const cell = 1.25 * vg.Inch
	k := raster.Scale(h, w, cellTarget(cell))
	row := gridRow{colTitles: []string{"input, mask G", "d_t (to object prototype)", "d_b (to background prototype)",
		"p_t = sigmoid(d_b − d_t)", "SAM (red) vs G (green)"}}
	row.addImage(s.Image, s.GT, nil, k, "")
	row.addHeat(normalized(s.DT), nil, h, w, k, "scaled to its max")
	row.addHeat(normalized(s.DB), nil, h, w, k, "scaled to its max")
	row.addHeat(s.PT, nil, h, w, k, "")
	row.addImage(s.Image, s.GT, s.SAM, k, fmt.Sprintf("SA = %.3f", s.SA))
	return gridSpec{name: "protoseg-steps", title: "ProtoSeg on one image, step by step",
		rows: []gridRow{row}, cell: cell, legend: contourLegend,
		bar: &colorBar{label: "p_t", min: 0, max: 1}}.figure()
}

// normalized divides a non-negative map by its maximum (a zero map stays zero).
func normalized(m []float32) []float32 {
	var hi float32
	for _, v := range m {
		if !math.IsNaN(float64(v)) {
			hi = max(hi, v)
		}
	}
	out := make([]float32, len(m))
	for i, v := range m {
		if hi > 0 {
			out[i] = v / hi
		}
	}
	return out
}
