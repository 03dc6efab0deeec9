package explore

import (
	"fmt"
	"slices"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// The axes a volume is sliced along (Choice.Axis, State.Axis), named as
// measure.ViewNames: an axial slice fixes d (H×W), a coronal one h (D×W), a
// sagittal one w (D×H).
const (
	Axial    = "axial"
	Coronal  = "coronal"
	Sagittal = "sagittal"
)

// axisLetters name the index each axis of Axes fixes, as the report does
// ("axial (d = 12)").
var axisLetters = []string{"d", "h", "w"}

// CentreSlice as Choice.Slice asks for the slice through the centre of mass of
// the image's ground-truth object (the middle of the axis when it has none),
// the slice the report's figures show.
const CentreSlice = -1

// Axes returns the axes of a volume in the order of its dimensions [D, H, W]:
// Axial, Coronal, Sagittal.
func Axes() []string { return []string{Axial, Coronal, Sagittal} }

// normalizeSlice fills and clamps the axis and slice of c on test image index
// of ds; for 2D data it clears them.
func normalizeSlice(c Choice, ds *data.Dataset, index int) (Choice, error) {
	if !ds.Volumetric() {
		c.Axis, c.Slice = "", 0
		return c, nil
	}
	a := slices.Index(Axes(), c.Axis)
	if a < 0 {
		a, c.Axis = 0, Axial
	}
	dims := spatialDims(ds)
	if c.Slice < 0 {
		centre, err := objectCentre(ds, index)
		if err != nil {
			return c, err
		}
		c.Slice = centre[a]
	}
	c.Slice = min(c.Slice, dims[a]-1)
	return c, nil
}

// objectCentre is the centre of mass [d, h, w] of the ground-truth object of
// test volume index of ds (the middle of the volume when it has none), as
// measure.ObjectCentre finds it for the report's figures.
func objectCentre(ds *data.Dataset, index int) ([]int, error) {
	m := ds.Test[index].Mask
	if len(m) != ds.Voxels() {
		return nil, fmt.Errorf("explore: %s test #%d: mask of %d voxels, want %d", ds.Name, index, len(m), ds.Voxels())
	}
	g := make([]float32, len(m))
	for i, v := range m {
		g[i] = float32(v)
	}
	return measure.ObjectCentre(g, spatialDims(ds)), nil
}

// planeOf is the plane a (normalised) choice shows of a sample of ds: the
// image of 2D data, the chosen slice of a volume.
func planeOf(ds *data.Dataset, c Choice) (measure.Plane, error) {
	dims := spatialDims(ds)
	a, centre := 0, make([]int, len(dims))
	if ds.Volumetric() {
		a = slices.Index(Axes(), c.Axis)
		if a < 0 || c.Slice < 0 || c.Slice >= dims[a] {
			return measure.Plane{}, fmt.Errorf("explore: %s: no slice %d on axis %q of %v", ds.Name, c.Slice, c.Axis, dims)
		}
		centre[a] = c.Slice
	}
	planes, err := measure.ViewPlanes(dims, centre)
	if err != nil {
		return measure.Plane{}, fmt.Errorf("explore: %s: %w", ds.Name, err)
	}
	return planes[a], nil
}

// sliceImage copies plane p out of an image of channels values per pixel.
func sliceImage(pix []float32, channels int, p measure.Plane) []float32 {
	out := make([]float32, p.H*p.W*channels)
	for y := range p.H {
		for x := range p.W {
			at := p.At(y, x)
			copy(out[(y*p.W+x)*channels:(y*p.W+x+1)*channels], pix[at*channels:(at+1)*channels])
		}
	}
	return out
}

// draw renders the plane of choice c (normalised, with n's unit) of sample:
// its GT, the SAM and p_t of the layer (n.UnitRank 0) or of unit n.Unit. It
// fills n's slice fields and SAMPixels (of the whole map).
func draw(ds *data.Dataset, sample data.Sample, ld *layerData, c Choice, n *Numbers) (*View, error) {
	if len(sample.Image) != ds.Voxels()*ds.Channels || len(sample.Mask) != ds.Voxels() || len(ld.sam) != ds.Voxels() {
		return nil, fmt.Errorf("explore: %s test #%d: image %d, mask %d, SAM %d values for %v×%d",
			ds.Name, n.Index, len(sample.Image), len(sample.Mask), len(ld.sam), spatialDims(ds), ds.Channels)
	}
	p, err := planeOf(ds, c)
	if err != nil {
		return nil, err
	}
	sam := ld.sam
	heat := measure.SlicePlane(ld.p, p)
	if n.UnitRank > 0 {
		sam = ld.unitSAMs[n.Unit].Unpack(nil)
		for y := range p.H {
			for x := range p.W {
				heat[y*p.W+x] = ld.unitP[p.At(y, x)*ld.c+n.Unit]
			}
		}
	}
	n.SAMPixels = count(sam)
	if ds.Volumetric() {
		n.Axis, n.Slice, n.Volume = c.Axis, c.Slice, spatialDims(ds)
		if n.Centre, err = objectCentre(ds, n.Index); err != nil {
			return nil, err
		}
	}
	v := &View{Choice: c, Numbers: *n, H: p.H, W: p.W,
		GT: measure.SlicePlane(sample.Mask, p), SAM: measure.SlicePlane(sam, p), Heat: heat}
	if v.PNG, err = renderPNG(sliceImage(sample.Image, ds.Channels, p), ds.Channels, p.H, p.W, v.GT, v.SAM, heat); err != nil {
		return nil, err
	}
	v.Text = v.Numbers.Text()
	return v, nil
}

// SliceLabel describes the shown slice of a volume, e.g. "d = 7 of 0–15
// (object's centre d = 7)"; "" for 2D data.
func (n Numbers) SliceLabel() string {
	a := slices.Index(Axes(), n.Axis)
	if a < 0 || a >= len(n.Volume) || a >= len(n.Centre) {
		return ""
	}
	return fmt.Sprintf("%s = %d of 0–%d (object's centre %[1]s = %[4]d)", axisLetters[a], n.Slice, n.Volume[a]-1, n.Centre[a])
}
