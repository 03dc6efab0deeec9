package measure

import (
	"fmt"
	"math"
)

// ViewNames are the names of the three orthogonal slices of a 3D case, in the
// order [midSlices] returns them: axial (fixed d, H × W), coronal (fixed h, D × W)
// and sagittal (fixed w, D × H).
var ViewNames = []string{"axial", "coronal", "sagittal"}

// ObjectCentre returns the centre of mass, rounded to the nearest voxel, of the
// voxels of b (row-major over dims) above 0.5 — the object of B — or the middle
// of every axis when there is none.
func ObjectCentre(b []float32, dims []int) []int {
	sum := make([]float64, len(dims))
	n := 0
	for p, v := range b {
		if v <= 0.5 {
			continue
		}
		n++
		rest := p
		for a := len(dims) - 1; a >= 0; a-- {
			sum[a] += float64(rest % dims[a])
			rest /= dims[a]
		}
	}
	c := make([]int, len(dims))
	for a, d := range dims {
		c[a] = d / 2
		if n > 0 {
			c[a] = int(math.Round(sum[a] / float64(n)))
		}
	}
	return c
}

// Plane is a 2D view of a map: its name, its size and the flat index in the map
// of its pixel (y, x).
type Plane struct {
	// Name is "" for a 2D map, else e.g. "axial (d = 12)".
	Name string
	// H and W are the view's height and width.
	H, W int
	// At is the flat index in the map of the view's pixel (y, x).
	At func(y, x int) int
}

// ViewPlanes returns the views of a map over dims through centre: the map itself
// for 2D dims [H, W], the axial, coronal and sagittal slices for 3D [D, H, W].
func ViewPlanes(dims, centre []int) ([]Plane, error) {
	switch len(dims) {
	case 2:
		h, w := dims[0], dims[1]
		return []Plane{{Name: "", H: h, W: w, At: func(y, x int) int { return y*w + x }}}, nil
	case 3:
		d, h, w := dims[0], dims[1], dims[2]
		cz, cy, cx := centre[0], centre[1], centre[2]
		return []Plane{
			{Name: fmt.Sprintf("%s (d = %d)", ViewNames[0], cz), H: h, W: w, At: func(y, x int) int { return (cz*h+y)*w + x }},
			{Name: fmt.Sprintf("%s (h = %d)", ViewNames[1], cy), H: d, W: w, At: func(y, x int) int { return (y*h+cy)*w + x }},
			{Name: fmt.Sprintf("%s (w = %d)", ViewNames[2], cx), H: d, W: h, At: func(y, x int) int { return (y*h+x)*w + cx }},
		}, nil
	}
	return nil, fmt.Errorf("study: a map of spatial shape %v has no views (want [H, W] or [D, H, W])", dims)
}

// SlicePlane copies the pixels of plane p out of the flat map m.
func SlicePlane[T any](m []T, p Plane) []T {
	out := make([]T, p.H*p.W)
	for y := range p.H {
		for x := range p.W {
			out[y*p.W+x] = m[p.At(y, x)]
		}
	}
	return out
}

// binary returns the 0/1 map of m > 0.5 (B from the output, G from the label).
func binary(m []float32) []uint8 {
	out := make([]uint8, len(m))
	for i, v := range m {
		if v > 0.5 {
			out[i] = 1
		}
	}
	return out
}
