package measure

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// thresholdModel segments channel 0 at 0.5; each of its layers has `units` units:
// the output mask itself and constants.
type ThresholdModel struct{ Layers, Units int }

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
