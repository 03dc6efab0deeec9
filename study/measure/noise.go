package measure

import (
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/unet"
)

// DefaultNoiseLevels are the paper's uniform-noise levels 0.1, 0.2, …, 1.0 (Fig. 16).
var DefaultNoiseLevels = []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0}

// NoiseStudy adds uniform noise U(0, level) to every pixel and channel of the test
// images (inputs are in [0,1]), runs the model again and returns, for every level,
// the per-layer mean over test images of SA(noisy) − SA(clean) (Fig. 16). clean is
// the per-image layer SA of the clean images ([ModelResults.LayerSA]). Prototypes
// come from the model's own output on the noisy image, as for clean images. The
// noise is drawn from a PCG generator seeded with seed, so runs repeat exactly.
func NoiseStudy(a *protoseg.Analyzer, model Model, ds *data.Dataset, clean [][]float64, levels []float64,
	seed uint64, batchSize int) ([][]float64, error) {
	if len(clean) != len(ds.Test) {
		return nil, fmt.Errorf("study: noise study: %d clean SA rows for %d test images of %s", len(clean), len(ds.Test), ds.Name)
	}
	if batchSize <= 0 {
		batchSize = unet.DefaultBatchSize
	}
	out := make([][]float64, len(levels))
	for li, level := range levels {
		if level < 0 {
			return nil, fmt.Errorf("study: noise level %v < 0", level)
		}
		rng := rand.New(rand.NewPCG(seed, uint64(li)))
		sums := make([]float64, len(clean[0]))
		for start := 0; start < len(ds.Test); start += batchSize {
			batch := ds.Test[start:min(start+batchSize, len(ds.Test))]
			images, gt, err := ds.Batch(batch)
			if err != nil {
				return nil, err
			}
			tensors.MustMutableFlatData(images, func(x []float32) {
				for i := range x {
					x[i] += float32(rng.Float64() * level)
				}
			})
			o, err := model.Forward(images)
			if err != nil {
				return nil, fmt.Errorf("study: %s: noise %.1f: %w", ds.Name, level, err)
			}
			if len(o.Features) != len(sums) {
				return nil, fmt.Errorf("study: %s: model gave %d features, clean results have %d", ds.Name, len(o.Features), len(sums))
			}
			for l, f := range o.Features {
				r, err := a.Layer(unet.LayerName(l+1), f, o.Mask, gt, nil)
				if err != nil {
					return nil, fmt.Errorf("study: %s: noise %.1f: %w", ds.Name, level, err)
				}
				for i, sa := range r.SA {
					sums[l] += sa - clean[start+i][l]
				}
			}
		}
		for l := range sums {
			sums[l] /= float64(len(ds.Test))
		}
		out[li] = sums
	}
	return out, nil
}
