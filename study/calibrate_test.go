package study

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/report"
	"github.com/protoseg-go/protoseg-go/study/stats"
	"github.com/protoseg-go/protoseg-go/unet"
)

// TestCalibrationPass checks the targets against the paper's brats values
// (Dice 0.8471 ± 0.23, S_x 0.657), just inside and just outside each tolerance.
func TestCalibrationPass(t *testing.T) {
	paper := func(v float64) *float64 { return &v }
	row := func(mean, sd, sx float64) *CalibrationRow {
		return &CalibrationRow{Mean: report.Calibration{DiceMean: mean, DiceSD: sd, Sx: sx,
			DiceMeanPaper: paper(0.8471), DiceSDPaper: paper(0.23), SxPaper: paper(0.657)}}
	}
	for _, c := range []struct {
		mean, sd, sx float64
		want         CalibrationPass
	}{
		{0.8471, 0.23, 0.657, CalibrationPass{true, true, true}},
		{0.7681, 0.151, 0.608, CalibrationPass{true, true, true}},
		{0.7661, 0.309, 0.706, CalibrationPass{false, true, true}},
		{0.9, 0.149, 0.7, CalibrationPass{true, false, true}},
		{0.9, 0.3, 0.6, CalibrationPass{true, true, false}},
	} {
		got := row(c.mean, c.sd, c.sx).Pass()
		if got != c.want {
			t.Errorf("Dice %.4f ± %.3f, S_x %.3f: %+v, want %+v", c.mean, c.sd, c.sx, got, c.want)
		}
	}
	if (&CalibrationRow{Mean: report.Calibration{DiceMean: 0.8}}).Pass().All() {
		t.Error("a dataset without paper values passes")
	}
}

// TestPresetSeeds checks that the calibration's default seeds are reproduce's:
// 1 and 2 for the default preset, 1 for the quick one.
func TestPresetSeeds(t *testing.T) {
	if s := PresetSeeds(DefaultPreset()); len(s) != DefaultPreset().Seeds || s[0] != 1 || s[len(s)-1] != uint64(DefaultPreset().Seeds) {
		t.Errorf("default preset: seeds %v, want 1…%d", s, DefaultPreset().Seeds)
	}
	if s := PresetSeeds(Preset{}); len(s) != 1 || s[0] != 1 {
		t.Errorf("preset without seeds: %v, want [1]", s)
	}
}

// TestCalibrate trains the quick preset's offline model on brats-synth for two
// seeds and checks the row: per-seed numbers as the report computes them, their
// means, the paper's values, the printed row, and that a second call reuses the
// cached models.
func TestCalibrate(t *testing.T) {
	b := fixture.MustBackend(t)
	out := t.TempDir()
	row, err := Calibrate(b, QuickPreset(), "brats-synth", []uint64{1, 2}, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(row.Seeds) != 2 || len(row.Seeds[0].ImageDice) != QuickPreset().Test || len(row.Seeds[1].Meta) != QuickPreset().Test {
		t.Fatalf("row %+v", row)
	}
	for _, s := range row.Seeds {
		m, sd := protoseg.MeanSD(s.ImageDice)
		if m != s.DiceMean || sd != s.DiceSD || stats.Mean(s.ImageSx) != s.Sx {
			t.Errorf("seed %d: Dice %v ± %v, S_x %v; per image %v ± %v, %v", s.Seed, s.DiceMean, s.DiceSD, s.Sx, m, sd, stats.Mean(s.ImageSx))
		}
		if _, ok := s.Meta[0]["hard"]; !ok {
			t.Errorf("seed %d: Meta %v lacks the hard-case flag", s.Seed, s.Meta[0])
		}
	}
	// S_x does not depend on the model: it is the input's separableness.
	ds, err := data.Load("brats-synth", data.Options{Size: QuickPreset().Size, Seed: 2, TrainCount: QuickPreset().Train, TestCount: QuickPreset().Test})
	if err != nil {
		t.Fatal(err)
	}
	a, err := protoseg.NewAnalyzer(b, protoseg.Bilinear)
	if err != nil {
		t.Fatal(err)
	}
	sx, _, err := measure.Separableness(a, ds, 7)
	if err != nil || math.Abs(stats.Mean(sx)-row.Seeds[1].Sx) > 1e-12 {
		t.Fatalf("S_x of seed 2: %v (%v), row says %v", stats.Mean(sx), err, row.Seeds[1].Sx)
	}
	want := (row.Seeds[0].DiceSD + row.Seeds[1].DiceSD) / 2
	if math.Abs(row.Mean.DiceSD-want) > 1e-12 || row.Mean.SxPaper == nil || *row.Mean.SxPaper != 0.657 {
		t.Fatalf("mean %+v, want Dice SD %v and the paper's S_x 0.657", row.Mean, want)
	}
	var buf bytes.Buffer
	if err := WriteCalibration(&buf, row); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"brats-synth", "mean", "paper", "0.847", "0.230", "0.657", "±0.08", "±0.05"} {
		if !strings.Contains(buf.String(), w) {
			t.Errorf("printed row lacks %q:\n%s", w, buf.String())
		}
	}
	hist := filepath.Join(out, "seed1", "brats-synth", unet.Offline.String(), "history.jsonl")
	before, err := os.Stat(hist)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	again, err := Calibrate(b, QuickPreset(), "brats-synth", []uint64{1}, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Stat(hist); !after.ModTime().Equal(before.ModTime()) || again.Seeds[0].DiceMean != row.Seeds[0].DiceMean {
		t.Errorf("second call retrained or changed: Dice %v, was %v", again.Seeds[0].DiceMean, row.Seeds[0].DiceMean)
	}
}
