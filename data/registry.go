package data

import (
	"fmt"
	"sort"
	"strings"
)

// DefaultSize is the model size (height = width) images are resized to when
// Options.Size is 0.
const DefaultSize = 64

// Options configures Load.
type Options struct {
	// Root is the folder of a real dataset (ignored by the synthetic stand-ins).
	Root string
	// Size is the height and width samples are resized to (default DefaultSize).
	Size int
	// Seed drives the synthetic generators and the train/test split by subject.
	Seed uint64
	// TrainCount and TestCount are the numbers of images of a synthetic stand-in
	// (defaults DefaultSynthTrain and DefaultSynthTest).
	TrainCount, TestCount int
	// KeepEmpty keeps slices whose mask has no object (skipped by default).
	KeepEmpty bool
	// TestFraction is the fraction of subjects put in the test split of a real
	// dataset (default DefaultTestFraction).
	TestFraction float64
	// Depth asks for volumes of Depth×Size×Size voxels (Dataset.Depth): 0 or 1
	// loads 2D samples, as before volumes existed. A real volumetric dataset
	// (brats, prostate, pancreas, covid in the Ma et al. layout) with Depth > 1
	// gives one sample per subject, resampled to that shape. A volumetric
	// stand-in ([StandIns3D]) always gives volumes, of DefaultDepth slices when
	// Depth is 0; a 2D stand-in or isic with Depth > 1 is an error.
	Depth int
}

// loader builds a dataset from options.
type loader func(name string, opts Options) (*Dataset, error)

// dataset is one registered dataset: its name, its loader, whether it is a
// synthetic stand-in generated in memory (as opposed to a real dataset read from
// Options.Root), and whether that stand-in is generated as volumes.
type dataset struct {
	name       string
	load       loader
	synthetic  bool
	volumetric bool
}

// registry lists the datasets, real ones then their 2D stand-ins, then the
// volumetric stand-ins, each in the paper's order (BraTS, ISIC, COVID-19,
// prostate, pancreas): the one place that names them and says which are
// stand-ins and which stand-ins are volumes.
var registry = []dataset{
	{"brats", loadBraTS, false, false},
	{"isic", loadISIC, false, false},
	{"covid", loadCOVID, false, false},
	{"prostate", loadProstate, false, false},
	{"pancreas", loadPancreas, false, false},
	{"brats-synth", loadSynth, true, false},
	{"isic-synth", loadSynth, true, false},
	{"covid-synth", loadSynth, true, false},
	{"prostate-synth", loadSynth, true, false},
	{"pancreas-synth", loadSynth, true, false},
	{"brats-synth3d", loadSynth3D, true, true},
	{"covid-synth3d", loadSynth3D, true, true},
	{"prostate-synth3d", loadSynth3D, true, true},
	{"pancreas-synth3d", loadSynth3D, true, true},
}

// lookup returns the registry entry called name.
func lookup(name string) (dataset, bool) {
	for _, d := range registry {
		if d.name == name {
			return d, true
		}
	}
	return dataset{}, false
}

// Names returns the registered dataset names, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for _, d := range registry {
		names = append(names, d.name)
	}
	sort.Strings(names)
	return names
}

// StandIns returns the names of the 2D synthetic stand-ins in the paper's
// order: brats-synth, isic-synth, covid-synth, prostate-synth, pancreas-synth.
func StandIns() []string { return standIns(false) }

// StandIns3D returns the names of the volumetric stand-ins in the paper's
// order: brats-synth3d, covid-synth3d, prostate-synth3d, pancreas-synth3d.
func StandIns3D() []string { return standIns(true) }

// standIns returns the stand-ins that are (or are not) volumetric.
func standIns(volumetric bool) []string {
	var names []string
	for _, d := range registry {
		if d.synthetic && d.volumetric == volumetric {
			names = append(names, d.name)
		}
	}
	return names
}

// ParseNames turns a comma-separated list of dataset names (spaces around each
// trimmed) into registry names, in the order given; "" or "all" means
// [StandIns], "all3d" [StandIns3D]. An unknown name is an error listing the
// known ones.
func ParseNames(s string) ([]string, error) {
	if s == "" || s == "all" {
		return StandIns(), nil
	}
	if s == "all3d" {
		return StandIns3D(), nil
	}
	var names []string
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		if _, ok := lookup(n); !ok {
			return nil, errUnknown(n)
		}
		names = append(names, n)
	}
	return names, nil
}

// errUnknown is the error for a name that is not registered.
func errUnknown(name string) error {
	return fmt.Errorf("data: unknown dataset %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Load builds the dataset registered under name.
func Load(name string, opts Options) (*Dataset, error) {
	d, ok := lookup(name)
	if !ok {
		return nil, errUnknown(name)
	}
	return d.load(name, opts)
}

// Synthetic tells whether name is registered as one of the generated stand-ins,
// as opposed to a real dataset read from disk (or not registered at all).
func Synthetic(name string) bool {
	d, ok := lookup(name)
	return ok && d.synthetic
}
