package data

import (
	"math"
	"math/rand/v2"
)

// canvas3 is one synthetic volume under construction: a [canvas] whose planes
// and mask hold Depth×Height×Width values ([d][h][w]). Its fill, modulate and
// setMask work voxel by voxel as in 2D; sample3 and finish3 replace the 2D
// sample and finish (stroke is not used in 3D).
//
// Positions are fractions of each axis. The volume's physical depth is zfov
// times its in-plane width (the slab a scanner covers: thin for prostate MR,
// deeper for brain MR), so an object of in-plane radius r, given to
// [canvas3.blob], spans r/zfov of the depth axis, and a slice is h·zfov/d
// pixels thick.
type canvas3 struct {
	*canvas
	d    int
	zfov float64
	// zscale is slices per in-plane pixel of the same physical length
	// (d / (h·zfov)).
	zscale float64
}

// newCanvas3 returns an empty d×h×w canvas of the given channels whose depth
// covers zfov of its in-plane width.
func newCanvas3(d, h, w, channels int, zfov float64) *canvas3 {
	c := &canvas{h: h, w: w, scale: float64(min(h, w)) / 64, planes: make([][]float32, channels), mask: make([]uint8, d*h*w)}
	for i := range c.planes {
		c.planes[i] = make([]float32, d*h*w)
	}
	return &canvas3{canvas: c, d: d, zfov: zfov, zscale: float64(d) / (float64(h) * zfov)}
}

// blob draws a random irregular ellipsoid ([newBlob3]) centred at (cz, cy, cx)
// (fractions of each axis) with physical semi-axes (rz, ry, rx) in fractions of
// the in-plane width (rz becomes rz/zfov of the depth axis).
func (c *canvas3) blob(r *rand.Rand, cz, cy, cx, rz, ry, rx, wobble float64) blob3 {
	return newBlob3(r, c.shape(), cz, cy, cx, rz/c.zfov, ry, rx, wobble)
}

// shape returns the canvas' d×h×w.
func (c *canvas3) shape() shape3 { return shape3{c.d, c.h, c.w} }

// valueNoise3Scale restores roughly unit SD after smoothstep trilinear
// interpolation of unit normals (measured by TestValueNoise3).
const valueNoise3Scale = 1.56

// lattice is the interpolation of one axis onto a grid of cells: for output
// index x, the grid cell lo[x] and the smoothstep weight t[x] of the next one.
type lattice struct {
	lo []int
	t  []float64
}

// newLattice maps n samples onto cells grid cells, ends on the grid's ends.
func newLattice(n, cells int) lattice {
	l := lattice{lo: make([]int, n), t: make([]float64, n)}
	for x := range n {
		f := float64(x) / float64(max(n-1, 1)) * float64(cells)
		l.lo[x] = min(int(f), cells-1)
		u := f - float64(l.lo[x])
		l.t[x] = u * u * (3 - 2*u)
	}
	return l
}

// valueNoise3 returns a smooth random field of shape s with roughly unit SD:
// random normals on a (cells+1)³ grid, interpolated with smoothstep weights.
func valueNoise3(r *rand.Rand, s shape3, cells int) []float32 {
	g := cells + 1
	grid := make([]float64, g*g*g)
	for i := range grid {
		grid[i] = r.NormFloat64()
	}
	lz, ly, lx := newLattice(s[0], cells), newLattice(s[1], cells), newLattice(s[2], cells)
	out := make([]float32, s.size())
	at := func(z, y, x int) float64 { return grid[(z*g+y)*g+x] }
	for z := range s[0] {
		z0, tz := lz.lo[z], lz.t[z]
		for y := range s[1] {
			y0, ty := ly.lo[y], ly.t[y]
			for x := range s[2] {
				x0, tx := lx.lo[x], lx.t[x]
				var v float64
				for dz := range 2 {
					wz := 1 - tz
					if dz == 1 {
						wz = tz
					}
					a := at(z0+dz, y0, x0)*(1-tx) + at(z0+dz, y0, x0+1)*tx
					b := at(z0+dz, y0+1, x0)*(1-tx) + at(z0+dz, y0+1, x0+1)*tx
					v += wz * (a*(1-ty) + b*ty)
				}
				out[(z*s[1]+y)*s[2]+x] = float32(v * valueNoise3Scale)
			}
		}
	}
	return out
}

// fbm3 sums octaves of 3D value noise (cells doubling, amplitude halving),
// scaled to roughly unit SD.
func fbm3(r *rand.Rand, s shape3, cells, octaves int) []float32 {
	return sumOctaves(s.size(), cells, octaves, func(cells int) []float32 { return valueNoise3(r, s, cells) })
}

// blob3 is a perturbed ellipsoid in fractions of each axis: centre (cz, cy, cx),
// semi-axes (rz, ry, rx), a rotation rot (rad) about the axial axis, a smooth
// perturbation of the boundary radius by direction (ang, a 4³ grid of normals
// over [-1, 1]³ read at the unit direction) and a local one by position
// (field), both scaled by wobble.
type blob3 struct {
	cz, cy, cx, rz, ry, rx, rot float64
	wobble                      float64
	ang                         []float64
	field                       []float32
}

// blob3Cells is the angular grid's cells per axis.
const blob3Cells = 3

// newBlob3 draws a random irregular ellipsoid on a volume of shape s, at a
// random in-plane rotation when wobble ≥ 0.15 (lesions) and nearly upright
// otherwise (anatomy).
func newBlob3(r *rand.Rand, s shape3, cz, cy, cx, rz, ry, rx, wobble float64) blob3 {
	rot := 0.08 * r.NormFloat64()
	if wobble >= 0.15 {
		rot = r.Float64() * math.Pi
	}
	b := blob3{cz: cz, cy: cy, cx: cx, rz: rz, ry: ry, rx: rx, rot: rot, wobble: wobble}
	if wobble > 0 {
		g := blob3Cells + 1
		b.ang = make([]float64, g*g*g)
		for i := range b.ang {
			b.ang[i] = r.NormFloat64()
		}
		b.field = valueNoise3(r, s, 6)
	}
	return b
}

// angular returns the boundary perturbation in the unit direction (u, v, w).
func (b blob3) angular(u, v, w float64) float64 {
	if b.ang == nil {
		return 0
	}
	g := blob3Cells + 1
	var idx [3]int
	var t [3]float64
	for a, c := range [3]float64{w, v, u} { // z, y, x
		f := (c + 1) / 2 * blob3Cells
		idx[a] = min(max(int(f), 0), blob3Cells-1)
		x := min(max(f-float64(idx[a]), 0), 1)
		t[a] = x * x * (3 - 2*x)
	}
	var out float64
	for corner := range 8 {
		wt, i := 1.0, 0
		for a := range 3 {
			bit := corner >> a & 1
			if bit == 1 {
				wt *= t[a]
			} else {
				wt *= 1 - t[a]
			}
			i = i*g + idx[a] + bit
		}
		out += wt * b.ang[i]
	}
	return 0.5 * b.wobble * out
}

// reach bounds the blob's extent from its centre in units of its semi-axes:
// 1 + the largest angular perturbation (the grid's largest |value|) + the
// largest field perturbation.
func (b blob3) reach() float64 {
	rad := 1.0
	var amax float64
	for _, a := range b.ang {
		amax = max(amax, math.Abs(a))
	}
	var fmax float32
	for _, f := range b.field {
		fmax = max(fmax, f, -f)
	}
	return rad + 0.5*b.wobble*amax + 0.25*b.wobble*float64(fmax)
}

// paint returns the blob's coverage (0 or 1 per voxel) on a volume of shape s.
// Only the voxels within its bounding box (reach × the largest semi-axis
// in-plane, reach × rz along the axial axis) are tested.
func (b blob3) paint(s shape3) []float32 {
	out := make([]float32, s.size())
	cos, sin := math.Cos(b.rot), math.Sin(b.rot)
	reach := b.reach()
	bounds := func(c, r float64, n int) (int, int) {
		return max(int((c-r)*float64(n))-1, 0), min(int((c+r)*float64(n))+1, n-1)
	}
	z0, z1 := bounds(b.cz, reach*b.rz, s[0])
	y0, y1 := bounds(b.cy, reach*max(b.ry, b.rx), s[1])
	x0, x1 := bounds(b.cx, reach*max(b.ry, b.rx), s[2])
	for z := z0; z <= z1; z++ {
		w := ((float64(z)+0.5)/float64(s[0]) - b.cz) / b.rz
		for y := y0; y <= y1; y++ {
			dy := (float64(y)+0.5)/float64(s[1]) - b.cy
			for x := x0; x <= x1; x++ {
				dx := (float64(x)+0.5)/float64(s[2]) - b.cx
				u := (dx*cos + dy*sin) / b.rx
				v := (-dx*sin + dy*cos) / b.ry
				rho := math.Sqrt(u*u + v*v + w*w)
				i := (z*s[1]+y)*s[2] + x
				rad := 1.0
				if rho > 0 {
					rad += b.angular(u/rho, v/rho, w/rho)
				}
				if b.field != nil {
					rad += 0.25 * b.wobble * float64(b.field[i])
				}
				if rho < rad {
					out[i] = 1
				}
			}
		}
	}
	return out
}

// gaussBlur3 blurs one [d][h][w] field in place with a separable Gaussian of
// sigma pixels in-plane and sigmaZ slices along the axial axis; edges clamped.
func gaussBlur3(p []float32, s shape3, sigma, sigmaZ float64) {
	for axis, sg := range [3]float64{sigmaZ, sigma, sigma} {
		blurAxis(p, s, axis, sg)
	}
}

// blurAxis convolves p along axis with a Gaussian of sigma voxels (none below
// 0.05).
func blurAxis(p []float32, s shape3, axis int, sigma float64) {
	if sigma < 0.05 {
		return
	}
	rad := int(math.Ceil(3 * sigma))
	k := make([]float32, 2*rad+1)
	var sum float32
	for i := range k {
		d := float64(i - rad)
		k[i] = float32(math.Exp(-d * d / (2 * sigma * sigma)))
		sum += k[i]
	}
	n := s[axis]
	outer, inner := s.strides(axis)
	line := make([]float32, n)
	for o := range outer {
		for in := range inner {
			base := o*n*inner + in
			for x := range n {
				line[x] = p[base+x*inner]
			}
			for x := range n {
				var v float32
				for i, kv := range k {
					v += kv * line[min(max(x+i-rad, 0), n-1)]
				}
				p[base+x*inner] = v / sum
			}
		}
	}
}

// finish3 applies a multiplicative smooth 3D bias field of strength bias, a
// Gaussian blur of sigma pixels in-plane (sigma·zscale slices) and additive
// Gaussian noise of SD noise to every channel, then clips to [0,1].
func (c *canvas3) finish3(r *rand.Rand, bias, sigma, noise float64) {
	var field []float32
	if bias > 0 {
		field = valueNoise3(r, c.shape(), 2)
	}
	for _, p := range c.planes {
		if field != nil {
			for i := range p {
				p[i] *= float32(math.Exp(bias * float64(field[i])))
			}
		}
		gaussBlur3(p, c.shape(), sigma, sigma*c.zscale)
		for i := range p {
			p[i] = min(max(p[i]+float32(noise*r.NormFloat64()), 0), 1)
		}
	}
}

// sample3 interleaves the planes into a channels-last volume.
func (c *canvas3) sample3() ([]float32, []uint8) {
	nc := len(c.planes)
	img := make([]float32, len(c.mask)*nc)
	for ch, p := range c.planes {
		for i, v := range p {
			img[i*nc+ch] = v
		}
	}
	return img, c.mask
}
