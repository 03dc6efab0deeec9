package report

import (
	"github.com/protoseg-go/protoseg-go/data"

	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// fig8 is Fig. 8: the last layer's unit SAMs with the lowest, middle and highest
// SA on each dataset's example image (offline model).
func fig8(rs []*measure.DatasetResults) (*plots.Figure, error) {
	var in []plots.UnitSAMs
	for _, r := range rs {
		_, off, on := examplesOf(r)
		if off == nil || on == nil {
			continue
		}
		for _, p := range viewsOf(r.Dataset, off.Index) {
			in = append(in, unitSAMs(r.Dataset, r.Offline, off, p))
		}
	}
	return plots.Fig8UnitSAMs(in, unitsPerGroup(in))
}

// unitSAMs builds Fig. 8's panel: the units of the last layer with their SA on the
// example image, in view p.
func unitSAMs(ds *data.Dataset, m *measure.ModelResults, ex *measure.Example, p measure.Plane) plots.UnitSAMs {
	u := plots.UnitSAMs{Dataset: viewLabel(ds.Name, p), Image: testView(ds, ex.Index, p), GT: measure.SlicePlane(ds.Test[ex.Index].Mask, p)}
	for k, sam := range ex.UnitSAM {
		u.Units = append(u.Units, plots.UnitMap{Unit: k, SA: m.UnitSA[ex.Index][k], SAM: measure.SlicePlane(sam, p)})
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
