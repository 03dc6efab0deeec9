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

// planeOf describes a 2D view: its size and the flat index in the volume of its
// pixel (y, x).
type planeOf struct {
	name string
	h, w int
	at   func(y, x int) int
}

// viewPlanes returns the views of a map over dims through centre: the map itself
// for 2D dims [H, W], the axial, coronal and sagittal slices for 3D [D, H, W].
func viewPlanes(dims, centre []int) ([]planeOf, error) {
	switch len(dims) {
	case 2:
		h, w := dims[0], dims[1]
		return []planeOf{{name: "", h: h, w: w, at: func(y, x int) int { return y*w + x }}}, nil
	case 3:
		d, h, w := dims[0], dims[1], dims[2]
		cz, cy, cx := centre[0], centre[1], centre[2]
		return []planeOf{
			{name: fmt.Sprintf("%s (d = %d)", ViewNames[0], cz), h: h, w: w, at: func(y, x int) int { return (cz*h+y)*w + x }},
			{name: fmt.Sprintf("%s (h = %d)", ViewNames[1], cy), h: d, w: w, at: func(y, x int) int { return (y*h+cy)*w + x }},
			{name: fmt.Sprintf("%s (w = %d)", ViewNames[2], cx), h: d, w: h, at: func(y, x int) int { return (y*h+x)*w + cx }},
		}, nil
	}
	return nil, fmt.Errorf("study: a map of spatial shape %v has no views (want [H, W] or [D, H, W])", dims)
}

// slicePlane copies the pixels of plane p out of the flat map m.
func slicePlane[T any](m []T, p planeOf) []T {
	out := make([]T, p.h*p.w)
	for y := range p.h {
		for x := range p.w {
			out[y*p.w+x] = m[p.at(y, x)]
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
