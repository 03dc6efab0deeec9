package study

import (
	"github.com/gomlx/gomlx/backends"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

func TestPoolOverSeeds(t *testing.T) {
	// Two seeds whose image-level replicates are constant (0 and 1): the two-stage
	// bootstrap draws both seeds, one twice or each once: means 0, ½, 1 with
	// probabilities ¼, ½, ¼, so the interval is [0, 1] around the effect ½.
	n := BootstrapResamples
	zeros, ones := make([]float64, n), make([]float64, n)
	for i := range ones {
		ones[i] = 1
	}
	iv, err := PoolOverSeeds([]Interval{{Effect: 0, Replicates: zeros}, {Effect: 1, Replicates: ones}}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if iv.Effect != 0.5 || iv.Low != 0 || iv.High != 1 {
		t.Fatalf("pooled %v [%v, %v], want 0.5 [0, 1]", iv.Effect, iv.Low, iv.High)
	}
	// Identical seeds: the interval is the seeds' own.
	same, _ := PoolOverSeeds([]Interval{{Effect: 1, Replicates: ones}, {Effect: 1, Replicates: ones}}, 3)
	if same.Low != 1 || same.High != 1 {
		t.Fatalf("identical seeds: [%v, %v]", same.Low, same.High)
	}
}

func TestCombineSeeds(t *testing.T) {
	a := Findings([]*DatasetResults{handResults(20)})
	b := Findings([]*DatasetResults{handResults(20)})
	c := CombineSeeds([][]Finding{a, b})
	if len(c) != len(a) {
		t.Fatalf("%d combined findings from %d", len(c), len(a))
	}
	for i := range c {
		if c[i].Verdict != a[i].Verdict || math.Abs(c[i].Effect-a[i].Effect) > 1e-12 {
			t.Fatalf("%q: identical seeds combine to %s %v, want %s %v", c[i].Claim, c[i].Verdict, c[i].Effect, a[i].Verdict, a[i].Effect)
		}
	}
	// The verdict of every combined dataset judges its printed interval.
	for _, f := range c {
		for _, d := range f.PerDataset {
			if d.Defined && f.Band.Judge(Interval{Low: d.CILow, High: d.CIHigh}) != d.Verdict {
				t.Errorf("%q %s: verdict %s disagrees with [%v, %v]", f.Claim, d.Name, d.Verdict, d.CILow, d.CIHigh)
			}
		}
		if f.Pooled && f.Band.Judge(Interval{Low: f.CILow, High: f.CIHigh}) != f.Verdict && f.Verdict != Inconclusive {
			t.Errorf("%q: overall verdict %s disagrees with [%v, %v]", f.Claim, f.Verdict, f.CILow, f.CIHigh)
		}
	}
}

// A multi-seed summary's results.json answers for the whole run: datasets with
// the calibration over all seeds and every seed's entry, findings, QC per seed.
func TestRunSeedsResultsJSON(t *testing.T) {
	b, err := testBackend()
	if err != nil {
		t.Fatal(err)
	}
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
