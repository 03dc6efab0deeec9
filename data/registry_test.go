package data

import (
	"slices"
	"strings"
	"testing"
)

func TestSynthetic(t *testing.T) {
	// Only the registry answers: an unregistered "-synth" name is not a stand-in.
	for name, want := range map[string]bool{"brats-synth": true, "pancreas-synth": true, "prostate-synth3d": true, "covid-synth3d": true, "isic-synth3d": false, "brats": false, "isic": false, "liver-synth": false} {
		if got := Synthetic(name); got != want {
			t.Errorf("Synthetic(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestRegistry checks the registry's names, that its stand-ins are exactly the
// generators of synthSpecs, and that every other entry is a real dataset.
func TestRegistry(t *testing.T) {
	want := []string{"brats", "brats-synth", "brats-synth3d", "covid", "covid-synth", "covid-synth3d", "isic", "isic-synth", "pancreas", "pancreas-synth", "pancreas-synth3d", "prostate", "prostate-synth", "prostate-synth3d"}
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	for _, name := range Names() {
		_, generated := synthSpecs[name]
		_, generated3D := synth3DSpecs[name]
		if Synthetic(name) != (generated || generated3D) {
			t.Errorf("%s: Synthetic %v, but a synthSpec exists: %v, a synth3DSpec: %v", name, Synthetic(name), generated, generated3D)
		}
		if _, ok := synth3DKnobs[name]; ok != generated3D {
			t.Errorf("%s: synth3DKnobs entry %v, synth3DSpec %v", name, ok, generated3D)
		}
	}
	if len(synthSpecs) != len(StandIns()) || len(synth3DSpecs) != len(StandIns3D()) {
		t.Errorf("%d synthSpecs and %d synth3DSpecs but %d and %d stand-ins registered", len(synthSpecs), len(synth3DSpecs), len(StandIns()), len(StandIns3D()))
	}
}

func TestStandIns3D(t *testing.T) {
	want := []string{"brats-synth3d", "covid-synth3d", "prostate-synth3d", "pancreas-synth3d"}
	if got := StandIns3D(); !slices.Equal(got, want) {
		t.Errorf("StandIns3D() = %v, want %v", got, want)
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
		"all3d":                     StandIns3D(),
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
