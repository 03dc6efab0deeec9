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
}

// loader builds a dataset from options.
type loader func(name string, opts Options) (*Dataset, error)

// registry maps dataset names to loaders; it is the package's only global.
var registry = map[string]loader{}

func init() {
	for name := range synthSpecs {
		registry[name] = loadSynth
	}
}

// Names returns the registered dataset names, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Load builds the dataset registered under name.
func Load(name string, opts Options) (*Dataset, error) {
	l, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("data: unknown dataset %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return l(name, opts)
}

// Synthetic tells whether name is one of the generated stand-ins (the names
// ending in "-synth"), as opposed to a real dataset read from disk.
func Synthetic(name string) bool {
	_, ok := synthSpecs[name]
	return ok || strings.HasSuffix(name, "-synth")
}
