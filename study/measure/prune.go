package measure

import (
	"fmt"
	"sort"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/stats"
	"github.com/protoseg-go/protoseg-go/unet"
)

// Pruner is a model whose output can be recomputed from its last feature map with
// some units removed (see unet.Network.PrunedOutput).
type Pruner interface {
	PrunedOutput(last *tensors.Tensor, keep []bool) ([][]uint8, error)
}

// PruneResult is the Dice lost when the inertia units of the last layer are
// removed without retraining — beyond the paper, testing its remark that the last
// layer is oversized (§4.5).
type PruneResult struct {
	// Units is the number of units of the last layer; Inertia how many fall below
	// the active threshold (Otsu split of the mean unit SA).
	Units   int `json:"units"`
	Inertia int `json:"inertia"`
	// Full is the mean Dice with every unit; InertiaPruned with the inertia units
	// removed; ActivePruned, the control, with as many of the most active units removed.
	Full          float64 `json:"full"`
	InertiaPruned float64 `json:"inertia_pruned"`
	ActivePruned  float64 `json:"active_pruned"`
}

// Prune measures [PruneResult] for model on the test set of ds, with unitSA the
// per-image unit SA of its last layer ([ModelResults.UnitSA]).
func Prune(model Model, pruner Pruner, ds *data.Dataset, unitSA [][]float64, batchSize int) (*PruneResult, error) {
	mean := stats.MeanColumns(unitSA)
	active, _ := protoseg.ActiveUnits(mean)
	order := make([]int, len(mean)) // units by SA, highest first
	for k := range order {
		order[k] = k
	}
	sort.SliceStable(order, func(a, b int) bool { return mean[order[a]] > mean[order[b]] })
	res := &PruneResult{Units: len(mean)}
	// The units kept in each of the three runs.
	keepAll, withoutInertia, withoutActive := make([]bool, len(mean)), make([]bool, len(mean)), make([]bool, len(mean))
	for k := range mean {
		keepAll[k], withoutInertia[k], withoutActive[k] = true, active[k], true
		if !active[k] {
			res.Inertia++
		}
	}
	for _, k := range order[:res.Inertia] {
		withoutActive[k] = false
	}
	if batchSize <= 0 {
		batchSize = unet.DefaultBatchSize
	}
	sums := make([]float64, 3)
	for start := 0; start < len(ds.Test); start += batchSize {
		batch := ds.Test[start:min(start+batchSize, len(ds.Test))]
		images, _, err := ds.Batch(batch)
		if err != nil {
			return nil, fmt.Errorf("study: %s: pruning: %w", ds.Name, err)
		}
		out, err := model.Forward(images)
		if err != nil {
			return nil, fmt.Errorf("study: %s: pruning: forward pass on test images %d–%d: %w", ds.Name, start, start+len(batch)-1, err)
		}
		last := out.Features[len(out.Features)-1]
		for j, keep := range [][]bool{keepAll, withoutInertia, withoutActive} {
			masks, err := pruner.PrunedOutput(last, keep)
			if err != nil {
				return nil, fmt.Errorf("study: %s: pruning: %w", ds.Name, err)
			}
			for i, m := range masks {
				d, err := protoseg.DiceScore(m, batch[i].Mask)
				if err != nil {
					return nil, fmt.Errorf("study: %s: pruning: test image %d: %w", ds.Name, start+i, err)
				}
				sums[j] += d
			}
		}
	}
	n := float64(len(ds.Test))
	res.Full, res.InertiaPruned, res.ActivePruned = sums[0]/n, sums[1]/n, sums[2]/n
	return res, nil
}
