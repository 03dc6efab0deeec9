package protoseg_test

import (
	"fmt"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/janpfeifer/must"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// A 2×2 feature map with one channel, a 4×4 ground truth: the feature is
// up-sampled (bilinear) to the mask, the prototypes come from the mask itself, and
// the SA score says how well the two prototypes recover it.
func ExampleAnalyzer_Layer() {
	backend := must.M1(simplego.New("ops_sequential"))
	analyzer := must.M1(protoseg.NewAnalyzer(backend, protoseg.Bilinear))
	feature := tensors.FromFlatDataAndDimensions([]float32{
		1, 0,
		0, 0,
	}, 1, 2, 2, 1)
	mask := tensors.FromFlatDataAndDimensions([]float32{
		1, 1, 0, 0,
		1, 1, 0, 0,
		0, 0, 0, 0,
		0, 0, 0, 0,
	}, 1, 4, 4)
	res := must.M1(analyzer.Layer("example", feature, mask, mask, nil))
	fmt.Printf("SA = %.3f\n", res.SA[0])
	for y := range 4 {
		fmt.Println(res.SAM[0][4*y : 4*y+4])
	}
	// Output:
	// SA = 1.000
	// [1 1 0 0]
	// [1 1 0 0]
	// [0 0 0 0]
	// [0 0 0 0]
}

// LayerUnits gives what Layer and Units give for one feature, computing the
// prototypes once: here a feature of two units, the first a copy of the mask,
// the second its complement (both separate object and background exactly),
// whose layer SA and unit SAs are all 1, and whose heat-map (the fraction of
// units that call a pixel object) is 1 on the object.
func ExampleAnalyzer_LayerUnits() {
	backend := must.M1(simplego.New("ops_sequential"))
	analyzer := must.M1(protoseg.NewAnalyzer(backend, protoseg.Bilinear))
	mask := tensors.FromFlatDataAndDimensions([]float32{
		1, 1, 0, 0,
		1, 1, 0, 0,
		0, 0, 0, 0,
		0, 0, 0, 0,
	}, 1, 4, 4)
	var f []float32
	for _, m := range tensors.MustCopyFlatData[float32](mask) {
		f = append(f, m, 1-m)
	}
	feature := tensors.FromFlatDataAndDimensions(f, 1, 4, 4, 2)
	layer, units := must.M2(analyzer.LayerUnits("example", feature, mask, mask, nil, false))
	fmt.Printf("layer SA = %.3f, unit SA = %.3f\n", layer.SA[0], units.SA[0])
	fmt.Println("heat-map row 0:", units.HeatMap[0][:4])
	// Output:
	// layer SA = 1.000, unit SA = [1.000 1.000]
	// heat-map row 0: [1 1 0 0]
}
