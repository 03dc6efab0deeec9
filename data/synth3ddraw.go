package data

import (
	"math"
	"math/rand/v2"
)

// drawBraTS3D draws a skull-stripped brain MR volume in 4 channels (FLAIR, T1,
// T1ce, T2), as [drawBraTS] in 3D: an ellipsoidal brain with textured tissue,
// two ventricles, unlabelled white-matter hyperintensities as artefacts and a
// whole-tumour lesion of the drawn contrast and size (semi-axes as fractions
// of each axis) anywhere in the brain.
func drawBraTS3D(r *rand.Rand, c *canvas3, q float64) map[string]float64 {
	s := c.shape()
	d := brats3DKnobs.draw(r, q)
	n := func() float64 { return 0.02 * r.NormFloat64() }
	brain := c.blob(r, 0.5+n(), 0.5+n(), 0.5+n(), uniform(r, 0.4, 0.46), uniform(r, 0.38, 0.45), uniform(r, 0.31, 0.37), 0.06).paint(s)
	base := []float64{0.36, 0.55, 0.45, 0.30}
	c.fill(brain, base)
	c.modulate(brain, fbm3(r, s, 4, 3), []float64{0.06, 0.07, 0.05, 0.06})
	for _, side := range []float64{-1, 1} { // ventricles: CSF, dark in FLAIR/T1, bright in T2
		v := c.blob(r, 0.5+0.03*r.NormFloat64(), 0.47+0.03*r.NormFloat64(), 0.5+side*uniform(r, 0.04, 0.07),
			uniform(r, 0.12, 0.18), uniform(r, 0.05, 0.09), uniform(r, 0.02, 0.035), 0.2).paint(s)
		c.fill(v, []float64{0.12, 0.18, 0.15, 0.75})
	}
	for range d.artefacts {
		dir, off, sz := direction3(r), uniform(r, 0.05, 0.25), uniform(r, 0.03, 0.07)
		wmh := and(c.blob(r, 0.5+off*dir[0], 0.5+off*dir[1], 0.5+off*dir[2], sz*uniform(r, 0.6, 1.4), sz, sz*uniform(r, 0.6, 1.4), 0.3).paint(s), brain)
		k := uniform(r, 0.5, 1)
		c.fill(wmh, []float64{base[0] + 1.2*k*d.contrast, base[1], base[2], base[3] + 1.3*k*d.contrast})
	}
	contrast, size := d.contrast, d.size
	dir, off := direction3(r), uniform(r, 0, max(0.3-size*0.6, 0))
	rad := func() float64 { return size * uniform(r, 0.8, 1.2) }
	les := and(c.blob(r, 0.5+off*dir[0], 0.5+off*dir[1], 0.5+off*dir[2], rad(), rad(), rad(), 0.35).paint(s), brain)
	c.fill(les, []float64{base[0] + 1.2*contrast, base[1] - 0.5*contrast, base[2] + 0.4*contrast, base[3] + 1.3*contrast})
	c.modulate(les, fbm3(r, s, 6, 2), []float64{0.05, 0.04, 0.08, 0.05})
	c.setMask(les)
	c.finish3(r, 0.15, d.blur*c.scale, d.noise)
	return d.meta(nil)
}

// column is the axial semi-axis of anatomy that runs through every slice of a
// volume (body, spine, rectum): at least 1.5 × the volume's depth, so the end
// slices keep at least 94% of the mid-slice radius.
const column = 1.5

// drawProstate3D draws a pelvic MR volume in 2 channels (T2, ADC), as
// [drawProstate] in 3D: a textured body, obturator muscles and the rectum
// running through the volume, a central gland of the drawn contrast and size
// (semi-axes; the hard cases are small and nearly invisible), and unlabelled
// periprostatic venous-plexus blobs beside it as artefacts.
func drawProstate3D(r *rand.Rand, c *canvas3, q float64) map[string]float64 {
	s := c.shape()
	d := prostate3DKnobs.draw(r, q)
	body := c.blob(r, 0.5, 0.5, 0.5, column, uniform(r, 0.36, 0.44), uniform(r, 0.44, 0.48), 0.05).paint(s)
	c.fill(body, []float64{0.5, 0.45})
	c.modulate(body, fbm3(r, s, 5, 3), []float64{0.11, 0.08})
	for _, side := range []float64{-1, 1} { // femoral heads / obturator muscles
		m := c.blob(r, 0.5+0.05*r.NormFloat64(), 0.52+0.03*r.NormFloat64(), 0.5+side*uniform(r, 0.24, 0.3),
			uniform(r, 0.5, 0.8), uniform(r, 0.09, 0.13), uniform(r, 0.07, 0.1), 0.15).paint(s)
		c.fill(m, []float64{0.3, 0.35})
	}
	rect := c.blob(r, 0.5, 0.66, 0.5, column, 0.05, 0.06, 0.2).paint(s) // rectum
	c.fill(rect, []float64{0.2, 0.6})
	cz, cy, cx := 0.5+0.05*r.NormFloat64(), 0.5+0.03*r.NormFloat64(), 0.5+0.03*r.NormFloat64()
	for range d.artefacts {
		a := r.Float64() * 2 * math.Pi
		off := d.size + uniform(r, 0.02, 0.06)
		v := c.blob(r, cz+uniform(r, -1, 1)*d.size, cy+off*math.Sin(a), cx+off*math.Cos(a),
			uniform(r, 0.03, 0.06), uniform(r, 0.02, 0.04), uniform(r, 0.02, 0.04), 0.2).paint(s)
		c.fill(v, []float64{0.5 + uniform(r, 0.5, 1)*d.contrast, 0.45 - uniform(r, 0.5, 1)*d.contrast})
	}
	gland := c.blob(r, cz, cy, cx, d.size*uniform(r, 0.9, 1.4), d.size*uniform(r, 0.8, 1.1), d.size*uniform(r, 0.9, 1.3), 0.15).paint(s)
	c.fill(gland, []float64{0.5 + d.contrast, 0.45 - d.contrast})
	c.modulate(gland, fbm3(r, s, 8, 2), []float64{0.05, 0.04})
	c.setMask(gland)
	c.finish3(r, 0.12, d.blur*c.scale, d.noise)
	return d.meta(nil)
}

// drawPancreas3D draws an abdominal CT volume in a soft-tissue window, as
// [drawPancreas] in 3D: body, liver, kidneys, spine, bowel loops of soft-tissue
// intensity (the artefacts) and an elongated, lobulated pancreas of soft-tissue
// mean intensity, wrapped in a thin fat plane with the splenic vein along its
// back, except in the hard cases (no fat plane, no visible vein).
func drawPancreas3D(r *rand.Rand, c *canvas3, q float64) map[string]float64 {
	s := c.shape()
	d := pancreas3DKnobs.draw(r, q)
	inner := pancreasAnatomy3D(r, c)
	for range d.artefacts {
		loop := and(c.blob(r, uniform(r, 0.2, 0.8), uniform(r, 0.3, 0.5), uniform(r, 0.4, 0.75),
			uniform(r, 0.06, 0.1), uniform(r, 0.03, 0.05), uniform(r, 0.03, 0.06), 0.3).paint(s), inner)
		c.fill(loop, []float64{0.52 + uniform(r, -0.06, 0.03)})
	}
	landmarks := 0.0
	if !d.hard {
		landmarks = uniform(r, 0.5, 1)
	}
	cz, cy, cx := 0.5+0.05*r.NormFloat64(), 0.53+0.03*r.NormFloat64(), 0.55+0.04*r.NormFloat64()
	shape := c.blob(r, cz, cy, cx, d.size*uniform(r, 1.2, 2), d.size, d.size*uniform(r, 1.5, 2.5), 0.2)
	rim := shape
	rim.rz, rim.ry, rim.rx = shape.rz+pancreasRim/(float64(s[1])*c.zfov), shape.ry+pancreasRim/float64(s[1]), shape.rx+pancreasRim/float64(s[2])
	c.fill(rim.paint(s), []float64{0.5 - pancreasFat*landmarks})
	// Splenic vein: a thin bright tube along the back of the gland (offset along
	// its in-plane minor axis), half the gland's axial extent.
	vein := shape
	back := shape.ry + pancreasRim/float64(s[1])
	vein.cy += back * math.Cos(shape.rot)
	vein.cx -= back * math.Sin(shape.rot)
	vein.ry, vein.rz = pancreasVeinWidth/float64(s[1]), shape.rz/2
	c.fill(vein.paint(s), []float64{0.5 + pancreasVein*landmarks})
	panc := shape.paint(s)
	c.fill(panc, []float64{0.52 + d.contrast})
	c.modulate(panc, fbm3(r, s, 16, 1), []float64{pancreasLobulation})
	c.setMask(panc)
	c.finish3(r, 0, d.blur*c.scale, d.noise)
	return d.meta(map[string]float64{"landmarks": landmarks})
}

// pancreasAnatomy3D paints the body, liver, kidneys and spine of an abdominal
// volume and returns the coverage of the abdominal cavity.
func pancreasAnatomy3D(r *rand.Rand, c *canvas3) []float32 {
	s := c.shape()
	body := c.blob(r, 0.5, 0.5, 0.5, column, uniform(r, 0.36, 0.42), uniform(r, 0.44, 0.48), 0.04).paint(s)
	c.fill(body, []float64{0.3}) // subcutaneous fat
	inner := c.blob(r, 0.5, 0.5, 0.5, column, 0.32, 0.40, 0.08).paint(s)
	c.fill(inner, []float64{0.5})
	c.modulate(inner, fbm3(r, s, 6, 3), []float64{0.12})
	liver := and(c.blob(r, uniform(r, 0.3, 0.4), 0.42, 0.3, uniform(r, 0.4, 0.6), uniform(r, 0.16, 0.2), uniform(r, 0.13, 0.17), 0.1).paint(s), inner)
	c.fill(liver, []float64{0.6})
	for _, side := range []float64{-1, 1} {
		k := c.blob(r, uniform(r, 0.5, 0.65), 0.62, 0.5+side*0.17, uniform(r, 0.2, 0.3), 0.06, 0.045, 0.1).paint(s)
		c.fill(k, []float64{0.68})
	}
	spine := c.blob(r, 0.5, 0.72, 0.5, column, 0.06, 0.06, 0.05).paint(s)
	c.fill(spine, []float64{0.95})
	return inner
}

// drawCOVID3D draws a chest CT volume in a lung window, as [drawCOVID] in 3D:
// dark air around a bright body, two dark lungs with vessels, patchy
// ground-glass opacities of the drawn contrast and extent inside the lungs
// (fading over covidMargin around their threshold, labelled at a per-volume
// offset within that margin: Meta "label_offset"), and unlabelled dependent
// densities as artefacts.
func drawCOVID3D(r *rand.Rand, c *canvas3, q float64) map[string]float64 {
	s := c.shape()
	d := covid3DKnobs.draw(r, q)
	body := c.blob(r, 0.5, 0.5, 0.5, column, uniform(r, 0.38, 0.42), uniform(r, 0.45, 0.48), 0.03).paint(s)
	c.fill(body, []float64{0.72})
	c.modulate(body, fbm3(r, s, 4, 2), []float64{0.03})
	lungs := make([]float32, s.size())
	for _, side := range []float64{-1, 1} {
		l := c.blob(r, 0.5+0.02*r.NormFloat64(), 0.47+0.02*r.NormFloat64(), 0.5+side*covidLungOffset.draw(r),
			covidLungDepth.draw(r), covidLungRadii[0].draw(r), covidLungRadii[1].draw(r), 0.08).paint(s)
		for i, v := range l {
			lungs[i] = max(lungs[i], v)
		}
	}
	c.fill(lungs, []float64{0.1})
	c.fill(threshold(fbm3(r, s, 12, 2), 1.6, lungs), []float64{0.45}) // vessels
	for range d.artefacts {
		dep := and(c.blob(r, uniform(r, 0.3, 0.7), uniform(r, 0.6, 0.72), 0.5+sign(r)*uniform(r, 0.15, 0.25),
			uniform(r, 0.06, 0.12), uniform(r, 0.04, 0.08), uniform(r, 0.06, 0.12), 0.3).paint(s), lungs)
		c.fill(dep, []float64{0.1 + uniform(r, 0.5, 1)*d.contrast})
	}
	offset := covidLabelOffset * covidMargin * uniform(r, -1, 1)
	opac, mask := covidOpacities3D(r, c, 1.3-d.size, offset, lungs)
	c.fill(opac, []float64{0.1 + d.contrast})
	c.modulate(opac, fbm3(r, s, 10, 2), []float64{0.04})
	c.setMask(mask)
	c.finish3(r, 0, d.blur*c.scale, d.noise)
	return d.meta(map[string]float64{"label_offset": offset})
}

// covidLungDepth is the lungs' axial semi-axis (fraction of the in-plane
// width) in covid-synth3d: 0.69–0.81 of the depth at covidZFOV, so the lungs
// run through every slice, narrowing toward apex and base. (At 0.3–0.36 the
// slices above and below them held so much soft tissue of the opacities'
// brightness that S_x fell to 0.19.)
var covidLungDepth = span{0.55, 0.65}

// covidOpacities3D returns the density and label of the opacities, as
// [covidOpacities] in 3D; at least one small patch.
func covidOpacities3D(r *rand.Rand, c *canvas3, extent, offset float64, lungs []float32) (density, label []float32) {
	s := c.shape()
	field := fbm3(r, s, covidPatchCells, 3)
	density = opacityDensity(field, valueNoise3(r, s, 2), lungs, extent)
	label = threshold(field, extent+offset, lungs)
	if objectFraction(toMask(label)) < 0.002 { // at least one visible patch
		patch := and(c.blob(r, uniform(r, 0.4, 0.6), uniform(r, 0.4, 0.6), 0.5+0.2*sign(r), uniform(r, 0.05, 0.08), uniform(r, 0.05, 0.08), uniform(r, 0.04, 0.06), 0.3).paint(s), lungs)
		for i, v := range patch {
			density[i] = max(density[i], v)
			label[i] = max(label[i], v)
		}
	}
	return density, label
}
