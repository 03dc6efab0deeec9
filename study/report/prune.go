package report

import (
	"fmt"

	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// PruneTable renders the pruning results of every dataset that has them.
func PruneTable(rs []*measure.DatasetResults) *plots.Table {
	t := &plots.Table{
		Name:   "pruning",
		Title:  "Beyond the paper — pruning the inertia units of layer 18 (offline model, no retraining): mean test Dice",
		Header: []string{"dataset", "units", "inertia units", "all units", "inertia units removed", "as many active units removed (control)"},
		Notes: []string{"Inertia units are those below the Otsu split of the sorted mean unit SA (Fig. 7). " +
			"If the last layer is oversized, as the paper suggests, removing them costs little while removing as many of the most active units costs much more."},
	}
	for _, r := range rs {
		p := r.Pruning
		if p == nil {
			continue
		}
		t.Rows = append(t.Rows, []string{r.Dataset.Name, fmt.Sprint(p.Units), fmt.Sprint(p.Inertia),
			fmt.Sprintf("%.4f", p.Full), fmt.Sprintf("%.4f", p.InertiaPruned), fmt.Sprintf("%.4f", p.ActivePruned)})
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}
