package measure

import (
	"fmt"
	"math"

	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/stats"
)

// HeadWeighter is a model whose output is a 1×1 convolution of its last feature
// map (see unet.Network.HeadWeights): w[k][j] is the weight of unit k in the
// logit of class j (0 = background, 1 = object).
type HeadWeighter interface {
	HeadWeights() (w [][]float64, bias []float64, err error)
}

// WeightRelation relates each unit of the last layer to its weights in the
// output layer — the paper's §5: "we did not find any relation between the SA
// scores and the corresponding learned weights on the units of the last layer".
type WeightRelation struct {
	// UnitSA is each unit's mean SA over the test images (offline model).
	UnitSA []float64
	// Object, Background and Difference are |w_k1|, |w_k0| and |w_k1 − w_k0|.
	Object, Background, Difference []float64
	// Rho holds Spearman's ρ of UnitSA with each magnitude ("object",
	// "background", "difference") and its 95 % percentile-bootstrap interval
	// over units; a ρ that is undefined (a constant series) is absent, and
	// Undefined says why.
	Rho       map[string]stats.Interval
	Undefined map[string]string
}

// WeightMagnitudes names the magnitudes of a WeightRelation, in report order.
var WeightMagnitudes = []string{"difference", "object", "background"}

// magnitude returns the named magnitude series of w.
func (w *WeightRelation) magnitude(name string) []float64 {
	switch name {
	case "object":
		return w.Object
	case "background":
		return w.Background
	}
	return w.Difference
}

// Weights relates the mean unit SA of the last layer (unitSA[n][k], as
// [ModelResults.UnitSA]) to the output weights of h. Intervals resample units
// ([BootstrapResamples], seeded with seed).
func Weights(unitSA [][]float64, h HeadWeighter, seed uint64) (*WeightRelation, error) {
	w, _, err := h.HeadWeights()
	if err != nil {
		return nil, fmt.Errorf("study: output weights: %w", err)
	}
	sa := stats.MeanColumns(unitSA)
	if len(w) != len(sa) {
		return nil, fmt.Errorf("study: output weights of %d units, unit SA of %d", len(w), len(sa))
	}
	rel := &WeightRelation{UnitSA: sa, Rho: map[string]stats.Interval{}, Undefined: map[string]string{}}
	for k, wk := range w {
		if len(wk) != 2 {
			return nil, fmt.Errorf("study: output weights of unit %d: %d classes, want 2", k, len(wk))
		}
		rel.Object = append(rel.Object, math.Abs(wk[1]))
		rel.Background = append(rel.Background, math.Abs(wk[0]))
		rel.Difference = append(rel.Difference, math.Abs(wk[1]-wk[0]))
	}
	for _, m := range WeightMagnitudes {
		iv, err := stats.Bootstrap(len(sa), stats.BootstrapResamples, seed, UnitSpearman(sa, rel.magnitude(m)))
		if err != nil {
			rel.Undefined[m] = err.Error()
			continue
		}
		rel.Rho[m] = iv
	}
	return rel, nil
}

// UnitSpearman is Spearman's ρ of x and y on resampled units.
func UnitSpearman(x, y []float64) func(idx []int) (float64, error) {
	return func(idx []int) (float64, error) { return protoseg.Spearman(stats.Pick(x, idx), stats.Pick(y, idx)) }
}
