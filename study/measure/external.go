package measure

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/stats"
	"github.com/protoseg-go/protoseg-go/unet"
)

// Layout is the axis order of external feature arrays.
type Layout string

// The feature layouts: channels first (PyTorch's [N, C, spatial...]) or last
// ([N, spatial..., C], the layout of the project's own features).
const (
	NCHW Layout = "nchw"
	NHWC Layout = "nhwc"
)

// ParseLayout returns the layout called s ("nchw" or "nhwc").
func ParseLayout(s string) (Layout, error) {
	switch l := Layout(s); l {
	case NCHW, NHWC:
		return l, nil
	}
	return "", fmt.Errorf("study: unknown feature layout %q (want nchw or nhwc)", s)
}

// FeatureSource gives external features one layer at a time, in order (e.g. an
// open [data.NPZ]).
type FeatureSource interface {
	// Names returns the layer names in order.
	Names() []string
	// Read reads one layer.
	Read(name string) (*data.Array, error)
}

// FeatureLayer is the analysis of one external layer.
type FeatureLayer struct {
	Name string `json:"name"`
	// Shape is the array's shape as stored.
	Shape []int `json:"shape"`
	// MeanSA is the mean over images of SA.
	MeanSA float64 `json:"mean_sa"`
	// SA[n] is the layer SA of image n (prototypes from B, score against G, or
	// against B without G).
	SA []float64 `json:"sa"`
	// UnitMeanSA[k] is the mean over images of the SA of unit k.
	UnitMeanSA []float64 `json:"unit_mean_sa"`
	// ActiveUnits is the number of units whose mean SA is above the active/inertia
	// threshold ([protoseg.ActiveThreshold]).
	ActiveUnits int `json:"active_units"`
}

// FeatureReport is the analysis of a network's features from any framework.
type FeatureReport struct {
	Images int `json:"images"`
	// Against is what SA is scored against: "gt" or "output" (B, when no ground
	// truth was given).
	Against string `json:"against"`
	// Metric names the SA metric ([protoseg.Metric], "dice" by default): every SA
	// below, the unit means, the active units and μ are scored by it.
	Metric string         `json:"metric"`
	Layers []FeatureLayer `json:"layers"`
	// MuLayers are the layers μ is taken over; Mu[n] is μ of image n.
	MuLayers []string  `json:"mu_layers"`
	Mu       []float64 `json:"mu"`
	// Degenerate[n] is true when B of image n is empty or full (no prototype pair).
	Degenerate []bool `json:"degenerate"`
}

// MaskTensor turns an output or ground-truth array [N, spatial...] into a float32
// tensor, checking for NaN/Inf.
func MaskTensor(a *data.Array, what string) (*tensors.Tensor, error) {
	if n := a.CountNonFinite(); n > 0 {
		return nil, fmt.Errorf("study: %s shaped %v has %d NaN or Inf values", what, a.Shape, n)
	}
	if len(a.Shape) < 3 {
		return nil, fmt.Errorf("study: %s shaped %v must be [N, H, W] or [N, D, H, W]", what, a.Shape)
	}
	t := tensors.FromShape(shapes.Make(dtypes.Float32, a.Shape...))
	tensors.MustMutableFlatData(t, func(x []float32) {
		for i := range x {
			x[i] = float32(a.At(i))
		}
	})
	return t, nil
}

// FeatureTensor checks one external layer against the mask shape [N, spatial...]
// and returns it as a tensor [N, spatial..., C] in its own dtype.
func FeatureTensor(a *data.Array, layout Layout, mask []int) (*tensors.Tensor, error) {
	if a.DType != "float16" && a.DType != "float32" && a.DType != "float64" {
		return nil, fmt.Errorf("study: layer %q: unsupported dtype %s (features must be float16, float32 or float64)", a.Name, a.DType)
	}
	if n := a.CountNonFinite(); n > 0 {
		return nil, fmt.Errorf("study: layer %q shaped %v has %d NaN or Inf values", a.Name, a.Shape, n)
	}
	r := len(a.Shape)
	if r != len(mask)+1 {
		return nil, fmt.Errorf("study: layer %q shaped %v does not match the output shaped %v: want %d axes ([N, C, spatial...] or [N, spatial..., C])",
			a.Name, a.Shape, mask, len(mask)+1)
	}
	perm := make([]int, r) // to [N, spatial..., C]
	for i := range perm {
		perm[i] = i
	}
	if layout == NCHW {
		for i := 1; i < r-1; i++ {
			perm[i] = i + 1
		}
		perm[r-1] = 1
	}
	out := make([]int, r)
	for i, p := range perm {
		out[i] = a.Shape[p]
	}
	if out[0] != mask[0] {
		return nil, fmt.Errorf("study: layer %q shaped %v has %d images, the output shaped %v has %d", a.Name, a.Shape, out[0], mask, mask[0])
	}
	for i := 1; i < r-1; i++ {
		if out[i] > mask[i] {
			return nil, fmt.Errorf("study: layer %q shaped %v (%s) is larger than the output shaped %v", a.Name, a.Shape, layout, mask)
		}
	}
	if a.Float64 != nil {
		t := tensors.FromShape(shapes.Make(dtypes.Float64, out...))
		tensors.MustMutableFlatData(t, func(x []float64) { data.PermuteInto(x, a.Float64, a.Shape, perm) })
		return t, nil
	}
	t := tensors.FromShape(shapes.Make(dtypes.Float32, out...))
	tensors.MustMutableFlatData(t, func(x []float32) { data.PermuteInto(x, a.Float32, a.Shape, perm) })
	return t, nil
}

// activeUnits counts the active units of a layer ([protoseg.ActiveUnits]).
func activeUnits(unitMean []float64) int {
	_, n := protoseg.ActiveUnits(unitMean)
	return n
}

// AnalyzeFeatures runs ProtoSeg on external features, one layer at a time (only
// one layer is in memory, twice: as read and as a tensor): layer SA and unit SA
// against gt (or against output when gt is nil), μ over the units of muLayers
// (default: the last two layers) against output, prototypes always from output;
// every score by the analyzer's metric ([protoseg.Analyzer.SetMetric]).
func AnalyzeFeatures(a *protoseg.Analyzer, src FeatureSource, output, gt *data.Array, layout Layout, muLayers []string) (*FeatureReport, error) {
	mask, err := MaskTensor(output, "output "+output.Name)
	if err != nil {
		return nil, err
	}
	rep := &FeatureReport{Images: output.Shape[0], Against: "output", Metric: a.Metric().String()}
	gtT := mask
	if gt != nil {
		if !slices.Equal(gt.Shape, output.Shape) {
			return nil, fmt.Errorf("study: ground truth shaped %v differs from the output shaped %v", gt.Shape, output.Shape)
		}
		if gtT, err = MaskTensor(gt, "ground truth "+gt.Name); err != nil {
			return nil, err
		}
		rep.Against = "gt"
	}
	names := src.Names()
	if rep.MuLayers, err = checkMuLayers(names, muLayers); err != nil {
		return nil, err
	}
	var mu []*protoseg.UnitResult
	for li, name := range names {
		arr, err := src.Read(name)
		if err != nil {
			return nil, err
		}
		f, err := FeatureTensor(arr, layout, output.Shape)
		if err != nil {
			return nil, err
		}
		u, err := rep.addLayer(a, name, arr.Shape, f, mask, gtT, li == 0)
		if err != nil {
			return nil, err
		}
		if slices.Contains(rep.MuLayers, name) {
			if gt != nil {
				if u, err = a.Units(name, f, mask, mask, nil, false); err != nil {
					return nil, err
				}
			}
			mu = append(mu, u)
		}
	}
	if rep.Mu, err = protoseg.MeanUnitSA(mu...); err != nil {
		return nil, err
	}
	return rep, nil
}

// checkMuLayers returns the layers μ averages over: muLayers, each of which must
// be among names, or by default the last two of names.
func checkMuLayers(names, muLayers []string) ([]string, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("study: no feature layers")
	}
	if len(muLayers) == 0 {
		return names[max(0, len(names)-2):], nil
	}
	for _, m := range muLayers {
		if !slices.Contains(names, m) {
			return nil, fmt.Errorf("study: μ layer %q is not among the features (%v)", m, names)
		}
	}
	return muLayers, nil
}

// addLayer appends the layer and unit SA of feature layer name (f, stored
// shaped shape) against gt with prototypes from mask, and on the first layer
// the degenerate flags; it returns the unit results.
func (rep *FeatureReport) addLayer(a *protoseg.Analyzer, name string, shape []int, f, mask, gt *tensors.Tensor, first bool) (*protoseg.UnitResult, error) {
	lr, ur, err := a.LayerUnits(name, f, mask, gt, nil, false)
	if err != nil {
		return nil, err
	}
	mean, _ := protoseg.MeanSD(lr.SA)
	unitMean := stats.MeanColumns(ur.SA)
	rep.Layers = append(rep.Layers, FeatureLayer{Name: name, Shape: shape, MeanSA: mean, SA: lr.SA, UnitMeanSA: unitMean, ActiveUnits: activeUnits(unitMean)})
	if first {
		rep.Degenerate = make([]bool, len(lr.SA))
		for i := range lr.SA {
			rep.Degenerate[i] = lr.EmptyObject[i] || lr.EmptyBackground[i]
		}
	}
	return ur, nil
}

// ExportFeatures writes one forward pass of a [Model] in the files `protoseg
// analyze` reads: dir/F.npz (the features, channels last, named by names or
// "layer01"…), dir/B.npy (the binarised output) and, when gt is not nil,
// dir/G.npy. Use it to check an analysis against the native one, or to analyse the
// features elsewhere.
func ExportFeatures(dir string, out *Output, gt *tensors.Tensor, names []string) error {
	var arrays []data.NamedArray
	for l, f := range out.Features {
		name := unet.LayerName(l + 1)
		if l < len(names) {
			name = names[l]
		}
		v, err := float32s(f)
		if err != nil {
			return fmt.Errorf("study: exporting %s: %w", name, err)
		}
		arrays = append(arrays, data.NamedArray{Name: name, Shape: f.Shape().Dimensions, Values: v})
	}
	if err := data.WriteNPZ(filepath.Join(dir, "F.npz"), arrays); err != nil {
		return err
	}
	for _, m := range []struct {
		file string
		t    *tensors.Tensor
	}{{"B.npy", out.Mask}, {"G.npy", gt}} {
		if m.t == nil {
			continue
		}
		v, err := float32s(m.t)
		if err != nil {
			return fmt.Errorf("study: exporting %s: %w", m.file, err)
		}
		if err := data.WriteNPY(filepath.Join(dir, m.file), m.t.Shape().Dimensions, v); err != nil {
			return err
		}
	}
	return nil
}

// float32s copies a float32 or float64 tensor as float32 values.
func float32s(t *tensors.Tensor) ([]float32, error) {
	switch t.DType() {
	case dtypes.Float32:
		return tensors.MustCopyFlatData[float32](t), nil
	case dtypes.Float64:
		x := tensors.MustCopyFlatData[float64](t)
		v := make([]float32, len(x))
		for i := range x {
			v[i] = float32(x[i])
		}
		return v, nil
	}
	return nil, fmt.Errorf("tensor shaped %s is not float32 or float64", t.Shape())
}
