package report

import (
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// TestPruneTable checks the pruning table's row: the dataset, the unit counts
// and the three mean Dice values to four decimals; no table without pruning.
func TestPruneTable(t *testing.T) {
	ds := &data.Dataset{Name: "tiny"}
	p := &measure.PruneResult{Units: 5, Inertia: 4, Full: 1, InertiaPruned: 1, ActivePruned: 0}
	table := PruneTable([]*measure.DatasetResults{{Dataset: ds, Pruning: p}})
	if table == nil || len(table.Rows) != 1 {
		t.Fatalf("pruning table %v, want one row", table)
	}
	if got, want := strings.Join(table.Rows[0], " "), "tiny 5 4 1.0000 1.0000 0.0000"; got != want {
		t.Errorf("row %q, want %q", got, want)
	}
	if PruneTable([]*measure.DatasetResults{{Dataset: ds}}) != nil {
		t.Error("a table without pruning results")
	}
}
