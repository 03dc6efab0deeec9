package measure

import (
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// DatasetResults gathers everything the figures and tables need of one dataset.
type DatasetResults struct {
	// Dataset is the test data (images and ground truth).
	Dataset *data.Dataset
	// Offline and Online are the two trained models' results on the test set.
	Offline, Online *ModelResults
	// Sx is SA(S_x, G) of every test image: input separableness; SxMaps are the
	// input SAMs S_x.
	Sx     []float64
	SxMaps [][]uint8
	// VoG is the VoG score of every test image (online model); nil when fewer
	// than two checkpoints exist. VoGDegenerate flags the images predicted empty
	// at every checkpoint; rank and correlate by [DatasetResults.VoGHardness].
	VoG           []float64
	VoGDegenerate []bool
	// VoGCheckpoints is K, the number of checkpoints VoG was computed from.
	VoGCheckpoints int
	// QC holds the quality-control scores of the online model and their
	// failure-detection metrics (Table 4, Fig. 17).
	QC *QCResults
	// NoiseLevels and Noise are the noise study of the offline model:
	// Noise[i][l] = mean SA(noisy) − SA(clean) at level i, layer l+1.
	NoiseLevels []float64
	Noise       [][]float64
	// Pruning is the inertia-unit pruning experiment (offline model), when the
	// model supports it.
	Pruning *PruneResult
	// Weights relates the offline model's last-layer units to their output
	// weights (Fig. 18), when the model exposes them.
	Weights *WeightRelation
	// ByMetric holds both models' measures with the SA scored by each metric of
	// the appendix (Config.Metrics).
	ByMetric []*MetricResults
}

// VoGHardness is the VoG score to rank and correlate by: VoG, with the
// degenerate images ranked hardest ([protoseg.VoGHardness]).
func (r *DatasetResults) VoGHardness() []float64 {
	return protoseg.VoGHardness(r.VoG, r.VoGDegenerate)
}
