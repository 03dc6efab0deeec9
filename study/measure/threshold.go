package measure

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// ThresholdModel is a reference model whose every number is known: it segments
// channel 0 of the input at 0.5, and each of its Layers feature maps has Units
// units (at least 2): unit 0 is the output mask itself, unit k the constant k.
// Its layer SA against an input whose channel 0 is the mask is 1 at every layer;
// tests and examples use it where a trained network would hide the arithmetic.
type ThresholdModel struct{ Layers, Units int }

// Forward thresholds channel 0 of images at 0.5; every layer holds the mask
// in unit 0 and the constant k in unit k.
func (m ThresholdModel) Forward(images *tensors.Tensor) (*Output, error) {
	d := images.Shape().Dimensions
	n, h, w, c := d[0], d[1], d[2], d[3]
	mask := tensors.FromShape(shapes.Make(dtypes.Float32, n, h, w))
	x := tensors.MustCopyFlatData[float32](images)
	mv := make([]float32, n*h*w)
	for i := range mv {
		if x[i*c] > 0.5 {
			mv[i] = 1
		}
	}
	tensors.MustMutableFlatData(mask, func(f []float32) { copy(f, mv) })
	out := &Output{Mask: mask, Prob: mask}
	u := max(m.Units, 2)
	for range m.Layers {
		f := make([]float32, n*h*w*u)
		for i, v := range mv {
			f[u*i] = v
			for k := 1; k < u; k++ {
				f[u*i+k] = float32(k)
			}
		}
		out.Features = append(out.Features, tensors.FromFlatDataAndDimensions(f, n, h, w, u))
	}
	return out, nil
}
