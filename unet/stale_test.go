package unet

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStaleRunDiscarded checks that a finished run is reused for the same data
// but retrained from scratch when the data changed (another fingerprint, as after
// a generator change), and that a run from before fingerprints is stale too.
func TestStaleRunDiscarded(t *testing.T) {
	backend := testBackend(t)
	cfg := Config{Base: 4, InChannels: 1}
	tc := TrainConfig{Epochs: 2, Seed: 3, LearningRate: 3e-3}
	dir := filepath.Join(t.TempDir(), "run")
	old := discs(24, 32, 1)
	if _, err := Train(backend, cfg, tc, old, dir, nil); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	if _, err := Train(backend, cfg, tc, old, dir, &log); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "discarded") {
		t.Fatalf("same data, run discarded: %s", log.String())
	}
	changed := discs(24, 32, 1)
	changed.Train[0].Image[5] += 0.5 // one pixel of the "generator" changed
	log.Reset()
	tc.Epochs = 3
	if _, err := Train(backend, cfg, tc, changed, dir, &log); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "discarded") || strings.Contains(log.String(), "resuming") {
		t.Fatalf("changed data: want the run discarded and not resumed, log %q", log.String())
	}
	hist, err := ReadHistory(dir)
	if err != nil || len(hist) != 3 || hist[0].Epoch != 1 {
		t.Fatalf("after discarding: history %+v (%v), want epochs 1–3 of a fresh run", hist, err)
	}
	var saved savedConfig
	if err := readJSON(filepath.Join(dir, configFile), &saved); err != nil || saved.DataFingerprint != changed.Fingerprint() {
		t.Fatalf("config.json fingerprint %q (%v), want %q", saved.DataFingerprint, err, changed.Fingerprint())
	}
	// A config without fingerprint (written before there were any) is stale.
	saved.DataFingerprint = ""
	if err := writeJSON(filepath.Join(dir, configFile), saved); err != nil {
		t.Fatal(err)
	}
	if stale, err := discardStaleRun(dir, changed.Name, changed.Fingerprint(), &log); err != nil || !stale {
		t.Fatalf("run without fingerprint: discarded %v (%v)", stale, err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Errorf("after discarding, %d entries left in the run folder (%s, …)", len(left), left[0].Name())
	}
}
