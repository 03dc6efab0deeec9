package data

import (
	"math"
	"math/rand/v2"
)

// canvas is one synthetic image under construction: per-channel planes of
// Height×Width values (nominally in [0,1]) and the object mask.
type canvas struct {
	h, w   int
	scale  float64 // pixels per pixel of the 64×64 reference size
	planes [][]float32
	mask   []uint8
}

func newCanvas(h, w, channels int) *canvas {
	c := &canvas{h: h, w: w, scale: float64(min(h, w)) / 64, planes: make([][]float32, channels), mask: make([]uint8, h*w)}
	for i := range c.planes {
		c.planes[i] = make([]float32, h*w)
	}
	return c
}

// fill sets every pixel where weight > 0 to mix(old, value[c], weight) in each channel.
func (c *canvas) fill(weight []float32, value []float64) {
	for ch, p := range c.planes {
		v := float32(value[ch])
		for i, a := range weight {
			if a > 0 {
				p[i] += a * (v - p[i])
			}
		}
	}
}

// modulate adds amp[c]·field·weight to each channel.
func (c *canvas) modulate(weight, field []float32, amp []float64) {
	for ch, p := range c.planes {
		a := float32(amp[ch])
		for i, f := range field {
			if weight == nil {
				p[i] += a * f
			} else if weight[i] > 0 {
				p[i] += a * f * weight[i]
			}
		}
	}
}

// valueNoise returns a smooth random field of h×w values with roughly unit
// standard deviation: random values on a (cells+1)² grid, interpolated with
// smoothstep weights.
func valueNoise(r *rand.Rand, h, w, cells int) []float32 {
	g := cells + 1
	grid := make([]float64, g*g)
	for i := range grid {
		grid[i] = r.NormFloat64()
	}
	out := make([]float32, h*w)
	smooth := func(t float64) float64 { return t * t * (3 - 2*t) }
	for y := range h {
		fy := float64(y) / float64(max(h-1, 1)) * float64(cells)
		y0 := min(int(fy), cells-1)
		ty := smooth(fy - float64(y0))
		for x := range w {
			fx := float64(x) / float64(max(w-1, 1)) * float64(cells)
			x0 := min(int(fx), cells-1)
			tx := smooth(fx - float64(x0))
			a := grid[y0*g+x0]*(1-tx) + grid[y0*g+x0+1]*tx
			b := grid[(y0+1)*g+x0]*(1-tx) + grid[(y0+1)*g+x0+1]*tx
			out[y*w+x] = float32((a*(1-ty) + b*ty) * 1.6) // smoothstep interpolation shrinks the SD; 1.6 restores ≈1.
		}
	}
	return out
}

// fbm sums octaves of value noise (cells doubling, amplitude halving), scaled to
// roughly unit standard deviation.
func fbm(r *rand.Rand, h, w, cells, octaves int) []float32 {
	return sumOctaves(h*w, cells, octaves, func(cells int) []float32 { return valueNoise(r, h, w, cells) })
}

// sumOctaves sums octaves of noise(cells) over n values, cells doubling and the
// amplitude halving from 1, scaled by 1/√(Σ amplitude²) to roughly unit SD: the
// fractal noise of the 2D and the 3D stand-ins.
func sumOctaves(n, cells, octaves int, noise func(cells int) []float32) []float32 {
	out := make([]float32, n)
	amp, norm := 1.0, 0.0
	for range octaves {
		for i, v := range noise(cells) {
			out[i] += float32(amp) * v
		}
		norm += amp * amp
		amp /= 2
		cells *= 2
	}
	s := float32(1 / math.Sqrt(norm))
	for i := range out {
		out[i] *= s
	}
	return out
}

// blob describes a perturbed ellipse in coordinates relative to the image: centre
// (cy, cx) and radii (ry, rx) as fractions of the image size, rotation rot (rad),
// boundary harmonics and the strength of a smooth-field perturbation.
type blob struct {
	cy, cx, ry, rx, rot float64
	harm                [6]float64
	phase               [6]float64
	wobble              float64
	field               []float32
}

// newBlob draws a random irregular blob with relative boundary wobble, at a random
// rotation when wobble ≥ 0.15 (lesions) and nearly upright otherwise (anatomy).
func newBlob(r *rand.Rand, h, w int, cy, cx, ry, rx, wobble float64) blob {
	rot := 0.08 * r.NormFloat64()
	if wobble >= 0.15 {
		rot = r.Float64() * math.Pi
	}
	b := blob{cy: cy, cx: cx, ry: ry, rx: rx, rot: rot, wobble: wobble}
	for k := 2; k < 6; k++ {
		b.harm[k] = wobble * r.NormFloat64() / float64(k)
		b.phase[k] = r.Float64() * 2 * math.Pi
	}
	if wobble > 0 {
		b.field = valueNoise(r, h, w, 6)
	}
	return b
}

// paint returns the blob's coverage (0 or 1 per pixel). Only the pixels within
// the blob's bounding square ([blob.reach]) are tested; the others lie outside.
func (b blob) paint(h, w int) []float32 {
	out := make([]float32, h*w)
	cos, sin := math.Cos(b.rot), math.Sin(b.rot)
	reach := b.reach()
	y0, y1 := max(int((b.cy-reach)*float64(h))-1, 0), min(int((b.cy+reach)*float64(h))+1, h-1)
	x0, x1 := max(int((b.cx-reach)*float64(w))-1, 0), min(int((b.cx+reach)*float64(w))+1, w-1)
	for y := y0; y <= y1; y++ {
		dy := (float64(y)+0.5)/float64(h) - b.cy
		for x := x0; x <= x1; x++ {
			dx := (float64(x)+0.5)/float64(w) - b.cx
			u := (dx*cos + dy*sin) / b.rx
			v := (-dx*sin + dy*cos) / b.ry
			rho := math.Hypot(u, v)
			theta := math.Atan2(v, u)
			rad := 1.0
			for k := 2; k < 6; k++ {
				rad += b.harm[k] * math.Cos(float64(k)*theta+b.phase[k])
			}
			if b.field != nil {
				rad += 0.25 * b.wobble * float64(b.field[y*w+x])
			}
			if rho < rad {
				out[y*w+x] = 1
			}
		}
	}
	return out
}

// reach bounds the blob's extent from its centre (in image fractions): the
// largest boundary radius 1 + Σ|harmonic| + the field perturbation's largest
// value, times the larger semi-axis. A pixel farther than reach along x or y has
// rho > reach / max(rx, ry) ≥ the boundary radius, so it is outside.
func (b blob) reach() float64 {
	rad := 1.0
	for _, a := range b.harm {
		rad += math.Abs(a)
	}
	var fmax float32
	for _, f := range b.field {
		fmax = max(fmax, f, -f)
	}
	rad += 0.25 * b.wobble * float64(fmax)
	return rad * max(b.rx, b.ry)
}

// gaussBlur blurs one plane in place with a separable Gaussian of the given sigma
// (pixels); edges are clamped.
func gaussBlur(p []float32, h, w int, sigma float64) {
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
	for i := range k {
		k[i] /= sum
	}
	tmp := make([]float32, len(p))
	for y := range h {
		for x := range w {
			var s float32
			for i, kv := range k {
				xx := min(max(x+i-rad, 0), w-1)
				s += kv * p[y*w+xx]
			}
			tmp[y*w+x] = s
		}
	}
	for y := range h {
		for x := range w {
			var s float32
			for i, kv := range k {
				yy := min(max(y+i-rad, 0), h-1)
				s += kv * tmp[yy*w+x]
			}
			p[y*w+x] = s
		}
	}
}

// stroke draws a dark quadratic Bézier curve (a hair) of the given width (pixels)
// from p0 through control p1 to p2 (pixel coordinates), mixing each channel
// toward colour with opacity alpha.
func (c *canvas) stroke(p0, p1, p2 [2]float64, width, alpha float64, colour []float64) {
	cover := make([]float32, c.h*c.w)
	length := math.Hypot(p1[0]-p0[0], p1[1]-p0[1]) + math.Hypot(p2[0]-p1[0], p2[1]-p1[1])
	steps := int(length*3) + 2
	half := width / 2
	for s := 0; s <= steps; s++ {
		t := float64(s) / float64(steps)
		y := (1-t)*(1-t)*p0[0] + 2*(1-t)*t*p1[0] + t*t*p2[0]
		x := (1-t)*(1-t)*p0[1] + 2*(1-t)*t*p1[1] + t*t*p2[1]
		for yy := int(y - half - 1); yy <= int(y+half+1); yy++ {
			if yy < 0 || yy >= c.h {
				continue
			}
			for xx := int(x - half - 1); xx <= int(x+half+1); xx++ {
				if xx < 0 || xx >= c.w {
					continue
				}
				d := math.Hypot(float64(yy)+0.5-y, float64(xx)+0.5-x)
				a := float32(min(max(half+0.5-d, 0), 1))
				if a > cover[yy*c.w+xx] {
					cover[yy*c.w+xx] = a
				}
			}
		}
	}
	for i := range cover {
		cover[i] *= float32(alpha)
	}
	c.fill(cover, colour)
}

// finish applies a multiplicative smooth bias field of strength bias, a Gaussian
// blur of sigma pixels and additive Gaussian noise of SD noise to every channel,
// then clips to [0,1].
func (c *canvas) finish(r *rand.Rand, bias, sigma, noise float64) {
	var field []float32
	if bias > 0 {
		field = valueNoise(r, c.h, c.w, 2)
	}
	for _, p := range c.planes {
		if field != nil {
			for i := range p {
				p[i] *= float32(math.Exp(bias * float64(field[i])))
			}
		}
		gaussBlur(p, c.h, c.w, sigma)
		for i := range p {
			p[i] = min(max(p[i]+float32(noise*r.NormFloat64()), 0), 1)
		}
	}
}

// sample interleaves the planes into a channels-last Sample.
func (c *canvas) sample() ([]float32, []uint8) {
	nc := len(c.planes)
	img := make([]float32, c.h*c.w*nc)
	for ch, p := range c.planes {
		for i, v := range p {
			img[i*nc+ch] = v
		}
	}
	return img, c.mask
}

// setMask sets the object mask where cover > 0.5.
func (c *canvas) setMask(cover []float32) {
	for i, v := range cover {
		if v > 0.5 {
			c.mask[i] = 1
		}
	}
}

// and returns a·b.
func and(a, b []float32) []float32 {
	out := make([]float32, len(a))
	for i := range a {
		out[i] = a[i] * b[i]
	}
	return out
}

// threshold returns 1 where field > t and weight > 0.5.
func threshold(field []float32, t float64, weight []float32) []float32 {
	out := make([]float32, len(field))
	for i, v := range field {
		if float64(v) > t && (weight == nil || weight[i] > 0.5) {
			out[i] = 1
		}
	}
	return out
}

// uniform returns a value uniform in [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }
