package report

import (
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// viewsOf returns the views a figure shows of test image i of ds: the image
// itself for 2D data, and for a volume the axial, coronal and sagittal slices
// through the centre of mass of its object (the ground truth; the middle of
// the volume when it has none), where a 2D image would stand.
func viewsOf(ds *data.Dataset, i int) []measure.Plane {
	dims := []int{ds.Height, ds.Width}
	if ds.Volumetric() {
		dims = []int{ds.Depth, ds.Height, ds.Width}
	}
	g := make([]float32, len(ds.Test[i].Mask))
	for k, v := range ds.Test[i].Mask {
		g[k] = float32(v)
	}
	planes, err := measure.ViewPlanes(dims, measure.ObjectCentre(g, dims))
	if err != nil { // dims has 2 or 3 axes by construction
		return nil
	}
	return planes
}

// testView is test image i of ds in view p, channels last.
func testView(ds *data.Dataset, i int, p measure.Plane) plots.Image {
	c, img := ds.Channels, ds.Test[i].Image
	pix := make([]float32, p.H*p.W*c)
	for y := range p.H {
		for x := range p.W {
			at := p.At(y, x)
			copy(pix[(y*p.W+x)*c:(y*p.W+x+1)*c], img[at*c:(at+1)*c])
		}
	}
	return plots.Image{Pix: pix, H: p.H, W: p.W, C: c}
}

// viewLabel labels a panel of dataset name in view p: the name alone for 2D,
// with the view (e.g. "brats-synth3d · axial (d = 12)") for a volume.
func viewLabel(name string, p measure.Plane) string {
	if p.Name == "" {
		return name
	}
	return name + " · " + p.Name
}

// sliceAll slices every map of ms in view p.
func sliceAll[T any](ms [][]T, p measure.Plane) [][]T {
	out := make([][]T, len(ms))
	for k, m := range ms {
		out[k] = measure.SlicePlane(m, p)
	}
	return out
}

// exampleView is one panel's place in Figs. 6, 8 and 9: the example image of
// dataset r ([examplesOf]), with its kept maps of the offline and the online
// model, in view p.
type exampleView struct {
	r       *measure.DatasetResults
	off, on *measure.Example
	p       measure.Plane
}

// exampleViews lists the views of every dataset's example image, dataset by
// dataset (one view for 2D, three orthogonal slices for a volume), skipping
// the datasets whose example maps were not kept.
func exampleViews(rs []*measure.DatasetResults) []exampleView {
	var vs []exampleView
	for _, r := range rs {
		ex, off, on := examplesOf(r)
		if off == nil || on == nil {
			continue
		}
		for _, p := range viewsOf(r.Dataset, ex) {
			vs = append(vs, exampleView{r: r, off: off, on: on, p: p})
		}
	}
	return vs
}

// label, image and truth are the panel's title, its slice of the test image
// and its slice of the ground truth.
func (v exampleView) label() string { return viewLabel(v.r.Dataset.Name, v.p) }

func (v exampleView) image() plots.Image { return testView(v.r.Dataset, v.off.Index, v.p) }

func (v exampleView) truth() []uint8 {
	return measure.SlicePlane(v.r.Dataset.Test[v.off.Index].Mask, v.p)
}
