package protoseg

import (
	"fmt"
	"math"
)

// SurfaceDice returns the normalised surface Dice (NSD; Nikolov et al., "Clinically
// applicable segmentation of head and neck anatomy for radiotherapy", JMIR 2021)
// of the binary map s against the binary map g (nonzero is object), both flat in
// row-major order over the spatial shape spatial (any number of axes), at
// tolerance tol voxels:
//
//	NSD = (|{p ∈ ∂S : d(p, ∂G) ≤ τ}| + |{q ∈ ∂G : d(q, ∂S) ≤ τ}|) / (|∂S| + |∂G|)
//
// counted on voxels (no sub-voxel surface elements):
//
//   - the boundary ∂S is the set of object voxels of S with at least one of their
//     2·r face neighbours (r = number of axes) background or outside the grid
//     (outside counts as background, so an object touching the border has a
//     boundary there);
//   - d is the Euclidean distance between voxel centres, unit spacing along every
//     axis; d(p, ∂G) ≤ τ is tested over the integer offsets δ with |δ|² ≤ τ²
//     (τ = 1: the voxel itself and its face neighbours).
//
// A non-empty map always has a non-empty boundary, so the denominator is 0 only
// when both maps are empty: NSD(∅, ∅) = 1; an empty and a non-empty map score 0.
// It costs O(P·r) for the boundaries and O(|∂S|+|∂G|)·(number of offsets) for the
// matches. Mismatched lengths, a non-positive axis, or a negative or non-finite
// tolerance are errors.
func SurfaceDice(s, g []uint8, spatial []int, tol float64) (float64, error) {
	if err := checkMaps(s, g, spatial); err != nil {
		return 0, fmt.Errorf("%w (surface Dice)", err)
	}
	if tol < 0 || math.IsNaN(tol) || math.IsInf(tol, 0) {
		return 0, fmt.Errorf("protoseg: surface Dice tolerance %v: want a finite value ≥ 0", tol)
	}
	return newSurface(g, spatial, tol).dice(s), nil
}

// surface is the boundary of one map, ready to be compared with many maps of the
// same grid (every unit SAM of an image against its ground truth).
type surface struct {
	grid    voxelGrid
	edge    []uint8
	offsets [][]int
}

// newSurface returns the boundary of g over spatial at tolerance tol (both
// checked by the caller).
func newSurface(g []uint8, spatial []int, tol float64) *surface {
	grid := newVoxelGrid(spatial)
	return &surface{grid: grid, edge: grid.boundary(g), offsets: ballOffsets(len(spatial), tol)}
}

// dice returns the surface Dice of map s (on the same grid) against t's map.
func (t *surface) dice(s []uint8) float64 {
	bs := t.grid.boundary(s)
	nearS, sizeS := t.grid.near(bs, t.edge, t.offsets)
	nearG, sizeG := t.grid.near(t.edge, bs, t.offsets)
	if sizeS+sizeG == 0 {
		return 1
	}
	return float64(nearS+nearG) / float64(sizeS+sizeG)
}

// voxelGrid is a row-major grid of voxels: its sizes and strides.
type voxelGrid struct {
	dims, strides []int
	size          int
}

func newVoxelGrid(dims []int) voxelGrid {
	g := voxelGrid{dims: dims, strides: make([]int, len(dims)), size: 1}
	for a := len(dims) - 1; a >= 0; a-- {
		g.strides[a] = g.size
		g.size *= dims[a]
	}
	return g
}

// forEach calls fn for every voxel index p with its coordinates (row-major order;
// coord is reused between calls).
func (g voxelGrid) forEach(fn func(p int, coord []int)) {
	coord := make([]int, len(g.dims))
	for p := range g.size {
		fn(p, coord)
		for a := len(coord) - 1; a >= 0; a-- {
			if coord[a]++; coord[a] < g.dims[a] {
				break
			}
			coord[a] = 0
		}
	}
}

// boundary returns the face-connected boundary of map m: 1 at object voxels with
// a face neighbour that is background or outside the grid.
func (g voxelGrid) boundary(m []uint8) []uint8 {
	out := make([]uint8, g.size)
	g.forEach(func(p int, coord []int) {
		if m[p] == 0 {
			return
		}
		for a, c := range coord {
			st := g.strides[a]
			if c == 0 || c == g.dims[a]-1 || m[p-st] == 0 || m[p+st] == 0 {
				out[p] = 1
				return
			}
		}
	})
	return out
}

// near counts the voxels of boundary from (size) and those of them within one
// of the offsets of a voxel of boundary to (near).
func (g voxelGrid) near(from, to []uint8, offsets [][]int) (near, size int) {
	g.forEach(func(p int, coord []int) {
		if from[p] == 0 {
			return
		}
		size++
		for _, d := range offsets {
			q, inside := p, true
			for a, v := range d {
				c := coord[a] + v
				if c < 0 || c >= g.dims[a] {
					inside = false
					break
				}
				q += v * g.strides[a]
			}
			if inside && to[q] != 0 {
				near++
				return
			}
		}
	})
	return near, size
}

// ballOffsets returns the integer offsets δ of rank r with |δ|² ≤ tol², the zero
// offset first.
func ballOffsets(r int, tol float64) [][]int {
	k := int(math.Floor(tol))
	out := [][]int{make([]int, r)}
	d := make([]int, r)
	for i := range d {
		d[i] = -k
	}
	for {
		n2, zero := 0, true
		for _, v := range d {
			n2 += v * v
			zero = zero && v == 0
		}
		if !zero && float64(n2) <= tol*tol {
			out = append(out, append([]int(nil), d...))
		}
		a := r - 1
		for ; a >= 0; a-- {
			if d[a]++; d[a] <= k {
				break
			}
			d[a] = -k
		}
		if a < 0 {
			return out
		}
	}
}
