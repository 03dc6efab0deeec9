package study

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/protoseg-go/protoseg-go/cpubackend"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
	"github.com/protoseg-go/protoseg-go/study/report"
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

// One seed's datasets may run at once, each on its own backend and trainer: the
// results are byte for byte those of running them one after another, and each
// dataset's log lines carry its name.
func TestRunSeedsDatasetWorkers(t *testing.T) {
	run := func(workers int) ([]byte, string) {
		out := t.TempDir()
		cfg := Config{Datasets: []string{"brats-synth", "covid-synth", "pancreas-synth"}, Data: data.Options{Size: 32, TrainCount: 2, TestCount: 6},
			Out: out, NoiseLevels: []float64{1}, Describe: "dataset workers test", DatasetWorkers: workers}
		var setups atomic.Int32
		setup := func(uint64, io.Writer) (backends.Backend, Trainer, error) {
			setups.Add(1)
			b, err := cpubackend.New("")
			return b, &fakeTrainer{}, err
		}
		var log bytes.Buffer
		if err := RunSeeds(cfg, []uint64{1}, setup, &log); err != nil {
			t.Fatal(err)
		}
		if got := int(setups.Load()); got != workers {
			t.Errorf("%d workers: %d backends set up", workers, got)
		}
		raw, err := os.ReadFile(filepath.Join(out, report.ResultsFile))
		if err != nil {
			t.Fatal(err)
		}
		return raw, log.String()
	}
	one, _ := run(1)
	three, log := run(3)
	if !bytes.Equal(one, three) {
		t.Errorf("results.json differs between 1 and 3 dataset workers")
	}
	for _, name := range []string{"brats-synth", "covid-synth", "pancreas-synth"} {
		if !strings.Contains(log, "["+name+"] == "+name) {
			t.Errorf("log has no line of %s prefixed with its name:\n%s", name, log)
		}
	}
}
