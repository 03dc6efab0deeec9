package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
)

func TestDataCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "preview.png")
	stdout, stderr, code := runCLI(t, "data", "--dataset", "covid-synth", "--size", "32", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"covid-synth", "1 channels, 32×32", "train:", "test:", "object fraction"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	img, err := data.ReadImage(out)
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	if img.Channels != 3 || img.Width < 4*32 {
		t.Fatalf("preview is %d×%d×%d, want an RGB grid of at least 4 images", img.Height, img.Width, img.Channels)
	}
	_, stderr, code = runCLI(t, "data", "--dataset", "brats", "--root", filepath.Join(t.TempDir(), "nowhere"))
	if code != 1 || !strings.Contains(stderr, "nowhere") {
		t.Fatalf("missing root: exit %d, %q", code, stderr)
	}
	if _, _, code = runCLI(t, "data"); code != 1 {
		t.Fatalf("no --dataset: exit %d, want 1", code)
	}
}
