package report

import (
	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// fig8 is Fig. 8: the last layer's unit SAMs with the lowest, middle and highest
// SA on each dataset's example image (offline model).
func fig8(rs []*measure.DatasetResults) (*plots.Figure, error) {
	var in []plots.UnitSAMs
	for _, v := range exampleViews(rs) {
		in = append(in, unitSAMs(v))
	}
	return plots.Fig8UnitSAMs(in, unitsPerGroup(in))
}

// unitSAMs builds Fig. 8's panel: the units of the last layer with their SA on the
// example image (offline model), in view v.
func unitSAMs(v exampleView) plots.UnitSAMs {
	ex := v.off
	u := plots.UnitSAMs{Dataset: v.label(), Image: v.image(), GT: v.truth()}
	for k, sam := range ex.UnitSAM {
		u.Units = append(u.Units, plots.UnitMap{Unit: k, SA: v.r.Offline.UnitSA[ex.Index][k], SAM: measure.SlicePlane(sam, v.p)})
	}
	return u
}

// unitsPerGroup is how many units Fig. 8 shows per group (lowest, middle,
// highest): 3, or fewer when a layer has fewer than 9 units.
func unitsPerGroup(us []plots.UnitSAMs) int {
	k := 3
	for _, u := range us {
		k = min(k, len(u.Units)/3)
	}
	return max(k, 1)
}
