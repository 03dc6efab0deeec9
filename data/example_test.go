package data_test

import (
	"fmt"

	"github.com/protoseg-go/protoseg-go/data"
)

// A newcomer's first call: load a stand-in (generated in memory, no download)
// and look at its split and one sample.
func ExampleLoad() {
	ds, err := data.Load("brats-synth", data.Options{Size: 32, Seed: 1, TrainCount: 4, TestCount: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := ds.Test[0]
	fmt.Println(ds.Name, "synthetic:", data.Synthetic(ds.Name))
	fmt.Printf("%d train / %d test images of %d×%d×%d\n", len(ds.Train), len(ds.Test), ds.Height, ds.Width, ds.Channels)
	fmt.Println("pixels per image:", len(s.Mask), "values per image:", len(s.Image))
	// Output:
	// brats-synth synthetic: true
	// 4 train / 2 test images of 32×32×4
	// pixels per image: 1024 values per image: 4096
}
