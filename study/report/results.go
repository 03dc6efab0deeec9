package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/study/claims"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/stats"
)

// ResultsFile is the name of the machine-readable results beside index.html.
const ResultsFile = "results.json"

// Results is the content of results.json: every number of the report (schema
// in the README). Undefined numbers are null.
type Results struct {
	// Config describes the run, as in the report's header.
	Config string `json:"config"`
	// Backend is the GoMLX backend the run used.
	Backend string `json:"backend"`
	// Dims is the number of spatial axes of the data: 2 for images, 3 for
	// volumes ([DimsOf]).
	Dims int `json:"dims"`
	// Datasets holds, per dataset, the calibration and the per-image measures.
	Datasets []DatasetJSON `json:"datasets"`
	// Findings are the paper's findings with verdicts, effects and 95 % CIs.
	Findings []FindingJSON `json:"findings"`
	// Seeds are the seeds combined in a multi-seed summary (omitted for one run,
	// whose seed is in config); each seed's own results.json is in seed<s>/.
	Seeds []uint64 `json:"seeds,omitempty"`
	// Metrics is the appendix: per SA metric beyond Dice, both models' measures
	// per dataset scored by it and the re-judged findings.
	Metrics []MetricJSON `json:"metrics,omitempty"`
	// QCJSON adds failure_detection, qc_scores and qc_dice (quality control).
	QCJSON
}

// DatasetJSON is one dataset in results.json. In a single run every field but
// Seed and PerSeed is set (an analysis that was skipped is absent). In the
// summary of a multi-seed run, an entry holds Name, Synthetic, Calibration over
// all seeds and PerSeed, one full entry per seed with its Seed.
type DatasetJSON struct {
	// Name is the registry name; Synthetic tells whether it is a stand-in.
	Name      string `json:"name"`
	Synthetic bool   `json:"synthetic"`
	// Seed is the seed of this entry (per-seed entries of a multi-seed run).
	Seed uint64 `json:"seed,omitempty"`
	// Calibration compares the stand-in's difficulty with the paper's.
	Calibration Calibration `json:"calibration"`
	// Offline and Online are the per-test-image measures of the two models.
	Offline *ModelJSON `json:"offline,omitempty"`
	Online  *ModelJSON `json:"online,omitempty"`
	// Sx is SA(S_x, G) per test image; VoG the VoG score per test image of the
	// online model (absent when it was skipped), VoGDegenerate its flags (images
	// predicted empty at every checkpoint, ranked hardest) and VoGCheckpoints
	// the number K of checkpoints it was computed from.
	Sx             []float64 `json:"sx,omitempty"`
	VoG            []float64 `json:"vog,omitempty"`
	VoGDegenerate  []bool    `json:"vog_degenerate,omitempty"`
	VoGCheckpoints int       `json:"vog_checkpoints,omitempty"`
	// DeltaB is the mean over test images of Dice(online) − Dice(offline).
	DeltaB *float64 `json:"delta_b,omitempty"`
	// Noise is the noise study of the offline model.
	Noise *NoiseJSON `json:"noise,omitempty"`
	// Pruning is the inertia-unit pruning table of the offline model (absent
	// when the model does not support pruning).
	Pruning *measure.PruneResult `json:"pruning,omitempty"`
	// Weights relates the last layer's units to their output weights (Fig. 18).
	Weights *WeightsJSON `json:"weights,omitempty"`
	// PerSeed holds every seed's entry (summary of a multi-seed run).
	PerSeed []DatasetJSON `json:"per_seed,omitempty"`
}

// WeightsJSON is [WeightRelation] in results.json: per unit of the last layer
// its mean SA and the magnitudes of its output weights, and Spearman ρ of the
// SA with each magnitude (null when undefined).
type WeightsJSON struct {
	UnitSA     []float64                `json:"unit_sa"`
	Object     []float64                `json:"object"`
	Background []float64                `json:"background"`
	Difference []float64                `json:"difference"`
	Spearman   map[string]*IntervalJSON `json:"spearman"`
}

// IntervalJSON is an effect with its 95 % interval.
type IntervalJSON struct {
	Effect float64 `json:"effect"`
	CILow  float64 `json:"ci_low"`
	CIHigh float64 `json:"ci_high"`
}

// weightsJSON converts w (nil stays nil).
func weightsJSON(w *measure.WeightRelation) *WeightsJSON {
	if w == nil {
		return nil
	}
	out := &WeightsJSON{UnitSA: w.UnitSA, Object: w.Object, Background: w.Background, Difference: w.Difference,
		Spearman: map[string]*IntervalJSON{}}
	for _, m := range measure.WeightMagnitudes {
		out.Spearman[m] = nil
		if iv, ok := w.Rho[m]; ok {
			out.Spearman[m] = &IntervalJSON{Effect: iv.Effect, CILow: iv.Low, CIHigh: iv.High}
		}
	}
	return out
}

// NoiseJSON is the noise study in results.json: diff[i][l] is the mean over
// test images of SA(noisy) − SA(clean) at levels[i], layer l+1.
type NoiseJSON struct {
	Levels []float64   `json:"levels"`
	Diff   [][]float64 `json:"diff"`
}

// ModelJSON holds one model's per-test-image measures: Dice(B, G), the SA of
// every layer (layer_sa[n][l] for layer l+1), the SA of every unit of the last
// layer (unit_sa[n][k]), μ, the degenerate flag and the number of degenerate
// images.
type ModelJSON struct {
	Dice            []float64   `json:"dice"`
	LayerSA         [][]float64 `json:"layer_sa"`
	UnitSA          [][]float64 `json:"unit_sa"`
	Mu              []float64   `json:"mu"`
	Degenerate      []bool      `json:"degenerate"`
	DegenerateCount int         `json:"degenerate_count"`
}

// MetricJSON is one metric of the appendix in results.json (in a multi-seed
// summary, datasets is empty: each seed's results.json has them, and findings
// are combined over seeds).
type MetricJSON struct {
	Metric   string              `json:"metric"`
	Datasets []MetricDatasetJSON `json:"datasets"`
	Findings []FindingJSON       `json:"findings"`
}

// MetricDatasetJSON is one dataset's measures with SA scored by a metric.
type MetricDatasetJSON struct {
	Name    string     `json:"name"`
	Offline *ModelJSON `json:"offline"`
	Online  *ModelJSON `json:"online"`
}

// metricsJSON gathers the appendix of results.json.
func metricsJSON(rs []*measure.DatasetResults, app []MetricAppendix) []MetricJSON {
	var out []MetricJSON
	for i, m := range appendixMetrics(rs) {
		mj := MetricJSON{Metric: m.String()}
		for _, v := range byMetric(rs, m) {
			mj.Datasets = append(mj.Datasets, MetricDatasetJSON{Name: v.Dataset.Name, Offline: modelJSON(v.Offline), Online: modelJSON(v.Online)})
		}
		if i < len(app) {
			mj.Findings = FindingsJSON(app[i].Findings)
		}
		out = append(out, mj)
	}
	return out
}

// FindingJSON is one finding in results.json: effect and CI are those of the
// dataset decided_by, whose interval decides the verdict; null (and "") when no
// defined dataset does.
type FindingJSON struct {
	Claim      string               `json:"claim"`
	Verdict    stats.Verdict        `json:"verdict"`
	Effect     *float64             `json:"effect"`
	CILow      *float64             `json:"ci_low"`
	CIHigh     *float64             `json:"ci_high"`
	DecidedBy  string               `json:"decided_by"`
	PerDataset []DatasetFindingJSON `json:"per_dataset"`
}

// DatasetFindingJSON is a finding's verdict on one dataset in results.json.
type DatasetFindingJSON struct {
	Name    string        `json:"name"`
	Verdict stats.Verdict `json:"verdict"`
	Effect  *float64      `json:"effect"`
	CILow   *float64      `json:"ci_low"`
	CIHigh  *float64      `json:"ci_high"`
	Detail  string        `json:"detail"`
}

func modelJSON(m *measure.ModelResults) *ModelJSON {
	return &ModelJSON{Dice: m.Dice, LayerSA: m.LayerSA, UnitSA: m.UnitSA, Mu: m.Mu, Degenerate: m.Degenerate,
		DegenerateCount: stats.CountTrue(m.Degenerate)}
}

// datasetJSON is one dataset's entry in results.json.
func datasetJSON(r *measure.DatasetResults) DatasetJSON {
	d := DatasetJSON{Name: r.Dataset.Name, Synthetic: data.Synthetic(r.Dataset.Name),
		Calibration: DatasetCalibration(r), Offline: modelJSON(r.Offline), Online: modelJSON(r.Online), Sx: r.Sx,
		VoG: r.VoG, VoGDegenerate: r.VoGDegenerate, VoGCheckpoints: r.VoGCheckpoints, Pruning: r.Pruning,
		Weights: weightsJSON(r.Weights)}
	if len(r.Online.Dice) == len(r.Offline.Dice) && len(r.Online.Dice) > 0 {
		db, _ := stats.MeanDiff(r.Online.Dice, r.Offline.Dice)(allIndices(len(r.Online.Dice)))
		d.DeltaB = &db
	}
	if r.Noise != nil {
		d.Noise = &NoiseJSON{Levels: r.NoiseLevels, Diff: r.Noise}
	}
	return d
}

// SeedsDatasetsJSON returns the datasets[] of a multi-seed summary from every
// seed's results (perSeed[i] ran with seeds[i]): per dataset, the calibration
// over all seeds (the mean over seeds of S_x, of the Dice mean and of the Dice
// SD) and every seed's full entry.
func SeedsDatasetsJSON(perSeed [][]*measure.DatasetResults, seeds []uint64) []DatasetJSON {
	var out []DatasetJSON
	index := map[string]int{}
	for i, rs := range perSeed {
		for _, r := range rs {
			d := datasetJSON(r)
			d.Seed = seeds[i]
			j, ok := index[d.Name]
			if !ok {
				j, index[d.Name] = len(out), len(out)
				out = append(out, DatasetJSON{Name: d.Name, Synthetic: d.Synthetic})
			}
			out[j].PerSeed = append(out[j].PerSeed, d)
		}
	}
	for j := range out {
		out[j].Calibration = meanCalibration(out[j].PerSeed)
	}
	return out
}

// allIndices is 0, 1, …, n−1.
func allIndices(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// GatherResults collects results.json from the results and findings.
func GatherResults(rs []*measure.DatasetResults, findings []claims.Finding, info ReportInfo) Results {
	out := Results{Config: info.Config, Backend: info.Backend, Dims: DimsOf(rs), QCJSON: QCResultsJSON(rs)}
	for _, r := range rs {
		out.Datasets = append(out.Datasets, datasetJSON(r))
	}
	out.Findings = FindingsJSON(findings)
	out.Metrics = metricsJSON(rs, info.Appendix)
	return out
}

// FindingsJSON converts findings for results.json.
func FindingsJSON(findings []claims.Finding) []FindingJSON {
	out := []FindingJSON{}
	for _, f := range findings {
		fj := FindingJSON{Claim: f.Claim, Verdict: f.Verdict}
		if f.Pooled {
			fj.Effect, fj.CILow, fj.CIHigh, fj.DecidedBy = jsonNumber(f.Effect), jsonNumber(f.CILow), jsonNumber(f.CIHigh), f.Decider
		}
		for _, d := range f.PerDataset {
			dj := DatasetFindingJSON{Name: d.Name, Verdict: d.Verdict, Detail: d.Detail}
			if d.Defined {
				dj.Effect, dj.CILow, dj.CIHigh = jsonNumber(d.Effect), jsonNumber(d.CILow), jsonNumber(d.CIHigh)
			}
			fj.PerDataset = append(fj.PerDataset, dj)
		}
		out = append(out, fj)
	}
	return out
}

// WriteResults writes results.json into dir.
func WriteResults(dir string, res Results) error {
	b, err := json.MarshalIndent(res, "", " ")
	if err != nil {
		return fmt.Errorf("study: encoding %s: %w", ResultsFile, err)
	}
	if err := os.WriteFile(filepath.Join(dir, ResultsFile), b, 0o644); err != nil {
		return fmt.Errorf("study: %w", err)
	}
	return nil
}

// DimsOf is the number of spatial axes of the datasets of rs: 3 when one of
// them holds volumes, else 2.
func DimsOf(rs []*measure.DatasetResults) int {
	for _, r := range rs {
		if r.Dataset != nil && r.Dataset.Volumetric() {
			return 3
		}
	}
	return 2
}
