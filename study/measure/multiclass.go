package measure

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// ClassReport is the multi-class view of one class: per layer, the SA of the
// class's region of the multi-class SAM.
type ClassReport struct {
	Class  int          `json:"class"`
	Layers []ClassLayer `json:"layers"`
}

// ClassLayer is one layer's SA for one class: SA[i] is the Dice, on case i, of
// the voxels the multi-class SAM gives the class against the voxels the label (or,
// without a label, the prediction's argmax) gives it; two empty sets score 1
// (docs/design.md §1). MeanSA is the mean over cases.
type ClassLayer struct {
	Name   string    `json:"name"`
	MeanSA float64   `json:"mean_sa"`
	SA     []float64 `json:"sa"`
}

// classAnalysis runs [protoseg.MultiClassLogits] on each layer of each case, with
// the one-hot argmax of the probabilities as class masks (the prototypes), and
// scores each class's region of the argmax of the logits (the multi-class SAM).
type classAnalysis struct {
	exec   *Exec
	k      int
	layers []string
	sa     map[string][][]float64 // layer → [class][case]
	masks  *tensors.Tensor        // the current case's one-hot masks [1, S..., K]
	ref    []int32                // the current case's reference classes
}

func newClassAnalysis(backend backends.Backend, method protoseg.ResizeMethod, k int, layers []string) (*classAnalysis, error) {
	exec, err := NewExec(backend, func(f, masks *Node) *Node {
		return ArgMax(protoseg.MultiClassLogits(f, ConvertDType(masks, f.DType()), nil, method), -1, dtypes.Int32)
	})
	if err != nil {
		return nil, fmt.Errorf("study: building the multi-class analysis: %w", err)
	}
	exec.SetMaxCache(256)
	c := &classAnalysis{exec: exec, k: k, layers: layers, sa: map[string][][]float64{}}
	for _, name := range layers {
		c.sa[name] = make([][]float64, k)
	}
	return c, nil
}

// addCase sets the class masks and reference of the next case.
func (c *classAnalysis) addCase(out *data.CaseOutput) error {
	if out.Classes != c.k || out.Predicted == nil {
		return fmt.Errorf("study: multi-class analysis of %d classes given an output of %d", c.k, out.Classes)
	}
	dims := append(append([]int{1}, out.Spatial...), c.k)
	c.masks = tensors.FromShape(shapes.Make(dtypes.Float32, dims...))
	tensors.MustMutableFlatData(c.masks, func(x []float32) {
		for p, v := range out.Predicted {
			x[p*c.k+int(v)] = 1
		}
	})
	c.ref = out.Predicted
	if out.Label != nil {
		c.ref = out.Label
	}
	return nil
}

// layer scores every class on one layer of the current case; arr is C × S...
// with a batch axis of one, as [caseSource] reads it.
func (c *classAnalysis) layer(name string, arr *data.Array) error {
	f, err := FeatureTensor(arr, NCHW, c.masks.Shape().Dimensions[:c.masks.Rank()-1])
	if err != nil {
		return err
	}
	outs, err := c.exec.Exec(f, c.masks)
	if err != nil {
		return fmt.Errorf("study: layer %q: multi-class ProtoSeg: %w", name, err)
	}
	sam := tensors.MustCopyFlatData[int32](outs[0])
	inter, sizeS, sizeR := make([]float64, c.k), make([]float64, c.k), make([]float64, c.k)
	for p, s := range sam {
		r := c.ref[p]
		sizeS[s]++
		sizeR[r]++
		if s == r {
			inter[s]++
		}
	}
	for k := range c.k {
		dice := 1.0
		if den := sizeS[k] + sizeR[k]; den > 0 {
			dice = 2 * inter[k] / den
		}
		c.sa[name][k] = append(c.sa[name][k], dice)
	}
	return nil
}

// report gives the per-class layer SA in layer order.
func (c *classAnalysis) report() []ClassReport {
	out := make([]ClassReport, c.k)
	for k := range c.k {
		out[k].Class = k
		for _, name := range c.layers {
			mean, _ := protoseg.MeanSD(c.sa[name][k])
			out[k].Layers = append(out[k].Layers, ClassLayer{Name: name, MeanSA: mean, SA: c.sa[name][k]})
		}
	}
	return out
}
