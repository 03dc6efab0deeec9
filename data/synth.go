package data

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// synthSpec describes one synthetic stand-in: its channel count and the function
// that draws one image on a canvas and returns its difficulty parameters.
type synthSpec struct {
	channels int
	draw     func(r *rand.Rand, c *canvas) map[string]float64
}

// synthSpecs are the five stand-ins, by registry name.
var synthSpecs = map[string]synthSpec{
	"brats-synth":    {4, drawBraTS},
	"isic-synth":     {3, drawISIC},
	"covid-synth":    {1, drawCOVID},
	"prostate-synth": {2, drawProstate},
	"pancreas-synth": {1, drawPancreas},
}

// Default counts of the synthetic stand-ins.
const (
	DefaultSynthTrain = 160
	DefaultSynthTest  = 48
)

// loadSynth generates the stand-in name with opts.Size, opts.Seed and the counts.
// Image i of a split is drawn from a PCG generator seeded with (seed ⊕ hash(name),
// split<<32 | i), so the test set does not depend on the train count and the same
// seed always gives identical bytes.
func loadSynth(name string, opts Options) (*Dataset, error) {
	spec, ok := synthSpecs[name]
	if !ok {
		return nil, fmt.Errorf("data: no synthetic dataset %q", name)
	}
	size := opts.Size
	if size <= 0 {
		size = DefaultSize
	}
	if size < 16 {
		return nil, fmt.Errorf("data: %s: size %d too small (want ≥ 16)", name, size)
	}
	nTrain, nTest := opts.TrainCount, opts.TestCount
	if nTrain <= 0 {
		nTrain = DefaultSynthTrain
	}
	if nTest <= 0 {
		nTest = DefaultSynthTest
	}
	hf := fnv.New64a()
	hf.Write([]byte(name))
	seed := opts.Seed ^ hf.Sum64()
	d := &Dataset{Name: name, Channels: spec.channels, Height: size, Width: size}
	gen := func(split uint64, n int, prefix string) []Sample {
		out := make([]Sample, n)
		for i := range n {
			r := rand.New(rand.NewPCG(seed, split<<32|uint64(i)))
			c := newCanvas(size, size, spec.channels)
			meta := spec.draw(r, c)
			img, mask := c.sample()
			meta["object_fraction"] = objectFraction(mask)
			out[i] = Sample{Image: img, Mask: mask, Subject: fmt.Sprintf("%s-%04d", prefix, i), Meta: meta}
		}
		return out
	}
	d.Train = gen(1, nTrain, "train")
	d.Test = gen(2, nTest, "test")
	return d, nil
}

func objectFraction(mask []uint8) float64 {
	n := 0
	for _, m := range mask {
		if m != 0 {
			n++
		}
	}
	return float64(n) / float64(max(len(mask), 1))
}

// drawBraTS draws a skull-stripped brain MR slice in 4 channels (FLAIR, T1, T1ce,
// T2) on a black background with a large, bright whole-tumour lesion (bright in
// FLAIR and T2, dark in T1, enhancing rim in T1ce).
func drawBraTS(r *rand.Rand, c *canvas) map[string]float64 {
	h, w := c.h, c.w
	brain := newBlob(r, h, w, 0.5+0.02*r.NormFloat64(), 0.5+0.02*r.NormFloat64(), uniform(r, 0.38, 0.45), uniform(r, 0.31, 0.37), 0.06).paint(h, w)
	base := []float64{0.36, 0.55, 0.45, 0.30}
	c.fill(brain, base)
	c.modulate(brain, fbm(r, h, w, 4, 3), []float64{0.06, 0.07, 0.05, 0.06})
	// Ventricles: CSF, dark in FLAIR/T1, bright in T2.
	for _, side := range []float64{-1, 1} {
		v := newBlob(r, h, w, 0.47+0.03*r.NormFloat64(), 0.5+side*uniform(r, 0.04, 0.07), uniform(r, 0.05, 0.09), uniform(r, 0.02, 0.035), 0.2).paint(h, w)
		c.fill(v, []float64{0.12, 0.18, 0.15, 0.75})
	}
	size := uniform(r, 0.1, 0.24)
	contrast := uniform(r, 0.25, 0.6)
	ang := r.Float64() * 2 * math.Pi
	off := uniform(r, 0, 0.3-size*0.6)
	cy, cx := 0.5+off*math.Sin(ang), 0.5+off*math.Cos(ang)
	les := and(newBlob(r, h, w, cy, cx, size*uniform(r, 0.8, 1.2), size*uniform(r, 0.8, 1.2), 0.35).paint(h, w), brain)
	c.fill(les, []float64{base[0] + 1.2*contrast, base[1] - 0.5*contrast, base[2] + 0.4*contrast, base[3] + 1.3*contrast})
	c.modulate(les, fbm(r, h, w, 6, 2), []float64{0.05, 0.04, 0.08, 0.05})
	c.setMask(les)
	blur := uniform(r, 0.3, 1.4)
	noise := uniform(r, 0.01, 0.05)
	c.finish(r, 0.15, blur*c.scale, noise)
	return map[string]float64{"contrast": contrast, "size": size, "blur": blur, "noise": noise}
}

// drawISIC draws a dermoscopy-like RGB photo: skin-coloured background with smooth
// shading and a dark vignette, a brown lesion of varied contrast with internal
// texture, and dark hair strokes crossing it.
func drawISIC(r *rand.Rand, c *canvas) map[string]float64 {
	h, w := c.h, c.w
	all := make([]float32, h*w)
	for i := range all {
		all[i] = 1
	}
	skin := []float64{uniform(r, 0.78, 0.92), uniform(r, 0.58, 0.7), uniform(r, 0.5, 0.62)}
	c.fill(all, skin)
	c.modulate(nil, fbm(r, h, w, 3, 3), []float64{0.04, 0.04, 0.04})
	size := uniform(r, 0.14, 0.32)
	contrast := uniform(r, 0.12, 0.6)
	les := newBlob(r, h, w, 0.5+0.06*r.NormFloat64(), 0.5+0.06*r.NormFloat64(), size*uniform(r, 0.75, 1.2), size*uniform(r, 0.75, 1.2), 0.3).paint(h, w)
	brown := []float64{0.42, 0.24, 0.16}
	col := make([]float64, 3)
	for i := range col {
		col[i] = skin[i] + contrast*(brown[i]-skin[i])*1.4
	}
	c.fill(les, col)
	c.modulate(les, fbm(r, h, w, 5, 2), []float64{0.08 * contrast * 2, 0.06 * contrast * 2, 0.05 * contrast * 2})
	c.setMask(les)
	// Vignette of the dermatoscope.
	vig := make([]float32, h*w)
	vs := uniform(r, 0, 0.5)
	for y := range h {
		for x := range w {
			d := math.Hypot((float64(y)+0.5)/float64(h)-0.5, (float64(x)+0.5)/float64(w)-0.5)
			vig[y*w+x] = float32(min(1, max(0, (d-0.45)*6)) * vs)
		}
	}
	c.fill(vig, []float64{0.05, 0.04, 0.04})
	blur := uniform(r, 0.3, 1.2)
	noise := uniform(r, 0.01, 0.04)
	hairs := 0
	if r.Float64() < 0.6 {
		hairs = r.IntN(7)
	}
	for range hairs {
		p := func() [2]float64 { return [2]float64{r.Float64() * float64(h), r.Float64() * float64(w)} }
		c.stroke(p(), p(), p(), uniform(r, 0.5, 1.1)*c.scale, uniform(r, 0.6, 0.95), []float64{0.15, 0.1, 0.08})
	}
	c.finish(r, 0.08, blur*c.scale, noise)
	return map[string]float64{"contrast": contrast, "size": size, "blur": blur, "noise": noise, "hairs": float64(hairs)}
}

// drawCOVID draws an axial chest CT slice in a lung window: dark air around a
// bright body, two dark lungs with vessels, and faint patchy ground-glass
// opacities inside the lungs.
func drawCOVID(r *rand.Rand, c *canvas) map[string]float64 {
	h, w := c.h, c.w
	body := newBlob(r, h, w, 0.5, 0.5, uniform(r, 0.38, 0.42), uniform(r, 0.45, 0.48), 0.03).paint(h, w)
	c.fill(body, []float64{0.72})
	c.modulate(body, fbm(r, h, w, 4, 2), []float64{0.03})
	lungs := make([]float32, h*w)
	for _, side := range []float64{-1, 1} {
		l := newBlob(r, h, w, 0.47+0.02*r.NormFloat64(), 0.5+side*uniform(r, 0.19, 0.21), uniform(r, 0.3, 0.34), uniform(r, 0.17, 0.2), 0.08).paint(h, w)
		for i, v := range l {
			lungs[i] = max(lungs[i], v)
		}
	}
	c.fill(lungs, []float64{0.1})
	// Vessels: small bright specks.
	vessels := threshold(fbm(r, h, w, 12, 2), 1.6, lungs)
	c.fill(vessels, []float64{0.45})
	contrast := uniform(r, 0.2, 0.5)
	extent := uniform(r, 0.2, 1.1) // threshold on the field: lower → larger opacities
	field := fbm(r, h, w, 5, 3)
	// Bias patches toward the periphery / lower lobes by adding a smooth offset.
	bias := valueNoise(r, h, w, 2)
	for i := range field {
		field[i] += 0.5 * bias[i]
	}
	opac := threshold(field, extent, lungs)
	if objectFraction(toMask(opac)) < 0.01 { // at least one visible patch
		patch := and(newBlob(r, h, w, uniform(r, 0.4, 0.6), 0.5+0.2*sign(r), uniform(r, 0.05, 0.08), uniform(r, 0.04, 0.06), 0.3).paint(h, w), lungs)
		for i, v := range patch {
			opac[i] = max(opac[i], v)
		}
	}
	c.fill(opac, []float64{0.1 + contrast})
	c.modulate(opac, fbm(r, h, w, 10, 2), []float64{0.04})
	c.setMask(opac)
	blur := uniform(r, 0.4, 1.3)
	noise := uniform(r, 0.02, 0.07)
	c.finish(r, 0, blur*c.scale, noise)
	return map[string]float64{"contrast": contrast, "size": 1.3 - extent, "blur": blur, "noise": noise}
}

// drawProstate draws a pelvic MR slice in 2 channels (T2, ADC): a textured body
// with bright fat, dark muscle and bone, and a small central gland of low contrast.
func drawProstate(r *rand.Rand, c *canvas) map[string]float64 {
	h, w := c.h, c.w
	body := newBlob(r, h, w, 0.5, 0.5, uniform(r, 0.36, 0.44), uniform(r, 0.44, 0.48), 0.05).paint(h, w)
	c.fill(body, []float64{0.5, 0.45})
	c.modulate(body, fbm(r, h, w, 5, 3), []float64{0.11, 0.08})
	for _, side := range []float64{-1, 1} { // femoral heads / obturator muscles
		m := newBlob(r, h, w, 0.52+0.03*r.NormFloat64(), 0.5+side*uniform(r, 0.24, 0.3), uniform(r, 0.09, 0.13), uniform(r, 0.07, 0.1), 0.15).paint(h, w)
		c.fill(m, []float64{0.3, 0.35})
	}
	rect := newBlob(r, h, w, 0.66, 0.5, 0.05, 0.06, 0.2).paint(h, w) // rectum
	c.fill(rect, []float64{0.2, 0.6})
	size := uniform(r, 0.06, 0.12)
	contrast := uniform(r, 0.12, 0.4)
	gland := newBlob(r, h, w, 0.5+0.03*r.NormFloat64(), 0.5+0.03*r.NormFloat64(), size*uniform(r, 0.8, 1.1), size*uniform(r, 0.9, 1.3), 0.15).paint(h, w)
	c.fill(gland, []float64{0.5 + contrast, 0.45 - contrast})
	c.modulate(gland, fbm(r, h, w, 8, 2), []float64{0.05, 0.04})
	c.setMask(gland)
	blur := uniform(r, 0.5, 1.5)
	noise := uniform(r, 0.02, 0.07)
	c.finish(r, 0.12, blur*c.scale, noise)
	return map[string]float64{"contrast": contrast, "size": size, "blur": blur, "noise": noise}
}

// drawPancreas draws an abdominal CT slice in a soft-tissue window: body with fat,
// liver, kidneys, spine, bowel texture and a tiny pancreas of nearly the same
// intensity as the surrounding soft tissue.
func drawPancreas(r *rand.Rand, c *canvas) map[string]float64 {
	h, w := c.h, c.w
	body := newBlob(r, h, w, 0.5, 0.5, uniform(r, 0.36, 0.42), uniform(r, 0.44, 0.48), 0.04).paint(h, w)
	c.fill(body, []float64{0.3}) // subcutaneous fat
	inner := newBlob(r, h, w, 0.5, 0.5, 0.32, 0.40, 0.08).paint(h, w)
	c.fill(inner, []float64{0.5})
	c.modulate(inner, fbm(r, h, w, 6, 3), []float64{0.12})
	liver := and(newBlob(r, h, w, 0.42, 0.3, uniform(r, 0.16, 0.2), uniform(r, 0.13, 0.17), 0.1).paint(h, w), inner)
	c.fill(liver, []float64{0.6})
	for _, side := range []float64{-1, 1} {
		k := newBlob(r, h, w, 0.62, 0.5+side*0.17, 0.06, 0.045, 0.1).paint(h, w)
		c.fill(k, []float64{0.68})
	}
	spine := newBlob(r, h, w, 0.72, 0.5, 0.06, 0.06, 0.05).paint(h, w)
	c.fill(spine, []float64{0.95})
	size := uniform(r, 0.02, 0.045)
	contrast := uniform(r, -0.06, 0.03)
	panc := newBlob(r, h, w, 0.53+0.03*r.NormFloat64(), 0.55+0.04*r.NormFloat64(), size, size*uniform(r, 1.5, 2.5), 0.2).paint(h, w)
	c.fill(panc, []float64{0.52 + contrast})
	c.modulate(panc, fbm(r, h, w, 10, 2), []float64{0.05})
	c.setMask(panc)
	blur := uniform(r, 0.4, 1.2)
	noise := uniform(r, 0.02, 0.06)
	c.finish(r, 0, blur*c.scale, noise)
	return map[string]float64{"contrast": contrast, "size": size, "blur": blur, "noise": noise}
}

func toMask(cover []float32) []uint8 {
	m := make([]uint8, len(cover))
	for i, v := range cover {
		if v > 0.5 {
			m[i] = 1
		}
	}
	return m
}

func sign(r *rand.Rand) float64 {
	if r.IntN(2) == 0 {
		return -1
	}
	return 1
}
