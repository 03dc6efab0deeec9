package measure

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/unet"
)

// VoGScores computes the VoG baseline for every test image of ds from K ≥ 2
// checkpoints of a model, each gradient taken under that checkpoint's own
// binarised output (see [protoseg.VoG]). Higher means harder; degenerate flags
// the images predicted empty at every checkpoint.
func VoGScores(checkpoints []GradientModel, ds *data.Dataset, batchSize int) (vog []float64, degenerate []bool, err error) {
	if len(checkpoints) < 2 {
		return nil, nil, fmt.Errorf("study: VoG needs at least 2 checkpoints, got %d", len(checkpoints))
	}
	if batchSize <= 0 {
		batchSize = unet.DefaultBatchSize
	}
	for start := 0; start < len(ds.Test); start += batchSize {
		images, _, err := ds.Batch(ds.Test[start:min(start+batchSize, len(ds.Test))])
		if err != nil {
			return nil, nil, err
		}
		grads := make([][]float32, len(checkpoints))
		for k, m := range checkpoints {
			g, err := m.InputGradient(images)
			if err != nil {
				return nil, nil, fmt.Errorf("study: %s: VoG checkpoint %d: %w", ds.Name, k, err)
			}
			grads[k], err = tensors.CopyFlatData[float32](g)
			if err != nil {
				return nil, nil, fmt.Errorf("study: %s: VoG checkpoint %d: %w", ds.Name, k, err)
			}
		}
		v, deg, err := protoseg.VoG(grads, images.Shape().Dimensions[0], ds.Channels)
		if err != nil {
			return nil, nil, fmt.Errorf("study: %s: %w", ds.Name, err)
		}
		vog, degenerate = append(vog, v...), append(degenerate, deg...)
	}
	return vog, degenerate, nil
}
