package measure

import (
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
)

// unitZeroPruner recomputes the threshold model's output from unit 0 only, when kept.
type unitZeroPruner struct{}

func (unitZeroPruner) PrunedOutput(last *tensors.Tensor, keep []bool) ([][]uint8, error) {
	d := last.Shape().Dimensions
	f := tensors.MustCopyFlatData[float32](last)
	c, pixels := d[3], d[1]*d[2]
	out := make([][]uint8, d[0])
	for i := range out {
		out[i] = make([]uint8, pixels)
		for p := range pixels {
			if keep[0] && f[(i*pixels+p)*c] > 0.5 {
				out[i][p] = 1
			}
		}
	}
	return out, nil
}

func TestPrune(t *testing.T) {
	a := fixture.Analyzer(t)
	ds := fixture.TinyDataset(4)
	model := ThresholdModel{Layers: 2, Units: 5}
	res, err := Analyze(a, model, ds, AnalyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Prune(model, unitZeroPruner{}, ds, res.UnitSA, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Unit 0 is the only active unit: pruning the 4 inertia units keeps Dice 1;
	// pruning 4 units starting with the most active removes unit 0: Dice 0.
	if p.Units != 5 || p.Inertia != 4 || p.Full != 1 || p.InertiaPruned != 1 || p.ActivePruned != 0 {
		t.Fatalf("prune result %+v", p)
	}
}
