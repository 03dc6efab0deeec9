package data

import "testing"

func TestSynthetic(t *testing.T) {
	for name, want := range map[string]bool{"brats-synth": true, "pancreas-synth": true, "brats": false, "isic": false, "liver-synth": true} {
		if got := Synthetic(name); got != want {
			t.Errorf("Synthetic(%q) = %v, want %v", name, got, want)
		}
	}
}
