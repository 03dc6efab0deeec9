package measure

import (
	"fmt"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/unet"
)

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
