// Package explore is an interactive segmentation-ability explorer for notebooks:
// pick a dataset, a test image (ranked by the label-free quality score μ), a model
// (offline or online), a layer (1–18) and a unit (all units, or one unit ranked by
// its SA on that image), and see the input with the ground-truth contour (green)
// and the SAM contour (red), the ProtoSeg object probability p_t as a heat-map,
// and the numbers: the layer's SA, the unit's SA, μ and Dice(B, G).
//
// The core (this file and render.go, drawing with plots/raster like the figures)
// is plain Go: [Explorer.View] renders one view as PNG bytes plus a text panel,
// and is what the tests and benchmarks measure. [Show] (gonb.go) is the GoNB
// layer: controls and a view that updates in place; the page (page.go) is
// html/template with its HTML, style and script in assets/, embedded.
//
// Choices, and why:
//   - Test images are ranked by the online model's μ (the model the paper's
//     coverage study uses), lowest first, so that one rank is the same image
//     whichever model is shown and offline/online can be compared on it.
//   - Features come from the model's forward pass on the same batches of
//     unet.DefaultBatchSize (10) test images as study.Analyze, so the layer SA
//     shown equals the study's ModelResults.LayerSA. They are computed once per
//     (dataset, model, batch) and kept; the layer and unit SAMs and p_t maps of
//     an image are computed once per (dataset, model, image, layer), on that
//     image alone, and kept (about 3 MB per image for all 18 layers of a Base-8
//     U-Net at 64×64).
//   - Units are ranked per image and layer by their SA against the ground truth,
//     highest first (unit rank 1 is the best unit on this image); unit rank 0
//     means "all units" (the layer-level SAM and p_t).
//   - "Active" units are those above protoseg.ActiveThreshold of the layer's unit
//     SA on this image (the paper's active vs inertia units, §4.5).
//   - Volumes (3D datasets, e.g. study.NotebookSession with PROTOSEG_DIMS=3):
//     the SAMs, p_t and every number are of the whole volume, computed once per
//     image, layer and model as in 2D; the view draws one slice of them, picked
//     by an axis (axial, coronal, sagittal) and a slice index, by default the
//     slice through the centre of mass of the image's ground-truth object, as
//     the report's figures do (measure.ObjectCentre, measure.ViewPlanes).
//     Moving the slice only re-renders. The analyses kept are bounded by bytes
//     as well (Explorer.MaxBytes): one default-size volume (32×64×64, Base 8)
//     holds about 0.5 GB over its 18 layers.
package explore

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/protoseg-go/protoseg-go/study/measure"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study"
	"github.com/protoseg-go/protoseg-go/unet"
)

// Source gives the explorer what it needs; *study.Session is one.
type Source interface {
	Dataset(name string) (*data.Dataset, error)
	Model(name string, mode unet.Mode) (measure.Model, error)
	Results(name string) (*measure.DatasetResults, error)
}

// Choice is one view's selection.
type Choice struct {
	// Dataset is the dataset's name, e.g. "isic-synth".
	Dataset string
	// Rank is the test image's rank by μ of the online model, 0 = lowest μ.
	Rank int
	// Mode is unet.Offline or unet.Online.
	Mode unet.Mode
	// Layer is 1–18.
	Layer int
	// Unit is 0 for all units (layer level), or k ≥ 1 for the k-th best unit of
	// the layer on this image (by unit SA, highest first).
	Unit int
	// Axis (Axial, Coronal or Sagittal; "" is Axial) and Slice (the index
	// along that axis; CentreSlice or any negative value: the slice through the
	// centre of mass of the image's ground-truth object) choose the slice of a
	// volume shown. 2D data ignores them: Normalize clears them.
	Axis  string
	Slice int
}

// Numbers are the measured values of a view.
type Numbers struct {
	Dataset string
	Mode    unet.Mode
	// Rank (0 = lowest μ) of Images test images; Index is the test-set index.
	Rank, Images, Index int
	Layer               int
	// Group is "early", "abstract" or "late".
	Group string
	// UnitRank is the chosen unit rank (0: all units), Unit its channel index
	// (−1 for all units), Units the layer's number of units.
	UnitRank, Unit, Units int
	// LayerSA is SA(S_layer, G); UnitSA is SA(S_unit, G) (NaN for all units).
	LayerSA, UnitSA float64
	// Active is the number of active units of the layer on this image.
	Active int
	// Mu is μ of the image under the shown model; Dice is Dice(B, G).
	Mu, Dice float64
	// SAMPixels and GTPixels are the object pixels of the shown SAM and of G
	// (of the whole volume for volumetric data, where SA is measured).
	SAMPixels, GTPixels int
	// Axis is the shown slice's axis ("" for 2D data) and Slice its index
	// along that axis; Volume is the volume's size [D, H, W] and Centre the
	// centre of mass [d, h, w] of the image's ground-truth object (the default
	// slice of each axis), both nil for 2D data.
	Axis           string
	Slice          int
	Volume, Centre []int
}

// View is one rendered view.
type View struct {
	Choice  Choice
	Numbers Numbers
	// PNG shows the input with the GT (green) and SAM (red) contours, and the p_t
	// heat-map (viridis, 0 → 1) with the GT contour.
	PNG []byte
	// Text is the numbers as a short text panel.
	Text string
	// UnitLabels labels the unit choices of the layer on this image: [0] is all
	// units, [k] the k-th best unit.
	UnitLabels []string
	// H and W are the size of the shown plane (the image for 2D data, the
	// slice of a volume); GT, SAM and Heat are its ground truth, SAM and p_t
	// heat-map as drawn, H×W each, row-major.
	H, W    int
	GT, SAM []uint8
	Heat    []float32
}

// Explorer renders views of a study; it is safe for use by one goroutine at a
// time.
type Explorer struct {
	src      Source
	datasets []string
	analyzer *protoseg.Analyzer
	probs    *graph.Exec

	mu      sync.Mutex
	order   map[string][]int // dataset → test indices by rising online μ
	feats   map[batchKey]*batchFeatures
	layers  map[layerKey]*layerData
	results map[string]*measure.DatasetResults
	// MaxImages and MaxBytes bound the per-image analyses kept, by images and
	// by bytes (oldest dropped first; the newest image is always kept).
	MaxImages int
	MaxBytes  int64
	lru       []imageKey
	analyses  int // layer analyses computed, for tests
}

type batchKey struct {
	dataset string
	mode    unet.Mode
	start   int
}

type imageKey struct {
	dataset string
	mode    unet.Mode
	index   int
}

type layerKey struct {
	imageKey
	layer int
}

// batchFeatures holds one forward pass, as flat float32 copies.
type batchFeatures struct {
	n       int
	feats   [][]float32 // per layer, [n, (d,) h, w, c]
	dims    [][]int
	mask    []float32 // [n, (D,) H, W]
	gt      []float32 // [n, (D,) H, W]
	spatial []int     // [H, W] or [D, H, W]
}

// layerData is the analysis of one layer on one image.
type layerData struct {
	sa       float64
	sam      []uint8
	p        []float32          // layer-level p_t, (D×)H×W
	unitSA   []float64          // per channel
	unitSAMs []protoseg.BitMask // per channel
	unitP    []float32          // [(D,) H, W, C]
	byRank   []int              // channels by falling unit SA
	c        int
	active   int
}

// DefaultMaxBytes is an Explorer's MaxBytes at first: 2 GiB, room for the
// 64 images of MaxImages in 2D at 64×64 (Base 8) and for a few volumes.
const DefaultMaxBytes = 2 << 30

// FromSession returns an explorer of every dataset of a study session.
func FromSession(s *study.Session) (*Explorer, error) {
	return New(sessionSource{s}, s.Config.Datasets, s.Backend, s.Analyzer)
}

// sessionSource adapts *study.Session (whose Model returns study.Model).
type sessionSource struct{ s *study.Session }

func (s sessionSource) Dataset(name string) (*data.Dataset, error) { return s.s.Dataset(name) }
func (s sessionSource) Model(name string, mode unet.Mode) (measure.Model, error) {
	return s.s.Model(name, mode)
}
func (s sessionSource) Results(name string) (*measure.DatasetResults, error) {
	return s.s.Results(name)
}

// New returns an explorer of the given datasets of src; analyses run on backend
// with analyzer (nil: a bilinear one).
func New(src Source, datasets []string, backend backends.Backend, analyzer *protoseg.Analyzer) (*Explorer, error) {
	if len(datasets) == 0 {
		return nil, fmt.Errorf("explore: no dataset")
	}
	var err error
	if analyzer == nil {
		if analyzer, err = protoseg.NewAnalyzer(backend, protoseg.Bilinear); err != nil {
			return nil, err
		}
	}
	method := analyzer.Method()
	probs, err := graph.NewExec(backend, func(f, mask *graph.Node) (*graph.Node, *graph.Node) {
		return protoseg.ObjectProbability(f, mask, nil, method),
			graph.Sigmoid(protoseg.UnitLogits(f, mask, nil, method))
	})
	if err != nil {
		return nil, fmt.Errorf("explore: building the p_t graph: %w", err)
	}
	probs.SetMaxCache(256)
	return &Explorer{
		src: src, datasets: slices.Clone(datasets), analyzer: analyzer, probs: probs,
		order: map[string][]int{}, feats: map[batchKey]*batchFeatures{},
		layers: map[layerKey]*layerData{}, results: map[string]*measure.DatasetResults{},
		MaxImages: 64, MaxBytes: DefaultMaxBytes,
	}, nil
}

// Datasets returns the datasets the explorer offers.
func (e *Explorer) Datasets() []string { return slices.Clone(e.datasets) }

// Results returns (and keeps) the study results of a dataset (training and
// analysing what is missing).
func (e *Explorer) Results(name string) (*measure.DatasetResults, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.resultsLocked(name)
}

func (e *Explorer) resultsLocked(name string) (*measure.DatasetResults, error) {
	if r, ok := e.results[name]; ok {
		return r, nil
	}
	if !slices.Contains(e.datasets, name) {
		return nil, fmt.Errorf("explore: dataset %q is not one of %v", name, e.datasets)
	}
	r, err := e.src.Results(name)
	if err != nil {
		return nil, err
	}
	if r.Offline == nil || r.Online == nil {
		return nil, fmt.Errorf("explore: %s: results lack a model", name)
	}
	e.results[name] = r
	return r, nil
}

// Order returns the test indices of a dataset by rising μ of the online model.
func (e *Explorer) Order(name string) ([]int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.orderLocked(name)
}

func (e *Explorer) orderLocked(name string) ([]int, error) {
	if o, ok := e.order[name]; ok {
		return o, nil
	}
	r, err := e.resultsLocked(name)
	if err != nil {
		return nil, err
	}
	mu := r.Online.Mu
	o := make([]int, len(mu))
	for i := range o {
		o[i] = i
	}
	slices.SortStableFunc(o, func(a, b int) int { return cmp.Compare(mu[a], mu[b]) })
	e.order[name] = o
	return o, nil
}

// Normalize clamps a choice into range (rank, layer, unit, slice) and fills
// defaults: for a volume the axial axis and the slice through the object's
// centre; for 2D data no axis and slice 0.
func (e *Explorer) Normalize(c Choice) (Choice, error) {
	if c.Dataset == "" {
		c.Dataset = e.datasets[0]
	}
	if c.Mode != unet.Offline {
		c.Mode = unet.Online
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	o, err := e.orderLocked(c.Dataset)
	if err != nil {
		return c, err
	}
	ds, err := e.datasetLocked(c.Dataset)
	if err != nil {
		return c, err
	}
	c.Rank = min(max(c.Rank, 0), len(o)-1)
	c.Layer = min(max(c.Layer, 1), unet.NumLayers)
	c.Unit = max(c.Unit, 0)
	return normalizeSlice(c, ds, o[c.Rank])
}

// datasetLocked returns the dataset of the study results of name.
func (e *Explorer) datasetLocked(name string) (*data.Dataset, error) {
	r, err := e.resultsLocked(name)
	if err != nil {
		return nil, err
	}
	if r.Dataset != nil {
		return r.Dataset, nil
	}
	return e.src.Dataset(name)
}

// View renders one view; the unit rank is clamped to the layer's units. For a
// volume the analysis is of the whole volume (computed once per image, layer
// and model, whatever the slice) and the view shows the chosen slice.
func (e *Explorer) View(c Choice) (*View, error) {
	c, err := e.Normalize(c)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.resultsLocked(c.Dataset)
	if err != nil {
		return nil, err
	}
	ds, err := e.datasetLocked(c.Dataset)
	if err != nil {
		return nil, err
	}
	index := e.order[c.Dataset][c.Rank]
	ld, _, err := e.layerLocked(imageKey{c.Dataset, c.Mode, index}, c.Layer)
	if err != nil {
		return nil, err
	}
	c.Unit = min(c.Unit, ld.c)
	mr := r.Offline
	if c.Mode == unet.Online {
		mr = r.Online
	}
	sample := ds.Test[index]
	n := Numbers{
		Dataset: c.Dataset, Mode: c.Mode, Rank: c.Rank, Images: len(e.order[c.Dataset]), Index: index,
		Layer: c.Layer, Group: unet.GroupOf(c.Layer), UnitRank: c.Unit, Unit: -1, Units: ld.c,
		LayerSA: ld.sa, UnitSA: math.NaN(), Active: ld.active,
		Mu: mr.Mu[index], Dice: mr.Dice[index], GTPixels: count(sample.Mask),
	}
	if c.Unit > 0 {
		n.Unit = ld.byRank[c.Unit-1]
		n.UnitSA = ld.unitSA[n.Unit]
	}
	v, err := draw(ds, sample, ld, c, &n)
	if err != nil {
		return nil, err
	}
	v.UnitLabels = make([]string, ld.c+1)
	v.UnitLabels[0] = fmt.Sprintf("all %d units (%d active)", ld.c, ld.active)
	for i, k := range ld.byRank {
		v.UnitLabels[i+1] = fmt.Sprintf("#%d · unit %d · SA %.3f", i+1, k, ld.unitSA[k])
	}
	return v, nil
}

// Text formats the numbers as a short panel.
func (n Numbers) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s · %s model · image rank %d/%d by μ (test #%d)\n", n.Dataset, n.Mode, n.Rank+1, n.Images, n.Index)
	fmt.Fprintf(&b, "layer %d (%s) · SA(S_%d, G) = %.4f\n", n.Layer, n.Group, n.Layer, n.LayerSA)
	if n.UnitRank == 0 {
		fmt.Fprintf(&b, "units: all %d · active %d, inertia %d\n", n.Units, n.Active, n.Units-n.Active)
	} else {
		fmt.Fprintf(&b, "unit #%d of %d (channel %d) · SA = %.4f\n", n.UnitRank, n.Units, n.Unit, n.UnitSA)
	}
	fmt.Fprintf(&b, "μ = %.4f · Dice(B, G) = %.4f", n.Mu, n.Dice)
	if n.Axis != "" {
		fmt.Fprintf(&b, "\n%s slice %s · SA, μ, Dice of the whole volume", n.Axis, n.SliceLabel())
	}
	return b.String()
}

func count(m []uint8) int {
	n := 0
	for _, v := range m {
		if v != 0 {
			n++
		}
	}
	return n
}

// Warm computes the analyses of every layer of one image (compiling the graphs
// of every layer shape on first use), so that later views only render.
func (e *Explorer) Warm(c Choice) error {
	c, err := e.Normalize(c)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	index := e.order[c.Dataset][c.Rank]
	for l := 1; l <= unet.NumLayers; l++ {
		if _, _, err := e.layerLocked(imageKey{c.Dataset, c.Mode, index}, l); err != nil {
			return err
		}
	}
	return nil
}

// featuresLocked returns the forward pass of the batch holding test image
// index, and the image's place in the batch.
func (e *Explorer) featuresLocked(k imageKey) (*batchFeatures, int, error) {
	start := k.index / unet.DefaultBatchSize * unet.DefaultBatchSize
	key := batchKey{k.dataset, k.mode, start}
	if bf, ok := e.feats[key]; ok {
		return bf, k.index - start, nil
	}
	ds, err := e.src.Dataset(k.dataset)
	if err != nil {
		return nil, 0, err
	}
	model, err := e.src.Model(k.dataset, k.mode)
	if err != nil {
		return nil, 0, err
	}
	batch := ds.Test[start:min(start+unet.DefaultBatchSize, len(ds.Test))]
	images, gt, err := ds.Batch(batch)
	if err != nil {
		return nil, 0, fmt.Errorf("explore: %s: %w", k.dataset, err)
	}
	out, err := model.Forward(images)
	if err != nil {
		return nil, 0, fmt.Errorf("explore: %s %s forward pass: %w", k.dataset, k.mode, err)
	}
	if len(out.Features) != unet.NumLayers {
		return nil, 0, fmt.Errorf("explore: model gave %d feature maps, want %d", len(out.Features), unet.NumLayers)
	}
	bf := &batchFeatures{n: len(batch), spatial: spatialDims(ds)}
	for _, f := range out.Features {
		d := f.Shape().Dimensions
		if len(d) != len(bf.spatial)+2 {
			return nil, 0, fmt.Errorf("explore: feature shaped %s, want [N, %d spatial axes, C]", f.Shape(), len(bf.spatial))
		}
		bf.dims = append(bf.dims, slices.Clone(d))
		bf.feats = append(bf.feats, tensors.MustCopyFlatData[float32](f))
	}
	bf.mask = tensors.MustCopyFlatData[float32](out.Mask)
	bf.gt = tensors.MustCopyFlatData[float32](gt)
	e.feats[key] = bf
	return bf, k.index - start, nil
}

// spatialDims are the spatial axes of a sample of ds: [H, W], or [D, H, W]
// for a volume.
func spatialDims(ds *data.Dataset) []int {
	if ds.Volumetric() {
		return []int{ds.Depth, ds.Height, ds.Width}
	}
	return []int{ds.Height, ds.Width}
}

// sampleOf is sample i of flat batch data whose samples are shaped dims: a
// tensor [1, dims...].
func sampleOf(flat []float32, i int, dims []int) *tensors.Tensor {
	size := 1
	for _, d := range dims {
		size *= d
	}
	return tensors.FromFlatDataAndDimensions(flat[i*size:(i+1)*size], append([]int{1}, dims...)...)
}

// layerLocked returns (computing once) the analysis of one layer of one image.
func (e *Explorer) layerLocked(k imageKey, layer int) (*layerData, *batchFeatures, error) {
	bf, i, err := e.featuresLocked(k)
	if err != nil {
		return nil, nil, err
	}
	key := layerKey{k, layer}
	if ld, ok := e.layers[key]; ok {
		return ld, bf, nil
	}
	d := bf.dims[layer-1]
	f := sampleOf(bf.feats[layer-1], i, d[1:])
	mask, gt := sampleOf(bf.mask, i, bf.spatial), sampleOf(bf.gt, i, bf.spatial)
	name := fmt.Sprintf("layer%02d", layer)
	lr, ur, err := e.analyzer.LayerUnits(name, f, mask, gt, nil, true)
	if err != nil {
		return nil, nil, err
	}
	outs, err := e.probs.Exec(f, mask)
	if err != nil {
		return nil, nil, fmt.Errorf("explore: %s p_t: %w", name, err)
	}
	ld := newLayerData(lr, ur, tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1]), d[len(d)-1])
	e.analyses++
	e.layers[key] = ld
	e.remember(k)
	return ld, bf, nil
}

// newLayerData gathers the analysis of a layer with c units on one image: its
// layer and unit results, its layer-level p_t and its units' p_t.
func newLayerData(lr *protoseg.LayerResult, ur *protoseg.UnitResult, p, unitP []float32, c int) *layerData {
	ld := &layerData{sa: lr.SA[0], sam: lr.SAM[0], p: p, unitSA: ur.SA[0], unitSAMs: ur.SAMs[0], unitP: unitP, c: c}
	// The analyzer's conventions (empty object → all background, …) decide the
	// SAMs; show p_t consistent with them.
	switch {
	case lr.EmptyObject[0]:
		clear(ld.p)
		clear(ld.unitP)
	case lr.EmptyBackground[0]:
		for p := range ld.p {
			ld.p[p] = 1
		}
		for p := range ld.unitP {
			ld.unitP[p] = 1
		}
	}
	ld.byRank = make([]int, ld.c)
	for j := range ld.byRank {
		ld.byRank[j] = j
	}
	slices.SortStableFunc(ld.byRank, func(a, b int) int { return cmp.Compare(ld.unitSA[b], ld.unitSA[a]) })
	_, ld.active = protoseg.ActiveUnits(ld.unitSA)
	return ld
}

// bytes is about the memory the analysis holds.
func (ld *layerData) bytes() int64 {
	n := int64(len(ld.sam)) + 4*int64(len(ld.p)+len(ld.unitP)) + 8*int64(len(ld.unitSA))
	for _, m := range ld.unitSAMs {
		n += int64(len(m.Bytes()))
	}
	return n
}

// remember marks image k as recently used and drops the analyses of the oldest
// images beyond MaxImages or MaxBytes (keeping k's).
func (e *Explorer) remember(k imageKey) {
	if i := slices.Index(e.lru, k); i >= 0 {
		e.lru = append(e.lru[:i], e.lru[i+1:]...)
	}
	e.lru = append(e.lru, k)
	var total int64
	for _, ld := range e.layers {
		total += ld.bytes()
	}
	for len(e.lru) > 1 && (len(e.lru) > e.MaxImages || total > e.MaxBytes) {
		old := e.lru[0]
		e.lru = e.lru[1:]
		for l := 1; l <= unet.NumLayers; l++ {
			if ld, ok := e.layers[layerKey{old, l}]; ok {
				total -= ld.bytes()
				delete(e.layers, layerKey{old, l})
			}
		}
	}
}
