package data

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// synthSpec describes one synthetic stand-in: its channel count and the function
// that draws one image on a canvas and returns its difficulty parameters. q is
// the image's hardness quantile in [0, 1) ([hardnessQuantile]); the image is a
// hard case when q < the stand-in's HardShare.
type synthSpec struct {
	channels int
	draw     func(r *rand.Rand, c *canvas, q float64) map[string]float64
}

// synthSpecs are the five stand-ins, by registry name (the registry entries
// marked synthetic; TestRegistry checks that they match).
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
// seed always gives identical bytes. Which images are hard cases is stratified
// ([hardnessQuantile]), so every split holds the stand-in's share of them.
func loadSynth(name string, opts Options) (*Dataset, error) {
	spec, ok := synthSpecs[name]
	if !ok {
		return nil, fmt.Errorf("data: no synthetic dataset %q", name)
	}
	if opts.Depth > 1 {
		if _, ok := synth3DSpecs[name+"3d"]; ok {
			return nil, fmt.Errorf("data: %s is a 2D stand-in (Options.Depth %d): load %s3d for volumes", name, opts.Depth, name)
		}
		return nil, fmt.Errorf("data: %s is a 2D stand-in with no volumetric counterpart (Options.Depth %d)", name, opts.Depth)
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
	seed := standInSeed(name, opts.Seed)
	d := &Dataset{Name: name, Channels: spec.channels, Height: size, Width: size}
	draw := func(r *rand.Rand, q float64) ([]float32, []uint8, map[string]float64) {
		c := newCanvas(size, size, spec.channels)
		meta := spec.draw(r, c, q)
		img, mask := c.sample()
		return img, mask, meta
	}
	d.Train = genSplit(seed, 1, nTrain, "train", draw)
	d.Test = genSplit(seed, 2, nTest, "test", draw)
	return d, nil
}

// standInSeed is the seed of a stand-in's generator: the user's seed ⊕ the FNV-1a
// hash of its name, so every stand-in draws its own stream.
func standInSeed(name string, seed uint64) uint64 {
	hf := fnv.New64a()
	hf.Write([]byte(name))
	return seed ^ hf.Sum64()
}

// genSplit draws the n samples of one split of a stand-in on GOMAXPROCS
// goroutines: sample i from a PCG generator seeded with (seed, split<<32 | i)
// and its stratified hardness quantile, so the bytes do not depend on the
// number of goroutines nor on the other split's count.
func genSplit(seed, split uint64, n int, prefix string, draw func(r *rand.Rand, q float64) ([]float32, []uint8, map[string]float64)) []Sample {
	out := make([]Sample, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r := rand.New(rand.NewPCG(seed, split<<32|uint64(i)))
				img, mask, meta := draw(r, hardnessQuantile(seed, split, i))
				meta["object_fraction"] = objectFraction(mask)
				out[i] = Sample{Image: img, Mask: mask, Subject: fmt.Sprintf("%s-%04d", prefix, i), Meta: meta}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
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

// Calibration knobs of the stand-ins (docs/design.md, "Calibration of the
// stand-ins"): chosen so that the default preset's offline model meets the
// paper's difficulty (Table 1 offline Dice mean and SD, Table 3 S_x), never its
// findings.
var (
	bratsKnobs = knobs{HardShare: 0.2, Contrast: span{0.4, 0.7}, HardContrast: span{0.06, 0.18},
		Size: span{0.1, 0.24}, HardSize: span{0.04, 0.08}, Blur: span{0.3, 1.4}, Noise: span{0.01, 0.05}, Artefacts: 1}
	isicKnobs = knobs{HardShare: 0.15, Contrast: span{0.3, 0.75}, HardContrast: span{0.03, 0.1},
		Size: span{0.14, 0.32}, HardSize: span{0.06, 0.1}, Blur: span{0.3, 1.2}, Noise: span{0.01, 0.04}, Artefacts: 2.5}
	// covid-synth's size is the extent of the opacities (1.3 − the threshold on
	// their noise field): larger means more and bigger patches.
	covidKnobs = knobs{HardShare: 0.35, Contrast: span{0.25, 0.55}, HardContrast: span{0.03, 0.1},
		Size: span{0.2, 1.1}, HardSize: span{0, 0.3}, Blur: span{0.4, 1.3}, Noise: span{0.02, 0.07}, Artefacts: 2}
	prostateKnobs = knobs{HardShare: 0.3, Contrast: span{0.15, 0.45}, HardContrast: span{0, 0.06},
		Size: span{0.06, 0.12}, HardSize: span{0.03, 0.05}, Blur: span{0.5, 1.5}, Noise: span{0.02, 0.07}, Artefacts: 1}
	// pancreas-synth's contrast is the gland's mean intensity against the
	// surrounding soft tissue (near 0: S_x stays near 0); its hard cases also
	// lack the landmarks (fat plane, splenic vein).
	pancreasKnobs = knobs{HardShare: 0.2, Contrast: span{-0.06, 0.03}, HardContrast: span{-0.06, 0.03},
		Size: span{0.045, 0.065}, HardSize: span{0.02, 0.035}, Blur: span{0.2, 0.8}, Noise: span{0.01, 0.04}, Artefacts: 1}
)

// synthKnobs are the knobs of each stand-in, by registry name.
var synthKnobs = map[string]knobs{
	"brats-synth":    bratsKnobs,
	"isic-synth":     isicKnobs,
	"covid-synth":    covidKnobs,
	"prostate-synth": prostateKnobs,
	"pancreas-synth": pancreasKnobs,
}

// drawBraTS draws a skull-stripped brain MR slice in 4 channels (FLAIR, T1, T1ce,
// T2) on a black background with a whole-tumour lesion (bright in FLAIR and T2,
// dark in T1, enhancing in T1ce) of the drawn contrast and size, and unlabelled
// white-matter hyperintensities as artefacts (bright in FLAIR and T2 only).
func drawBraTS(r *rand.Rand, c *canvas, q float64) map[string]float64 {
	h, w := c.h, c.w
	d := bratsKnobs.draw(r, q)
	brain := newBlob(r, h, w, 0.5+0.02*r.NormFloat64(), 0.5+0.02*r.NormFloat64(), uniform(r, 0.38, 0.45), uniform(r, 0.31, 0.37), 0.06).paint(h, w)
	base := []float64{0.36, 0.55, 0.45, 0.30}
	c.fill(brain, base)
	c.modulate(brain, fbm(r, h, w, 4, 3), []float64{0.06, 0.07, 0.05, 0.06})
	// Ventricles: CSF, dark in FLAIR/T1, bright in T2.
	for _, side := range []float64{-1, 1} {
		v := newBlob(r, h, w, 0.47+0.03*r.NormFloat64(), 0.5+side*uniform(r, 0.04, 0.07), uniform(r, 0.05, 0.09), uniform(r, 0.02, 0.035), 0.2).paint(h, w)
		c.fill(v, []float64{0.12, 0.18, 0.15, 0.75})
	}
	for range d.artefacts {
		ang, off, sz := r.Float64()*2*math.Pi, uniform(r, 0.05, 0.25), uniform(r, 0.03, 0.07)
		wmh := and(newBlob(r, h, w, 0.5+off*math.Sin(ang), 0.5+off*math.Cos(ang), sz, sz*uniform(r, 0.6, 1.4), 0.3).paint(h, w), brain)
		k := uniform(r, 0.5, 1)
		c.fill(wmh, []float64{base[0] + 1.2*k*d.contrast, base[1], base[2], base[3] + 1.3*k*d.contrast})
	}
	contrast, size := d.contrast, d.size
	ang := r.Float64() * 2 * math.Pi
	off := uniform(r, 0, max(0.3-size*0.6, 0))
	cy, cx := 0.5+off*math.Sin(ang), 0.5+off*math.Cos(ang)
	les := and(newBlob(r, h, w, cy, cx, size*uniform(r, 0.8, 1.2), size*uniform(r, 0.8, 1.2), 0.35).paint(h, w), brain)
	c.fill(les, []float64{base[0] + 1.2*contrast, base[1] - 0.5*contrast, base[2] + 0.4*contrast, base[3] + 1.3*contrast})
	c.modulate(les, fbm(r, h, w, 6, 2), []float64{0.05, 0.04, 0.08, 0.05})
	c.setMask(les)
	c.finish(r, 0.15, d.blur*c.scale, d.noise)
	return d.meta(nil)
}

// drawISIC draws a dermoscopy-like RGB photo: skin-coloured background with smooth
// shading and a dark vignette, a brown lesion of the drawn contrast and size with
// internal texture, and dark hair strokes (the artefacts) crossing it.
func drawISIC(r *rand.Rand, c *canvas, q float64) map[string]float64 {
	h, w := c.h, c.w
	d := isicKnobs.draw(r, q)
	all := make([]float32, h*w)
	for i := range all {
		all[i] = 1
	}
	skin := []float64{uniform(r, 0.78, 0.92), uniform(r, 0.58, 0.7), uniform(r, 0.5, 0.62)}
	c.fill(all, skin)
	c.modulate(nil, fbm(r, h, w, 3, 3), []float64{0.04, 0.04, 0.04})
	size, contrast := d.size, d.contrast
	les := newBlob(r, h, w, 0.5+0.06*r.NormFloat64(), 0.5+0.06*r.NormFloat64(), size*uniform(r, 0.75, 1.2), size*uniform(r, 0.75, 1.2), 0.3).paint(h, w)
	brown := []float64{0.42, 0.24, 0.16}
	col := make([]float64, 3)
	for i := range col {
		col[i] = skin[i] + contrast*(brown[i]-skin[i])*1.4
	}
	c.fill(les, col)
	c.modulate(les, fbm(r, h, w, 5, 2), []float64{0.08 * contrast * 2, 0.06 * contrast * 2, 0.05 * contrast * 2})
	c.setMask(les)
	c.fill(vignette(h, w, uniform(r, 0, 0.5)), []float64{0.05, 0.04, 0.04})
	for range d.artefacts {
		p := func() [2]float64 { return [2]float64{r.Float64() * float64(h), r.Float64() * float64(w)} }
		c.stroke(p(), p(), p(), uniform(r, 0.5, 1.1)*c.scale, uniform(r, 0.6, 0.95), []float64{0.15, 0.1, 0.08})
	}
	c.finish(r, 0.08, d.blur*c.scale, d.noise)
	return d.meta(nil)
}

// vignette returns the dark ring of a dermatoscope of the given strength.
func vignette(h, w int, strength float64) []float32 {
	vig := make([]float32, h*w)
	for y := range h {
		for x := range w {
			d := math.Hypot((float64(y)+0.5)/float64(h)-0.5, (float64(x)+0.5)/float64(w)-0.5)
			vig[y*w+x] = float32(min(1, max(0, (d-0.45)*6)) * strength)
		}
	}
	return vig
}

// drawCOVID draws an axial chest CT slice in a lung window: dark air around a
// bright body, two dark lungs with vessels, patchy ground-glass opacities of the
// drawn contrast and extent inside the lungs whose faint margins fade over
// covidMargin (in units of the opacity field's SD), delineated at a per-image
// offset within that margin (the "label_offset": annotators disagree on where
// faint ground glass ends), and unlabelled dependent densities (faint, of the
// opacities' intensity) as artefacts.
func drawCOVID(r *rand.Rand, c *canvas, q float64) map[string]float64 {
	h, w := c.h, c.w
	d := covidKnobs.draw(r, q)
	body := newBlob(r, h, w, 0.5, 0.5, uniform(r, 0.38, 0.42), uniform(r, 0.45, 0.48), 0.03).paint(h, w)
	c.fill(body, []float64{0.72})
	c.modulate(body, fbm(r, h, w, 4, 2), []float64{0.03})
	lungs := covidLungs(r, h, w)
	c.fill(lungs, []float64{0.1})
	// Vessels: small bright specks.
	vessels := threshold(fbm(r, h, w, 12, 2), 1.6, lungs)
	c.fill(vessels, []float64{0.45})
	for range d.artefacts {
		dep := and(newBlob(r, h, w, uniform(r, 0.6, 0.72), 0.5+sign(r)*uniform(r, 0.15, 0.25), uniform(r, 0.04, 0.08), uniform(r, 0.06, 0.12), 0.3).paint(h, w), lungs)
		c.fill(dep, []float64{0.1 + uniform(r, 0.5, 1)*d.contrast})
	}
	offset := covidLabelOffset * covidMargin * uniform(r, -1, 1)
	opac, mask := covidOpacities(r, h, w, 1.3-d.size, offset, lungs)
	c.fill(opac, []float64{0.1 + d.contrast})
	c.modulate(opac, fbm(r, h, w, 10, 2), []float64{0.04})
	c.setMask(mask)
	c.finish(r, 0, d.blur*c.scale, d.noise)
	return d.meta(map[string]float64{"label_offset": offset})
}

// covid-synth's margin knobs: the opacities fade from full to no density over
// covidMargin (field units) around their threshold, the label's threshold lies
// up to covidLabelOffset·covidMargin above or below it, and the opacity field's
// coarsest octave has covidPatchCells cells across (more: smaller patches).
const (
	covidPatchCells  = 6
	covidMargin      = 0.6
	covidLabelOffset = 1
)

// covid-synth's lungs: the centres lie covidLungOffset (fraction of the image)
// left and right of the midline, with radii (ry, rx) drawn from covidLungRadii.
// Large lungs leave little soft tissue of the opacities' brightness around them.
var (
	covidLungOffset = span{0.22, 0.24}
	covidLungRadii  = [2]span{{0.33, 0.37}, {0.21, 0.24}}
)

// covidLungs returns the coverage of the two lungs.
func covidLungs(r *rand.Rand, h, w int) []float32 {
	lungs := make([]float32, h*w)
	for _, side := range []float64{-1, 1} {
		l := newBlob(r, h, w, 0.47+0.02*r.NormFloat64(), 0.5+side*covidLungOffset.draw(r), covidLungRadii[0].draw(r), covidLungRadii[1].draw(r), 0.08).paint(h, w)
		for i, v := range l {
			lungs[i] = max(lungs[i], v)
		}
	}
	return lungs
}

// covidOpacities returns the density of the opacities (a smooth field, biased
// toward the periphery, fading from 0 to 1 over covidMargin around extent, inside
// the lungs) and their label (field > extent + offset); at least one small patch.
func covidOpacities(r *rand.Rand, h, w int, extent, offset float64, lungs []float32) (density, label []float32) {
	field := fbm(r, h, w, covidPatchCells, 3)
	density = opacityDensity(field, valueNoise(r, h, w, 2), lungs, extent)
	label = threshold(field, extent+offset, lungs)
	if objectFraction(toMask(label)) < 0.01 { // at least one visible patch
		patch := and(newBlob(r, h, w, uniform(r, 0.4, 0.6), 0.5+0.2*sign(r), uniform(r, 0.05, 0.08), uniform(r, 0.04, 0.06), 0.3).paint(h, w), lungs)
		for i, v := range patch {
			density[i] = max(density[i], v)
			label[i] = max(label[i], v)
		}
	}
	return density, label
}

// drawProstate draws a pelvic MR slice in 2 channels (T2, ADC): a textured body
// with bright fat, dark muscle and bone, a central gland of the drawn contrast
// and size (small at the apex and base: the hard cases), and unlabelled
// periprostatic venous plexus blobs beside it as artefacts.
func drawProstate(r *rand.Rand, c *canvas, q float64) map[string]float64 {
	h, w := c.h, c.w
	d := prostateKnobs.draw(r, q)
	body := newBlob(r, h, w, 0.5, 0.5, uniform(r, 0.36, 0.44), uniform(r, 0.44, 0.48), 0.05).paint(h, w)
	c.fill(body, []float64{0.5, 0.45})
	c.modulate(body, fbm(r, h, w, 5, 3), []float64{0.11, 0.08})
	for _, side := range []float64{-1, 1} { // femoral heads / obturator muscles
		m := newBlob(r, h, w, 0.52+0.03*r.NormFloat64(), 0.5+side*uniform(r, 0.24, 0.3), uniform(r, 0.09, 0.13), uniform(r, 0.07, 0.1), 0.15).paint(h, w)
		c.fill(m, []float64{0.3, 0.35})
	}
	rect := newBlob(r, h, w, 0.66, 0.5, 0.05, 0.06, 0.2).paint(h, w) // rectum
	c.fill(rect, []float64{0.2, 0.6})
	cy, cx := 0.5+0.03*r.NormFloat64(), 0.5+0.03*r.NormFloat64()
	for range d.artefacts {
		a := r.Float64() * 2 * math.Pi
		off := d.size + uniform(r, 0.02, 0.06)
		v := newBlob(r, h, w, cy+off*math.Sin(a), cx+off*math.Cos(a), uniform(r, 0.02, 0.04), uniform(r, 0.02, 0.04), 0.2).paint(h, w)
		c.fill(v, []float64{0.5 + uniform(r, 0.5, 1)*d.contrast, 0.45 - uniform(r, 0.5, 1)*d.contrast})
	}
	gland := newBlob(r, h, w, cy, cx, d.size*uniform(r, 0.8, 1.1), d.size*uniform(r, 0.9, 1.3), 0.15).paint(h, w)
	c.fill(gland, []float64{0.5 + d.contrast, 0.45 - d.contrast})
	c.modulate(gland, fbm(r, h, w, 8, 2), []float64{0.05, 0.04})
	c.setMask(gland)
	c.finish(r, 0.12, d.blur*c.scale, d.noise)
	return d.meta(nil)
}

// drawPancreas draws an abdominal CT slice in a soft-tissue window: body with fat,
// liver, kidneys, spine, bowel texture, unlabelled bowel loops of soft-tissue
// intensity (the artefacts) and a lobulated pancreas whose mean intensity is that
// of the surrounding soft tissue (so S_x stays near 0), outlined by a thin fat
// plane and with the bright splenic vein along its back, except in the hard
// cases (no fat plane, no visible vein).
func drawPancreas(r *rand.Rand, c *canvas, q float64) map[string]float64 {
	h, w := c.h, c.w
	d := pancreasKnobs.draw(r, q)
	inner := pancreasAnatomy(r, c)
	for range d.artefacts {
		loop := and(newBlob(r, h, w, uniform(r, 0.3, 0.5), uniform(r, 0.4, 0.75), uniform(r, 0.03, 0.05), uniform(r, 0.03, 0.06), 0.3).paint(h, w), inner)
		c.fill(loop, []float64{0.52 + uniform(r, -0.06, 0.03)})
	}
	landmarks := 0.0
	if !d.hard {
		landmarks = uniform(r, 0.5, 1)
	}
	cy, cx := 0.53+0.03*r.NormFloat64(), 0.55+0.04*r.NormFloat64()
	shape := newBlob(r, h, w, cy, cx, d.size, d.size*uniform(r, 1.5, 2.5), 0.2)
	rim := shape
	rim.ry, rim.rx = shape.ry+pancreasRim/float64(h), shape.rx+pancreasRim/float64(w)
	c.fill(rim.paint(h, w), []float64{0.5 - pancreasFat*landmarks})
	// Splenic vein: a thin bright band along the back of the gland (offset along
	// its minor axis).
	vein := shape
	back := shape.ry + pancreasRim/float64(h)
	vein.cy += back * math.Cos(shape.rot)
	vein.cx -= back * math.Sin(shape.rot)
	vein.ry = pancreasVeinWidth / float64(h)
	c.fill(vein.paint(h, w), []float64{0.5 + pancreasVein*landmarks})
	panc := shape.paint(h, w)
	c.fill(panc, []float64{0.52 + d.contrast})
	c.modulate(panc, fbm(r, h, w, 16, 1), []float64{pancreasLobulation})
	c.setMask(panc)
	c.finish(r, 0, d.blur*c.scale, d.noise)
	return d.meta(map[string]float64{"landmarks": landmarks})
}

// pancreas-synth's landmark knobs: the fat plane around the gland is
// pancreasRim pixels wide and pancreasFat darker than soft tissue, the splenic
// vein pancreasVeinWidth pixels thick and pancreasVein brighter (both scaled by the image's "landmarks" visibility),
// and the gland's lobulated texture has amplitude pancreasLobulation.
const (
	pancreasRim        = 2
	pancreasFat        = 0.4
	pancreasVein       = 0.4
	pancreasLobulation = 0.25
	pancreasVeinWidth  = 0.8
)

// pancreasAnatomy paints the body, liver, kidneys and spine and returns the
// coverage of the abdominal cavity.
func pancreasAnatomy(r *rand.Rand, c *canvas) []float32 {
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
	return inner
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

// opacityDensity adds half the smooth bias to the opacity field (in place) and
// returns the opacities' density inside the lungs: a ramp of width covidMargin
// centred on extent, 0 outside the lungs (2D and 3D alike).
func opacityDensity(field, bias, lungs []float32, extent float64) []float32 {
	density := make([]float32, len(field))
	for i := range field {
		field[i] += 0.5 * bias[i]
		if lungs[i] > 0.5 {
			density[i] = float32(min(max((float64(field[i])-extent)/covidMargin+0.5, 0), 1))
		}
	}
	return density
}
