package measure

import (
	"fmt"
	"slices"
	"sort"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// Counts of what the figures show.
const (
	// MaxShownLayers is the most layers the SAM grid shows: all of them up to this
	// count, otherwise this many spread evenly over the network ([ShownLayers]).
	MaxShownLayers = 6
	// ShownDetail is the number of cases with SAMs and heat-maps (the lowest,
	// median and highest μ).
	ShownDetail = 3
	// ShownRanked is the number of cases ranked by μ (spread evenly over the
	// ranking).
	ShownRanked = 8
)

// CaseView is one 2D view of a shown case: the whole map of a 2D case, or one of
// the three orthogonal slices of a 3D case ([ViewNames]). Every map is H×W,
// row-major.
type CaseView struct {
	// Name is "" for a 2D case, e.g. "axial (d = 12)" for a 3D one.
	Name string
	H, W int
	// Output is the foreground probability; B the output > 0.5; Truth the label's
	// foreground (nil without a label).
	Output   []float32
	B, Truth []uint8
	// SAMs are the SAMs of the shown layers and Heat the fraction of the last
	// layer's units calling each pixel object (detail cases only).
	SAMs [][]uint8
	Heat []float32
}

// Ref is what SA is scored against in this view: the label, or B without one.
func (v CaseView) Ref() []uint8 {
	if v.Truth != nil {
		return v.Truth
	}
	return v.B
}

// ShownCase is one case drawn in the figures.
type ShownCase struct {
	// Index is the case's position in the report's per-case lists.
	Index int
	Name  string
	Mu    float64
	// Centre is the voxel the 3D views pass through (the centre of mass of B, or
	// the middle of the volume when B is empty); the middle for 2D.
	Centre []int
	Views  []CaseView
}

// FigureMaps are the maps the figures need: the SAM grid and heat-maps of the
// Detail cases, the outputs of the Ranked ones.
type FigureMaps struct {
	// Layers are the indices (into the report's layers) of the layers shown.
	Layers []int
	Detail []ShownCase
	Ranked []ShownCase
}

// ShownLayers returns the indices of the layers a SAM grid of n layers shows: all
// when n ≤ most, otherwise most indices spread evenly from the first to the last.
func ShownLayers(n, most int) []int {
	k := min(n, most)
	out := make([]int, k)
	for i := range out {
		out[i] = i
		if k < n && k > 1 {
			out[i] = (i*(n-1) + (k-1)/2) / (k - 1)
		}
	}
	return out
}

// RankPicks returns count indices spread evenly over the ranking of score
// (lowest first), in that order, without repeats.
func RankPicks(score []float64, count int) []int {
	order := make([]int, len(score))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return score[order[a]] < score[order[b]] })
	count = min(count, len(order))
	var out []int
	for k := range count {
		i := order[0]
		if count > 1 {
			i = order[k*(len(order)-1)/(count-1)]
		}
		if len(out) == 0 || out[len(out)-1] != i {
			out = append(out, i)
		}
	}
	return out
}

// shownImage is one image of a shown case: its output and truth [1, S...] and,
// for a detail case, its layers [1, C, S...] (or in layout).
type shownImage struct {
	// source names the image in errors (the case file, or the feature file and
	// image index).
	source        string
	output, truth *data.Array
	layers        FeatureSource // nil: no SAMs or heat-map
	layout        Layout
}

// views cuts the image's maps into 2D views, computing with a the SAM of each
// layer in names and the heat-map of the last of them when the image has layers.
func (im shownImage) views(a *protoseg.Analyzer, names []string) ([]int, []CaseView, error) {
	spatial := im.output.Shape[1:]
	fg := float32s64(im.output)
	centre := ObjectCentre(fg, spatial)
	planes, err := ViewPlanes(spatial, centre)
	if err != nil {
		return nil, nil, err
	}
	var truth []float32
	if im.truth != nil {
		truth = float32s64(im.truth)
	}
	views := make([]CaseView, len(planes))
	for i, p := range planes {
		v := CaseView{Name: p.Name, H: p.H, W: p.W, Output: SlicePlane(fg, p)}
		v.B = binary(v.Output)
		if truth != nil {
			v.Truth = binary(SlicePlane(truth, p))
		}
		views[i] = v
	}
	if im.layers == nil {
		return centre, views, nil
	}
	return centre, views, im.addMaps(a, names, planes, views)
}

// addMaps appends each layer's SAM, and the last layer's heat-map, to the views.
func (im shownImage) addMaps(a *protoseg.Analyzer, names []string, planes []Plane, views []CaseView) error {
	mask, err := MaskTensor(im.output, "output "+im.output.Name)
	if err != nil {
		return err
	}
	gt := mask
	if im.truth != nil {
		if gt, err = MaskTensor(im.truth, "ground truth "+im.truth.Name); err != nil {
			return err
		}
	}
	for li, name := range names {
		arr, err := im.layers.Read(name)
		if err != nil {
			return err
		}
		f, err := FeatureTensor(arr, im.layout, im.output.Shape)
		if err != nil {
			return err
		}
		lr, err := a.Layer(name, f, mask, gt, nil)
		if err != nil {
			return err
		}
		for i, p := range planes {
			views[i].SAMs = append(views[i].SAMs, SlicePlane(lr.SAM[0], p))
		}
		if li < len(names)-1 {
			continue
		}
		ur, err := a.Units(name, f, mask, gt, nil, false)
		if err != nil {
			return err
		}
		for i, p := range planes {
			views[i].Heat = SlicePlane(ur.HeatMap[0], p)
		}
	}
	return nil
}

// float32s64 returns an array's values as float32.
func float32s64(a *data.Array) []float32 {
	if a.Float32 != nil {
		return a.Float32
	}
	out := make([]float32, a.Len())
	for i := range out {
		out[i] = float32(a.At(i))
	}
	return out
}

// figureCases picks the shown cases of a report: detail (lowest, median and
// highest μ) and ranked (spread over the ranking by μ).
func figureCases(rep *FeatureReport) (detail, ranked []int, shown []int) {
	detail = RankPicks(rep.Mu, ShownDetail)
	ranked = RankPicks(rep.Mu, ShownRanked)
	seen := map[int]bool{}
	for _, i := range append(append([]int{}, detail...), ranked...) {
		if !seen[i] {
			seen[i] = true
			shown = append(shown, i)
		}
	}
	sort.Ints(shown)
	return detail, ranked, shown
}

// onFigureCase, when set (by tests), is called before shown case i is read again.
var onFigureCase func(i int, detail bool)

// collectMaps fills FigureMaps for rep, getting each shown image from open (called
// once per shown case, in case order, with whether it needs its layers).
func collectMaps(a *protoseg.Analyzer, rep *FeatureReport, caseName func(int) string, open func(i int, detail bool) (shownImage, func(), error)) (*FigureMaps, error) {
	if len(rep.Mu) == 0 || len(rep.Layers) == 0 {
		return nil, fmt.Errorf("study: figures: no cases or no layers to draw")
	}
	m := &FigureMaps{Layers: ShownLayers(len(rep.Layers), MaxShownLayers)}
	names := make([]string, len(m.Layers))
	for i, l := range m.Layers {
		names[i] = rep.Layers[l].Name
	}
	detail, ranked, shown := figureCases(rep)
	byIndex := map[int]ShownCase{}
	for _, i := range shown {
		isDetail := slices.Contains(detail, i)
		if onFigureCase != nil {
			onFigureCase(i, isDetail)
		}
		im, done, err := open(i, isDetail)
		if err != nil {
			return nil, err
		}
		centre, views, err := im.views(a, names)
		done()
		if err != nil {
			return nil, fmt.Errorf("study: figures: %s: %w", im.source, err)
		}
		byIndex[i] = ShownCase{Index: i, Name: caseName(i), Mu: rep.Mu[i], Centre: centre, Views: views}
	}
	for _, i := range detail {
		m.Detail = append(m.Detail, byIndex[i])
	}
	for _, i := range ranked {
		c := byIndex[i]
		m.Ranked = append(m.Ranked, ShownCase{Index: c.Index, Name: c.Name, Mu: c.Mu, Centre: c.Centre, Views: withoutMaps(c.Views)})
	}
	return m, nil
}

// withoutMaps returns views without their SAMs and heat-maps.
func withoutMaps(vs []CaseView) []CaseView {
	out := make([]CaseView, len(vs))
	for i, v := range vs {
		v.SAMs, v.Heat = nil, nil
		out[i] = v
	}
	return out
}

// CaseFigureMaps reads the cases a per-case report's figures show again, one at
// a time (only the detail cases' layers), and returns their views.
func CaseFigureMaps(a *protoseg.Analyzer, paths []string, rep *CaseReport, opt CaseOptions) (*FigureMaps, error) {
	if len(paths) != rep.Cases {
		return nil, fmt.Errorf("study: figures: %d case files for a report of %d cases", len(paths), rep.Cases)
	}
	name := func(i int) string { return rep.CaseNames[i] }
	return collectMaps(a, &rep.FeatureReport, name, func(i int, detail bool) (shownImage, func(), error) {
		c, err := data.OpenCase(paths[i])
		if err != nil {
			return shownImage{}, nil, err
		}
		out, err := c.ReadOutput(opt.Class)
		if err != nil {
			c.Close()
			return shownImage{}, nil, err
		}
		im := shownImage{source: paths[i], output: out.Foreground, truth: out.Truth, layout: NCHW}
		if detail {
			im.layers = oneCase{c: c, spatial: out.Spatial}
		}
		return im, func() { c.Close() }, nil
	})
}

// oneCase gives a case's layers with a batch axis of one.
type oneCase struct {
	c       *data.Case
	spatial []int
}

func (s oneCase) Names() []string { return s.c.Layers }

func (s oneCase) Read(name string) (*data.Array, error) {
	arr, err := s.c.Layer(name, s.spatial)
	if err != nil {
		return nil, err
	}
	arr.Shape = append([]int{1}, arr.Shape...)
	return arr, nil
}

// FileFigureMaps returns the views of the images the figures of a single-file
// report show (output and gt [N, S...], src the layers [N, ...] in layout). Each
// detail image reads every shown layer again, so peak memory stays that of one
// layer.
func FileFigureMaps(a *protoseg.Analyzer, src FeatureSource, output, gt *data.Array, layout Layout, rep *FeatureReport) (*FigureMaps, error) {
	name := func(i int) string { return fmt.Sprintf("image %d", i) }
	return collectMaps(a, rep, name, func(i int, detail bool) (shownImage, func(), error) {
		im := shownImage{source: name(i), output: imageOf(output, i), layout: layout}
		if gt != nil {
			im.truth = imageOf(gt, i)
		}
		if detail {
			im.layers = imageLayers{src: src, i: i}
		}
		return im, func() {}, nil
	})
}

// imageLayers gives image i of every layer of src, with a batch axis of one.
type imageLayers struct {
	src FeatureSource
	i   int
}

func (s imageLayers) Names() []string { return s.src.Names() }

func (s imageLayers) Read(name string) (*data.Array, error) {
	a, err := s.src.Read(name)
	if err != nil {
		return nil, err
	}
	if len(a.Shape) == 0 || s.i >= a.Shape[0] {
		return nil, fmt.Errorf("study: layer %q shaped %v has no image %d", name, a.Shape, s.i)
	}
	return imageOf(a, s.i), nil
}

// imageOf returns image i of an array whose first axis is the batch, shaped
// [1, rest...], sharing a's values.
func imageOf(a *data.Array, i int) *data.Array {
	per := a.Len() / a.Shape[0]
	out := &data.Array{Name: a.Name, Shape: append([]int{1}, a.Shape[1:]...), DType: a.DType}
	if a.Float64 != nil {
		out.Float64 = a.Float64[i*per : (i+1)*per]
	} else {
		out.Float32 = a.Float32[i*per : (i+1)*per]
	}
	return out
}
