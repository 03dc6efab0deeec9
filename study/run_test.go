package study

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/stats"
	"github.com/protoseg-go/protoseg-go/unet"
)

// fakeTrainer "trains" the threshold model and returns three checkpoints.
type fakeTrainer struct{ calls []string }

func (f *fakeTrainer) Train(ds *data.Dataset, mode unet.Mode, dir string) (measure.Model, []measure.GradientModel, error) {
	f.calls = append(f.calls, ds.Name+"/"+mode.String())
	return measure.ThresholdModel{Layers: unet.NumLayers, Units: 9},
		[]measure.GradientModel{fixture.GradientModel{Scale: 1}, fixture.GradientModel{Scale: 1.5}, fixture.GradientModel{Scale: 0.5}}, nil
}

func TestRun(t *testing.T) {
	b := fixture.MustBackend(t)
	out := t.TempDir()
	trainer := &fakeTrainer{}
	var log bytes.Buffer
	cfg := Config{
		Datasets:    []string{"brats-synth", "pancreas-synth"},
		Data:        data.Options{Size: 32, Seed: 1, TrainCount: 2, TestCount: 6},
		Out:         out,
		NoiseLevels: []float64{0.5, 1},
		Describe:    "test run",
		Metrics:     []protoseg.Metric{protoseg.MetricJaccard, protoseg.MetricNSD},
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
	for _, f := range []string{"index.html", "tables.md", "fig05.png", "fig16.svg", "fig05-jaccard.png", "fig05-nsd.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Fatal(err)
		}
	}
	res := readResults(t, out)
	if len(res.Datasets) != 2 || !res.Datasets[0].Synthetic || res.Datasets[0].Name != "brats-synth" ||
		len(res.Datasets[1].Online.Dice) != 6 || len(res.Datasets[1].Online.Degenerate) != 6 ||
		len(res.Datasets[1].Offline.LayerSA[0]) != unet.NumLayers || len(res.Datasets[0].VoG) != 6 ||
		len(res.Datasets[0].Offline.UnitSA[0]) != 9 || res.Datasets[0].VoGCheckpoints != 3 || res.Datasets[0].DeltaB == nil ||
		res.Datasets[0].Noise == nil || len(res.Datasets[0].Noise.Diff) != 2 {
		t.Fatalf("results.json datasets: %+v", res.Datasets)
	}
	c := res.Datasets[0].Calibration
	if c.SxPaper == nil || *c.SxPaper != 0.657 || c.DiceMeanPaper == nil || *c.DiceMeanPaper != 0.8471 || *c.DiceSDPaper != 0.23 {
		t.Fatalf("brats calibration: %+v", c)
	}
	if m, sd := protoseg.MeanSD(rs[0].Offline.Dice); c.DiceMean != m || c.DiceSD != sd || c.Sx != stats.Mean(rs[0].Sx) {
		t.Fatalf("calibration %+v, want Dice %v ± %v, S_x %v", c, m, sd, stats.Mean(rs[0].Sx))
	}
	// The appendix: Jaccard of the same SAM is Dice/(2 − Dice), image by image.
	if len(res.Metrics) != 2 || res.Metrics[0].Metric != "jaccard" || len(res.Metrics[1].Findings) == 0 {
		t.Fatalf("appendix metrics %+v", res.Metrics)
	}
	for d, md := range res.Metrics[0].Datasets {
		for n, row := range md.Offline.LayerSA {
			for l, j := range row {
				dice := res.Datasets[d].Offline.LayerSA[n][l]
				if math.Abs(j-dice/(2-dice)) > 1e-12 {
					t.Fatalf("%s image %d layer %d: jaccard %v, dice %v", md.Name, n, l+1, j, dice)
				}
			}
		}
	}
	if len(res.Findings) < 5 {
		t.Fatalf("%d findings in results.json", len(res.Findings))
	}
	for _, f := range res.Findings {
		if f.Verdict != stats.Holds && f.Verdict != stats.Fails && f.Verdict != stats.Inconclusive || len(f.PerDataset) == 0 {
			t.Fatalf("finding %+v", f)
		}
	}
	if !strings.Contains(log.String(), "done in") {
		t.Fatalf("log: %s", log.String())
	}
}
