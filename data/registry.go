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
	// gives one sample per subject, resampled to that shape; isic with
	// Depth > 1 is an error.
	Depth int
}

// loader builds a dataset from options.
type loader func(name string, opts Options) (*Dataset, error)

// dataset is one registered dataset: its name, its loader, and whether it is a
// synthetic stand-in generated in memory (as opposed to a real dataset read from
// Options.Root).
type dataset struct {
	name      string
	load      loader
	synthetic bool
}

// registry lists the datasets, real ones then their stand-ins, each in the
// paper's order (BraTS, ISIC, COVID-19, prostate, pancreas): the one place that
// names them and says which are stand-ins.
var registry = []dataset{
	{"brats", loadBraTS, false},
	{"isic", loadISIC, false},
	{"covid", loadCOVID, false},
	{"prostate", loadProstate, false},
	{"pancreas", loadPancreas, false},
	{"brats-synth", loadSynth, true},
	{"isic-synth", loadSynth, true},
	{"covid-synth", loadSynth, true},
	{"prostate-synth", loadSynth, true},
	{"pancreas-synth", loadSynth, true},
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

// StandIns returns the names of the synthetic stand-ins in the paper's order:
// brats-synth, isic-synth, covid-synth, prostate-synth, pancreas-synth.
func StandIns() []string {
	var names []string
	for _, d := range registry {
		if d.synthetic {
			names = append(names, d.name)
		}
	}
	return names
}

// ParseNames turns a comma-separated list of dataset names (spaces around each
// trimmed) into registry names, in the order given; "" or "all" means
// [StandIns]. An unknown name is an error listing the known ones.
func ParseNames(s string) ([]string, error) {
	if s == "" || s == "all" {
		return StandIns(), nil
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
