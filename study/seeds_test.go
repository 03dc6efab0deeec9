package study

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
)

// A multi-seed summary's results.json answers for the whole run: datasets with
// the calibration over all seeds and every seed's entry, findings, QC per seed.
func TestRunSeedsResultsJSON(t *testing.T) {
	b := fixture.MustBackend(t)
	out := t.TempDir()
	cfg := Config{Datasets: []string{"brats-synth"}, Data: data.Options{Size: 32, TrainCount: 2, TestCount: 6},
		Out: out, NoiseLevels: []float64{1}, Describe: "seeds test", Metrics: []protoseg.Metric{protoseg.MetricJaccard}}
	setup := func(uint64, io.Writer) (backends.Backend, Trainer, error) { return b, &fakeTrainer{}, nil }
	if err := RunSeeds(cfg, []uint64{1, 2}, setup, io.Discard); err != nil {
		t.Fatal(err)
	}
	res := readResults(t, out)
	if len(res.Datasets) != 1 || len(res.Datasets[0].PerSeed) != 2 || res.Datasets[0].PerSeed[1].Seed != 2 || len(res.Findings) == 0 {
		t.Fatalf("summary datasets %+v, %d findings", res.Datasets, len(res.Findings))
	}
	d := res.Datasets[0]
	want := (d.PerSeed[0].Calibration.DiceMean + d.PerSeed[1].Calibration.DiceMean) / 2
	if math.Abs(d.Calibration.DiceMean-want) > 1e-12 {
		t.Fatalf("calibration over seeds: Dice mean %v, want %v", d.Calibration.DiceMean, want)
	}
	if len(res.Metrics) != 1 || res.Metrics[0].Metric != "jaccard" || len(res.Metrics[0].Findings) == 0 {
		t.Fatalf("summary appendix %+v", res.Metrics)
	}
	for _, f := range []string{"fig05.png", "fig10.svg", "fig11.png", "fig05-jaccard.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Fatalf("seed figure: %v", err)
		}
	}
	if _, ok := res.FailureDetection["brats-synth/seed2"]; !ok {
		t.Fatalf("QC per seed missing: %v", res.FailureDetection)
	}
}
