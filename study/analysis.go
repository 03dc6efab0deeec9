package study

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
	// [unet.DefaultBatchSize], 10).
	BatchSize int
	// Examples is the number of leading test images whose SAMs are kept (default 4).
	Examples int
}

// Analyze runs model over the test set of ds once and computes, from the same
// features, the layer SA of every layer, the unit SA of the last layer, μ over the
// last two layers, heat-maps, and the output Dice.
func Analyze(a *protoseg.Analyzer, model Model, ds *data.Dataset, opts AnalyzeOptions) (*ModelResults, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = unet.DefaultBatchSize
	}
	if opts.Examples <= 0 {
		opts.Examples = 4
	}
	if len(ds.Test) == 0 {
		return nil, fmt.Errorf("study: %s has no test images", ds.Name)
	}
	res := &ModelResults{}
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
		if err := res.addBatch(a, out, gt, start, opts.Examples); err != nil {
			return nil, fmt.Errorf("study: %s: %w", ds.Name, err)
		}
	}
	return res, nil
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
	layerSA := make([][]float64, n)
	var exs []*Example
	for i := range n {
		if start+i < examples {
			exs = append(exs, &Example{Index: start + i})
		}
	}
	for l, f := range out.Features {
		lr, err := a.Layer(layerName(l), f, out.Mask, gt, nil)
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

	last := len(out.Features) - 1
	// Unit SA of the last layer against G (Fig. 7–9), with SAMs for the examples.
	units, err := a.Units(layerName(last), out.Features[last], out.Mask, gt, nil, len(exs) > 0)
	if err != nil {
		return err
	}
	res.UnitSA = append(res.UnitSA, units.SA...)
	res.Heat = append(res.Heat, units.HeatMap...)
	for _, ex := range exs {
		ex.UnitSAM = units.SAMs[ex.Index-start]
		res.Examples = append(res.Examples, *ex)
	}
	// μ: units of the last two layers against B itself (label-free).
	var against []*protoseg.UnitResult
	for _, l := range []int{last - 1, last} {
		u, err := a.Units(layerName(l), out.Features[l], out.Mask, out.Mask, nil, false)
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
	c17 := float32(len(against[0].SA[0]))
	c18 := float32(len(against[1].SA[0]))
	for i := range n {
		h := make([]float32, len(against[0].HeatMap[i]))
		for p := range h {
			h[p] = (c17*against[0].HeatMap[i][p] + c18*against[1].HeatMap[i][p]) / (c17 + c18)
		}
		res.Heat1718 = append(res.Heat1718, h)
	}
	return nil
}

// layerName is the name of layer l (0-based): "layer01" … "layer18".
func layerName(l int) string { return unet.LayerName(l + 1) }

// Separableness returns SA(S_x, G) and the SAM S_x for every test image of ds:
// ProtoSeg on the raw input channels with prototypes from G (the paper's input
// separableness).
func Separableness(a *protoseg.Analyzer, ds *data.Dataset, batchSize int) (sx []float64, sams [][]uint8, err error) {
	if batchSize <= 0 {
		batchSize = unet.DefaultBatchSize
	}
	for start := 0; start < len(ds.Test); start += batchSize {
		images, gt, err := ds.Batch(ds.Test[start:min(start+batchSize, len(ds.Test))])
		if err != nil {
			return nil, nil, err
		}
		r, err := a.Layer("input", images, gt, gt, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("study: %s: %w", ds.Name, err)
		}
		sx = append(sx, r.SA...)
		sams = append(sams, r.SAM...)
	}
	return sx, sams, nil
}
