package data

import (
	"slices"
	"strings"
	"testing"
)

func TestSynthetic(t *testing.T) {
	// Only the registry answers: an unregistered "-synth" name is not a stand-in.
	for name, want := range map[string]bool{"brats-synth": true, "pancreas-synth": true, "brats": false, "isic": false, "liver-synth": false} {
		if got := Synthetic(name); got != want {
			t.Errorf("Synthetic(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestRegistry checks the registry's names, that its stand-ins are exactly the
// generators of synthSpecs, and that every other entry is a real dataset.
func TestRegistry(t *testing.T) {
	want := []string{"brats", "brats-synth", "covid", "covid-synth", "isic", "isic-synth", "pancreas", "pancreas-synth", "prostate", "prostate-synth"}
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	for _, name := range Names() {
		_, generated := synthSpecs[name]
		if Synthetic(name) != generated {
			t.Errorf("%s: Synthetic %v, but a synthSpec exists: %v", name, Synthetic(name), generated)
		}
	}
	if len(synthSpecs) != len(StandIns()) {
		t.Errorf("%d synthSpecs but %d stand-ins registered", len(synthSpecs), len(StandIns()))
	}
}

func TestStandIns(t *testing.T) {
	want := []string{"brats-synth", "isic-synth", "covid-synth", "prostate-synth", "pancreas-synth"}
	if got := StandIns(); !slices.Equal(got, want) {
		t.Errorf("StandIns() = %v, want %v", got, want)
	}
}

func TestParseNames(t *testing.T) {
	for s, want := range map[string][]string{
		"":                          StandIns(),
		"all":                       StandIns(),
		"isic-synth":                {"isic-synth"},
		" covid , brats-synth,isic": {"covid", "brats-synth", "isic"},
	} {
		got, err := ParseNames(s)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseNames(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"liver-synth", "brats,,isic", "brats-synth,all", "BraTS"} {
		_, err := ParseNames(s)
		if err == nil || !strings.HasPrefix(err.Error(), "data: unknown dataset ") || !strings.Contains(err.Error(), "(known: "+strings.Join(Names(), ", ")+")") {
			t.Errorf("ParseNames(%q): error %v, want one listing the known names", s, err)
		}
	}
	if _, err := ParseNames("brats,liver-synth"); err == nil || err.Error() != `data: unknown dataset "liver-synth" (known: `+strings.Join(Names(), ", ")+")" {
		t.Errorf("ParseNames: error %v, want one naming liver-synth", err)
	}
}
