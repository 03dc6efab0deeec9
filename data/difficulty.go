package data

import (
	"math"
	"math/rand/v2"
)

// span is a range [lo, hi) from which a value is drawn uniformly.
type span [2]float64

// draw returns a value uniform in the span.
func (s span) draw(r *rand.Rand) float64 { return uniform(r, s[0], s[1]) }

// knobs are the calibration knobs of one stand-in (docs/design.md, "Calibration
// of the stand-ins"): the ranges from which every image draws its difficulty.
// A share HardShare of the images are hard cases (stratified, so that every
// split holds that share to within an image or two: see [hardnessQuantile]);
// hard cases draw contrast
// and object size from their own ranges (a faint and/or small object, on which
// the network really fails), the others from the ordinary ones. Blur, noise and
// the number of artefacts (unlabelled look-alikes or occluders, Poisson with
// mean Artefacts) are drawn alike for every image. Each stand-in reads the values
// in its own way (its draw function says how).
type knobs struct {
	HardShare              float64
	Contrast, HardContrast span
	Size, HardSize         span
	Blur, Noise            span
	Artefacts              float64
}

// difficulty is the drawn difficulty of one image; it goes into Sample.Meta.
type difficulty struct {
	hard                        bool
	contrast, size, blur, noise float64
	artefacts                   int
}

// draw draws one image's difficulty from the knobs; q is the image's hardness
// quantile.
func (k knobs) draw(r *rand.Rand, q float64) difficulty {
	d := difficulty{hard: q < k.HardShare}
	if d.hard {
		d.contrast, d.size = k.HardContrast.draw(r), k.HardSize.draw(r)
	} else {
		d.contrast, d.size = k.Contrast.draw(r), k.Size.draw(r)
	}
	d.blur, d.noise = k.Blur.draw(r), k.Noise.draw(r)
	d.artefacts = poisson(r, k.Artefacts)
	return d
}

// meta returns the difficulty as Sample.Meta entries ("hard" is 0 or 1), plus
// any stand-in-specific entries.
func (d difficulty) meta(extra map[string]float64) map[string]float64 {
	m := map[string]float64{"contrast": d.contrast, "size": d.size, "blur": d.blur, "noise": d.noise,
		"artefacts": float64(d.artefacts), "hard": 0}
	if d.hard {
		m["hard"] = 1
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// goldenFraction is the fractional part of the golden ratio: the Weyl sequence
// frac(u + i·goldenFraction) covers [0, 1) more evenly than random draws.
const goldenFraction = 0.6180339887498949

// hardnessQuantile returns image i's hardness quantile in [0, 1): frac(u + i·φ)
// with φ the golden ratio's fractional part and u drawn from (seed, split). Any n
// consecutive images then fall below a share s about n·s times (within a couple
// of images, against ±√(n·s·(1−s)) for independent draws), so a 40-image test set
// holds the stand-in's share of hard cases whatever the seed, and calibration does
// not hinge on how many hard cases a seed happened to draw.
func hardnessQuantile(seed, split uint64, i int) float64 {
	u := rand.New(rand.NewPCG(seed, split<<32|0xffffffff)).Float64()
	_, f := math.Modf(u + float64(i)*goldenFraction)
	return f
}

// poisson draws a Poisson variate of the given mean (Knuth's method; the means
// here are small).
func poisson(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	limit, p, n := math.Exp(-mean), 1.0, 0
	for {
		p *= r.Float64()
		if p <= limit {
			return n
		}
		n++
	}
}
