package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCalibrateCommand runs the calibrate command with the quick preset on one
// seed and checks the printed row, the per-image listing and bad arguments.
func TestCalibrateCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cal")
	stdout, stderr, code := runCLI(t, "calibrate", "--dataset", "prostate-synth", "--seeds", "3", "--quick", "--images", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"calibrating prostate-synth", "seeds [3]", "Dice mean", "paper", "0.723", "0.230", "hard", "contrast", "prostate-synth: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	for _, args := range [][]string{{"--seeds", "1,x"}, {"--dataset", "nonesuch-synth"}} {
		if _, _, code := runCLI(t, append([]string{"calibrate", "--quick", "--out", out}, args...)...); code != 1 {
			t.Errorf("calibrate %v: exit %d, want 1", args, code)
		}
	}
}

func TestParseSeeds(t *testing.T) {
	s, err := parseSeeds("1, 2")
	if err != nil || len(s) != 2 || s[0] != 1 || s[1] != 2 {
		t.Fatalf("seeds %v (%v)", s, err)
	}
	if _, err := parseSeeds(""); err == nil {
		t.Error("empty seed list accepted")
	}
}
