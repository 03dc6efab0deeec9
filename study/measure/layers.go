package measure

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/unet"
)

// ModelResults holds every per-image measure of one trained model on a test set,
// computed in one pass (features are computed once per batch and feed every
// analysis).
type ModelResults struct {
	// Dice[n] is Dice(B, G) of the network output on test image n.
	Dice []float64
	// LayerSA[n][l] is the SA of layer l+1 (prototypes from B, score against G).
	LayerSA [][]float64
	// UnitSA[n][k] is the SA of unit k of the last layer (prototypes from B, score
	// against G).
	UnitSA [][]float64
	// Mu[n] is μ: the mean over the units of the last two layers of Dice(S_unit, B);
	// [protoseg.DegenerateMu] (0) when image n is degenerate.
	Mu []float64
	// Degenerate[n] is true when the output B of image n is empty or full: it has
	// no boundary, μ is set to the least confident value, coverage rejects the image
	// first and rankings by μ put it first; correlations use μ as given.
	Degenerate []bool
	// Heat[n] is the mean of the binary unit SAMs of the last layer (Fig. 9).
	Heat [][]float32
	// Heat1718[n] is the mean of the binary unit SAMs of the last two layers (Fig. 13).
	Heat1718 [][]float32
	// Output[n] is the binarised output B.
	Output [][]uint8
	// Examples holds the detailed maps of the first few test images.
	Examples []Example
	// Entropy[n] is −(the mean binary entropy of the softmax foreground
	// probability over image n), a confidence; nil when the model gives no
	// probability (Output.Prob).
	Entropy []float64
	// EntropyFG[n] is the same over the predicted foreground; an empty
	// prediction has no foreground, and its EntropyFG falls back to Entropy so
	// that it is not scored as perfectly certain.
	EntropyFG []float64
}

// Example holds, for one test image, the maps the figures draw.
type Example struct {
	// Index is the image's position in the test set.
	Index int
	// LayerSAM[l] is the SAM of layer l+1.
	LayerSAM [][]uint8
	// UnitSAM[k] is the SAM of unit k of the last layer.
	UnitSAM [][]uint8
}

// AnalyzeOptions configures [Analyze].
type AnalyzeOptions struct {
	// BatchSize is the number of images per forward pass (default
	// unet.DefaultBatchSize).
	BatchSize int
	// Examples is the number of leading test images whose SAMs are kept (default
	// DefaultExamples).
	Examples int
}

// DefaultExamples is the number of leading test images whose SAMs [Analyze]
// keeps for the figures.
const DefaultExamples = 4

// Analyze runs model over the test set of ds once and computes, from the same
// features, the layer SA of every layer, the unit SA of the last layer, μ over the
// last two layers, heat-maps, the output Dice and the entropy baselines.
func Analyze(a *protoseg.Analyzer, model Model, ds *data.Dataset, opts AnalyzeOptions) (*ModelResults, error) {
	rs, err := AnalyzeWith([]*protoseg.Analyzer{a}, model, ds, opts)
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// AnalyzeWith is [Analyze] with several analyzers (e.g. one per SA metric) on one
// forward pass per batch: the features are computed once and every analyzer
// scores them, giving one ModelResults each, in the order of analyzers. Dice(B,
// G), the output and the entropy baselines do not depend on the analyzer.
func AnalyzeWith(analyzers []*protoseg.Analyzer, model Model, ds *data.Dataset, opts AnalyzeOptions) ([]*ModelResults, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = unet.DefaultBatchSize
	}
	if opts.Examples <= 0 {
		opts.Examples = DefaultExamples
	}
	if len(ds.Test) == 0 {
		return nil, fmt.Errorf("study: %s has no test images", ds.Name)
	}
	rs := make([]*ModelResults, len(analyzers))
	for k := range rs {
		rs[k] = &ModelResults{}
	}
	for start := 0; start < len(ds.Test); start += opts.BatchSize {
		batch := ds.Test[start:min(start+opts.BatchSize, len(ds.Test))]
		images, gt, err := ds.Batch(batch)
		if err != nil {
			return nil, err
		}
		out, err := model.Forward(images)
		if err != nil {
			return nil, fmt.Errorf("study: %s: forward pass on test images %d–%d: %w", ds.Name, start, start+len(batch)-1, err)
		}
		if len(out.Features) < 2 {
			return nil, fmt.Errorf("study: %s: model gave %d feature maps, need at least 2", ds.Name, len(out.Features))
		}
		for k, a := range analyzers {
			if err := rs[k].addBatch(a, out, gt, start, opts.Examples); err != nil {
				return nil, fmt.Errorf("study: %s: %w", ds.Name, err)
			}
			if err := rs[k].addEntropy(out); err != nil {
				return nil, fmt.Errorf("study: %s: %w", ds.Name, err)
			}
		}
	}
	return rs, nil
}

// addBatch analyses one batch whose first image is test image start.
func (res *ModelResults) addBatch(a *protoseg.Analyzer, out *Output, gt *tensors.Tensor, start, examples int) error {
	n := gt.Shape().Dimensions[0]
	outMasks := protoseg.BinaryMaps(out.Mask)
	gtMasks := protoseg.BinaryMaps(gt)
	for i := range n {
		d, err := protoseg.DiceScore(outMasks[i], gtMasks[i])
		if err != nil {
			return err
		}
		res.Dice = append(res.Dice, d)
		res.Output = append(res.Output, outMasks[i])
	}
	var exs []*Example
	for i := range n {
		if start+i < examples {
			exs = append(exs, &Example{Index: start + i})
		}
	}
	if err := res.addLayers(a, out, gt, start, exs); err != nil {
		return err
	}
	return res.addUnits(a, out, gt, start, exs)
}

// addLayers appends the layer SA of every layer of a batch (prototypes from B,
// score against G) and the examples' layer SAMs.
func (res *ModelResults) addLayers(a *protoseg.Analyzer, out *Output, gt *tensors.Tensor, start int, exs []*Example) error {
	n := gt.Shape().Dimensions[0]
	layerSA := make([][]float64, n)
	for l, f := range out.Features {
		lr, err := a.Layer(unet.LayerName(l+1), f, out.Mask, gt, nil)
		if err != nil {
			return err
		}
		for i := range n {
			layerSA[i] = append(layerSA[i], lr.SA[i])
		}
		for _, ex := range exs {
			ex.LayerSAM = append(ex.LayerSAM, lr.SAM[ex.Index-start])
		}
	}
	res.LayerSA = append(res.LayerSA, layerSA...)
	return nil
}

// addUnits appends the unit SA of the last layer against G (Figs. 7–9, with the
// examples' unit SAMs), and μ, the degenerate flags and the pooled heat-map from
// the units of the last two layers against B itself (label-free).
func (res *ModelResults) addUnits(a *protoseg.Analyzer, out *Output, gt *tensors.Tensor, start int, exs []*Example) error {
	last := len(out.Features) - 1
	units, err := a.Units(unet.LayerName(last+1), out.Features[last], out.Mask, gt, nil, len(exs) > 0)
	if err != nil {
		return err
	}
	res.UnitSA = append(res.UnitSA, units.SA...)
	res.Heat = append(res.Heat, units.HeatMap...)
	for _, ex := range exs {
		ex.UnitSAM = make([][]uint8, len(units.SAMs[ex.Index-start]))
		for k, m := range units.SAMs[ex.Index-start] {
			ex.UnitSAM[k] = m.Unpack(nil)
		}
		res.Examples = append(res.Examples, *ex)
	}
	var against []*protoseg.UnitResult
	for _, l := range []int{last - 1, last} {
		u, err := a.Units(unet.LayerName(l+1), out.Features[l], out.Mask, out.Mask, nil, false)
		if err != nil {
			return err
		}
		against = append(against, u)
	}
	mu, err := protoseg.MeanUnitSA(against...)
	if err != nil {
		return err
	}
	res.Mu = append(res.Mu, mu...)
	deg, err := protoseg.Degenerate(against...)
	if err != nil {
		return err
	}
	res.Degenerate = append(res.Degenerate, deg...)
	res.Heat1718 = append(res.Heat1718, pooledHeat(against, gt.Shape().Dimensions[0])...)
	return nil
}

// pooledHeat is the heat-map of the units of several layers together: the mean of
// their binary unit SAMs, each layer's heat-map weighted by its unit count.
func pooledHeat(layers []*protoseg.UnitResult, n int) [][]float32 {
	var units float32
	for _, u := range layers {
		units += float32(len(u.SA[0]))
	}
	out := make([][]float32, n)
	for i := range n {
		h := make([]float32, len(layers[0].HeatMap[i]))
		for p := range h {
			var sum float32
			for _, u := range layers {
				sum += float32(len(u.SA[0])) * u.HeatMap[i][p]
			}
			h[p] = sum / units
		}
		out[i] = h
	}
	return out
}

// addEntropy appends the entropy baselines of a batch's output (see
// [ModelResults.Entropy]); a model without a probability leaves them nil.
func (res *ModelResults) addEntropy(out *Output) error {
	if out.Prob == nil {
		return nil
	}
	p := tensors.MustCopyFlatData[float32](out.Prob)
	masks := protoseg.BinaryMaps(out.Mask)
	if len(masks) == 0 || len(p) != len(masks)*len(masks[0]) {
		return fmt.Errorf("softmax probability has %d values, want one per output pixel", len(p))
	}
	size := len(masks[0])
	for i, m := range masks {
		all, fg := imageEntropy(p[i*size:(i+1)*size], m)
		res.Entropy = append(res.Entropy, all)
		res.EntropyFG = append(res.EntropyFG, fg)
	}
	return nil
}

// imageEntropy returns −(the mean binary entropy of p) over the image and over
// the foreground of mask (the image's when mask is empty).
func imageEntropy(p []float32, mask []uint8) (all, fg float64) {
	var nfg int
	for k, v := range p {
		h := binaryEntropy(float64(v))
		all += h
		if mask[k] != 0 {
			fg += h
			nfg++
		}
	}
	all /= float64(len(p))
	if nfg == 0 {
		return -all, -all
	}
	return -all, -fg / float64(nfg)
}

// ExampleOf returns the kept example of test image i, or nil when image i is not
// one of the examples.
func (m *ModelResults) ExampleOf(i int) *Example {
	for k := range m.Examples {
		if m.Examples[k].Index == i {
			return &m.Examples[k]
		}
	}
	return nil
}
