package study

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/report"
	"github.com/protoseg-go/protoseg-go/unet"
)

func TestSession(t *testing.T) {
	b := fixture.MustBackend(t)
	s, err := NewSession(b, []string{"isic-synth"}, Preset{Size: 32, Base: 2, Epochs: 2, Train: 10, Test: 6}, t.TempDir(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := s.History("isic-synth", unet.Online)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 {
		t.Fatalf("history %+v", hist)
	}
	f, err := s.Figure(5)
	if err != nil {
		t.Fatal(err)
	}
	if png, err := f.PNG(); err != nil || len(png) < 1000 {
		t.Fatalf("figure 5: %d bytes, %v", len(png), err)
	}
	tab, err := s.Table(3)
	if err != nil || len(tab.Rows) != 1 {
		t.Fatalf("table 3: %+v, %v", tab, err)
	}
	if tab, err := s.Table(4); err != nil || len(tab.Rows) != len(measure.QCMethods) || tab.Name != "table4" {
		t.Fatalf("table 4: %+v, %v", tab, err)
	}
	if f, err := s.Figure(report.QCFigureNumber); err != nil || f.Name != "fig17" {
		t.Fatalf("figure 17: %v", err)
	}
	if _, err := s.Figure(4); err == nil {
		t.Fatal("figure 4: no error")
	}
	r, err := s.Results("isic-synth")
	if err != nil {
		t.Fatal(err)
	}
	// A new session on the same folder reads the cached results.
	s2, err := NewSession(b, []string{"isic-synth"}, Preset{Size: 32, Base: 2, Epochs: 2, Train: 10, Test: 6}, s.Config.Out, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s2.Results("isic-synth")
	if err != nil {
		t.Fatal(err)
	}
	if r2.Dataset == nil || len(r2.Online.Mu) != len(r.Online.Mu) || r2.Online.Mu[0] != r.Online.Mu[0] {
		t.Fatal("cached results differ")
	}
	if _, err := os.Stat(filepath.Join(s.Config.Out, "isic-synth", "results.gob")); err != nil {
		t.Fatal(err)
	}
	if r.Pruning == nil || len(r.VoG) != 6 || len(r.Noise) != len(measure.DefaultNoiseLevels) {
		t.Fatalf("results incomplete: pruning %v, %d VoG, %d noise levels", r.Pruning, len(r.VoG), len(r.Noise))
	}
}

// The default preset trains long enough for the VoG baseline's K = 5 checkpoints
// (fewer epochs than K would leave fewer checkpoints than the captions state).
func TestDefaultPresetVoGCheckpoints(t *testing.T) {
	if k := len(unet.VoGEpochs(DefaultPreset().Epochs, unet.DefaultVoG)); k < unet.DefaultVoG || unet.DefaultVoG < 5 {
		t.Fatalf("default preset: %d epochs give K = %d VoG checkpoints, want ≥ 5", DefaultPreset().Epochs, k)
	}
}
