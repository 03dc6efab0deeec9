package plots_test

import (
	"fmt"

	"github.com/protoseg-go/protoseg-go/plots"
)

// Fig. 5 from plain numbers: the mean SA of each of the 18 layers, offline and
// online, one panel per dataset. Save writes fig05.png and fig05.svg.
func ExampleFig5LayerSA() {
	off := make([]float64, 18)
	on := make([]float64, 18)
	for l := range off {
		off[l] = 0.3 + 0.03*float64(l)
		on[l] = off[l] + 0.02
	}
	f, err := plots.Fig5LayerSA([]plots.LayerSA{{Dataset: "brats-synth", Offline: off, Online: on}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Name)
	fmt.Println(f.Title)
	// Output:
	// fig05
	// Fig. 5 — Mean SA score per layer, offline vs online
}
