package report

import (
	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// fig6 is Fig. 6: the layer SAMs of each dataset's example image ([pickExample]),
// offline and online.
func fig6(rs []*measure.DatasetResults) (*plots.Figure, error) {
	var in []plots.LayerSAMs
	for _, v := range exampleViews(rs) {
		ex := v.off.Index
		in = append(in, plots.LayerSAMs{Dataset: v.label(), Image: v.image(), GT: v.truth(),
			Offline: sliceAll(v.off.LayerSAM, v.p), Online: sliceAll(v.on.LayerSAM, v.p),
			OfflineSA: v.r.Offline.LayerSA[ex], OnlineSA: v.r.Online.LayerSA[ex]})
	}
	return plots.Fig6LayerSAMs(in)
}

// examplesOf returns the example image of Figs. 6, 8 and 9 ([pickExample]) and
// its kept maps of the offline and the online model (nil when not kept).
func examplesOf(r *measure.DatasetResults) (ex int, off, on *measure.Example) {
	if len(r.Offline.Examples) == 0 || len(r.Online.Examples) == 0 {
		return 0, nil, nil
	}
	ex = pickExample(r.Online)
	return ex, r.Offline.ExampleOf(ex), r.Online.ExampleOf(ex)
}

// pickExample chooses the example image of Fig. 6/8/9: among the kept examples,
// the one whose output is best (a clear object to look at).
func pickExample(m *measure.ModelResults) int {
	best := m.Examples[0].Index
	for _, ex := range m.Examples {
		if m.Dice[ex.Index] > m.Dice[best] {
			best = ex.Index
		}
	}
	return best
}
