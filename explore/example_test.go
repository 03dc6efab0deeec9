package explore

import (
	"fmt"

	"github.com/protoseg-go/protoseg-go/cpubackend"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// exampleExplorer explores four stand-in test images with made-up models (the
// tests' fakeModel); a notebook gets its explorer from a study session instead:
// FromSession(s), or Show(s) at once.
func exampleExplorer() (*Explorer, error) {
	b, err := cpubackend.New("")
	if err != nil {
		return nil, err
	}
	a, err := protoseg.NewAnalyzer(b, protoseg.Bilinear)
	if err != nil {
		return nil, err
	}
	src, err := fakeSourceOf(a, 32, 1, 4)
	if err != nil {
		return nil, err
	}
	return New(src, []string{"isic-synth"}, b, a)
}

// Show runs in a GoNB notebook cell; elsewhere it says so. What it opens with is
// Initial's reply: here, by default, the lowest-μ test image at layer 18 of the
// online model, all units.
func ExampleExplorer_Show() {
	e, err := exampleExplorer()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Show(State{}))
	r, err := e.Initial(State{})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := r.State
	fmt.Printf("%s, image %d of %d, %s model, layer %d, unit choice %d, compare %s\n",
		s.Dataset, s.Rank+1, r.Images, s.Mode, s.Layer, s.Unit, s.Compare)
	fmt.Println(len(r.Views), "view:", r.Views[0].Title)
	fmt.Println("unit choices:", len(r.UnitLabels))
	// Output:
	// explore: Show needs a GoNB notebook; use Explorer.View outside one
	// isic-synth, image 1 of 4, online model, layer 18, unit choice 0, compare none
	// 1 view: online · layer 18 (late) · all units
	// unit choices: 2
}
