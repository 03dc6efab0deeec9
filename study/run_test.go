package study

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
)

// fakeTrainer "trains" the threshold model and returns three checkpoints.
type fakeTrainer struct{ calls []string }

func (f *fakeTrainer) Train(ds *data.Dataset, mode, dir string) (Model, []GradientModel, error) {
	f.calls = append(f.calls, ds.Name+"/"+mode)
	return thresholdModel{layers: NumLayers, units: 9},
		[]GradientModel{gradientModel{1}, gradientModel{1.5}, gradientModel{0.5}}, nil
}

func TestRun(t *testing.T) {
	b, err := testBackend()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	trainer := &fakeTrainer{}
	var log bytes.Buffer
	cfg := Config{
		Datasets:    []string{"brats-synth", "pancreas-synth"},
		Data:        data.Options{Size: 32, Seed: 1, TrainCount: 2, TestCount: 6},
		Out:         out,
		NoiseLevels: []float64{0.5, 1},
		Describe:    "test run",
	}
	rs, err := Run(cfg, b, trainer, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if got := strings.Join(trainer.calls, " "); got != "brats-synth/offline brats-synth/online pancreas-synth/offline pancreas-synth/online" {
		t.Fatalf("trainer calls: %s", got)
	}
	if len(rs) != 2 || len(rs[0].VoG) != len(rs[0].Dataset.Test) || len(rs[1].Noise) != 2 {
		t.Fatalf("results incomplete: %+v", rs[0])
	}
	for _, f := range []string{"index.html", "tables.md", "fig05.png", "fig16.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(log.String(), "done in") {
		t.Fatalf("log: %s", log.String())
	}
	if _, err := ParseDatasets("brats-synth,nope"); err == nil {
		t.Fatal("unknown dataset: no error")
	}
	if all, _ := ParseDatasets("all"); len(all) != 5 {
		t.Fatalf("all = %v", all)
	}
}
