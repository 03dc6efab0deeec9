package unet_test

import (
	"fmt"
	"os"

	"github.com/protoseg-go/protoseg-go/cpubackend"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/unet"
)

// squares is a tiny dataset of 16×16 one-channel images: a bright square
// (the object) on a dark background, n training and 2 test images.
func squares(n int) *data.Dataset {
	const side = 16
	ds := &data.Dataset{Name: "squares", Channels: 1, Height: side, Width: side}
	for i := range n + 2 {
		s := data.Sample{Image: make([]float32, side*side), Mask: make([]uint8, side*side), Subject: fmt.Sprint(i)}
		for y := 4; y < 10; y++ {
			for x := 2 + i%4; x < 8+i%4; x++ {
				s.Mask[y*side+x], s.Image[y*side+x] = 1, 0.8
			}
		}
		if i < n {
			ds.Train = append(ds.Train, s)
		} else {
			ds.Test = append(ds.Test, s)
		}
	}
	return ds
}

// A tiny U-Net (Base 2) trained for one step (one epoch of one batch), then
// run on the test images: the 18 feature maps are [N, h, w, C] with the widths
// 2·(1,1,2,2,4,4,8,8,16,16,8,8,4,4,2,2,1,1) and four 2× poolings down to the
// deepest layers.
func Example() {
	backend, err := cpubackend.New("")
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, err := os.MkdirTemp("", "unet-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	ds := squares(4)
	cfg := unet.Config{Base: 2, InChannels: ds.Channels}
	tc := unet.TrainConfig{Mode: unet.Online, Epochs: 1, BatchSize: len(ds.Train), Seed: 1}
	net, err := unet.Train(backend, cfg, tc, ds, dir, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	hist, err := unet.ReadHistory(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("trained %d epoch; up-sampling %s\n", len(hist), net.Config.Upsample)

	images, _, err := ds.Batch(ds.Test)
	if err != nil {
		fmt.Println(err)
		return
	}
	pred, err := net.Forward(images)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(pred.Features), "feature maps; mask", pred.Mask.Shape().Dimensions)
	for _, l := range []int{1, 4, 9, 14, 18} {
		fmt.Printf("%s (%s): %v\n", unet.LayerName(l), unet.GroupOf(l), pred.Features[l-1].Shape().Dimensions)
	}
	// Output:
	// trained 1 epoch; up-sampling transpose
	// 18 feature maps; mask [2 16 16]
	// layer01 (early): [2 16 16 2]
	// layer04 (early): [2 8 8 4]
	// layer09 (abstract): [2 1 1 32]
	// layer14 (abstract): [2 4 4 8]
	// layer18 (late): [2 16 16 2]
}

// Modes and ways of up-sampling are typed; their names are what config.json
// holds, and ParseMode and ParseUpsample read them back from flags or files.
func ExampleParseMode() {
	for _, s := range []string{"online", "Online"} {
		m, err := unet.ParseMode(s)
		fmt.Printf("%q: %q, %v\n", s, m, err)
	}
	u, err := unet.ParseUpsample(unet.UpsampleResize.String())
	fmt.Println(u, err, unet.Modes())
	// Output:
	// "online": "online", <nil>
	// "Online": "", unet: mode must be "offline" or "online", got "Online"
	// resize <nil> [offline online]
}
