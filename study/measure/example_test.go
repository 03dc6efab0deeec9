package measure_test

import (
	"fmt"

	"github.com/protoseg-go/protoseg-go/study/measure"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/cpubackend"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// myModel stands for a user's own network: Forward runs it (for a GoMLX model,
// an Exec of the graph function that returns the features and the foreground
// probability) and hands the study the output and the named feature maps.
// Here the "network" thresholds channel 0 and its two layers are [x, 1−x] and
// [x, const].
type myModel struct{}

func (myModel) Forward(images *tensors.Tensor) (*measure.Output, error) {
	d := images.Shape().Dimensions
	n, h, w, c := d[0], d[1], d[2], d[3]
	x := tensors.MustCopyFlatData[float32](images)
	mask := make([]float32, n*h*w)
	l1, l2 := make([]float32, 2*n*h*w), make([]float32, 2*n*h*w)
	for i := range mask {
		if x[i*c] > 0.5 {
			mask[i] = 1
		}
		l1[2*i], l1[2*i+1] = x[i*c], 1-x[i*c]
		l2[2*i], l2[2*i+1] = mask[i], 0.5
	}
	b := tensors.FromFlatDataAndDimensions(mask, n, h, w)
	return &measure.Output{Mask: b, Prob: b, Features: []*tensors.Tensor{
		tensors.FromFlatDataAndDimensions(l1, n, h, w, 2),
		tensors.FromFlatDataAndDimensions(l2, n, h, w, 2)}}, nil
}

// A user's own model runs through the same study as the project's U-Net: layer
// SA, unit SA of the last layer and μ (measure.Analyze), and from there the noise
// study (measure.NoiseStudy) and the figures.
func ExampleAnalyze_ownModel() {
	backend, err := cpubackend.New("")
	if err != nil {
		fmt.Println(err)
		return
	}
	a, err := protoseg.NewAnalyzer(backend, protoseg.Bilinear)
	if err != nil {
		fmt.Println(err)
		return
	}
	ds := &data.Dataset{Name: "mine", Channels: 1, Height: 4, Width: 4}
	s := data.Sample{Image: make([]float32, 16), Mask: make([]uint8, 16)}
	for i := range 16 {
		if i%4 >= 2 {
			s.Image[i], s.Mask[i] = 1, 1
		}
	}
	ds.Test = []data.Sample{s}
	res, err := measure.Analyze(a, myModel{}, ds, measure.AnalyzeOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("layer SA %v, unit SA of the last layer %v, μ %.2f\n", res.LayerSA[0], res.UnitSA[0], res.Mu[0])
	// μ = (1 + 1 + 1 + 0)/4: 1−x separates as well as x (prototypes have no sign).

	// Output: layer SA [1 1], unit SA of the last layer [1 0], μ 0.75
}
