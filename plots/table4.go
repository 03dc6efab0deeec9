package plots

import (
	"fmt"
	"math"
)

// FailureRow is one dataset × method row of Table 4: how well a label-free
// quality score detects failed segmentations (Zenk et al., MedIA 2025). A metric
// that is undefined on the test set (e.g. AUROC when no image fails) is NaN.
type FailureRow struct {
	Dataset, Method                     string
	AURC, EAURC, AUGRC, Spearman, AUROC float64
}

// Table4 renders the failure-detection table: AURC, E-AURC and AUGRC (lower is
// better), Spearman ρ and failure AUROC (higher is better), the best value per
// dataset and column in bold. Rows of one dataset must be adjacent.
func Table4(rows []FailureRow, failureDice float64) (*Table, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: Table4: no rows", ErrEmpty)
	}
	t := &Table{Name: "table4", Title: "Table 4 — Failure detection by label-free quality scores (online model): AURC, E-AURC and AUGRC (↓), Spearman ρ with Dice and failure AUROC (↑); best per dataset in bold",
		Header: []string{"dataset", "method", "AURC ↓", "E-AURC ↓", "AUGRC ↓", "Spearman ρ ↑", "AUROC ↑"}}
	seen := map[string]bool{}
	for s := 0; s < len(rows); {
		e, err := failureGroup(rows, s)
		if err != nil {
			return nil, err
		}
		if seen[rows[s].Dataset] {
			return nil, fmt.Errorf("plots: Table4: rows of %q are not adjacent", rows[s].Dataset)
		}
		seen[rows[s].Dataset] = true
		t.Rows = append(t.Rows, failureCells(rows[s:e])...)
		s = e
	}
	t.Notes = []string{
		"Risk = 1 − Dice. AURC is the benchmark's trapezoid over the risk–coverage curve, with a point wherever the confidence changes (rc_curve_stats of the segmentation failure-detection benchmark, from fd-shifts); E-AURC subtracts the AURC of ranking by −risk; AUGRC (Traub et al., NeurIPS 2024) integrates the generalized risk (the share of images both kept and failed), which does not over-weight the first images kept. Tied scores are ordered by image index. " +
			fmt.Sprintf("AUROC separates failures (Dice < %g) from successes; — where no image or every image fails. ", failureDice) +
			"Scores as confidences: mu = μ, vog = −VoG, entropy / entropy_fg = −mean softmax entropy over the image / the predicted foreground, tta = mean pairwise Dice of the predictions under flips and 90° rotations. " +
			"Metrics after Zenk et al., \"Comparative benchmarking of failure detection methods in medical image segmentation\", Medical Image Analysis 2025; this table is beyond the ProtoSeg paper.",
	}
	return t, nil
}

// failureGroup checks the rows of the dataset whose first row is rows[s] and
// returns the end of its run of adjacent rows.
func failureGroup(rows []FailureRow, s int) (int, error) {
	e := s
	for e < len(rows) && rows[e].Dataset == rows[s].Dataset {
		if rows[e].Method == "" {
			return 0, fmt.Errorf("plots: Table4 %q: row %d has no method", rows[s].Dataset, e)
		}
		for _, v := range []float64{rows[e].AURC, rows[e].EAURC, rows[e].AUGRC} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fmt.Errorf("plots: Table4 %q %s: AURC/E-AURC/AUGRC is %v", rows[s].Dataset, rows[e].Method, v)
			}
		}
		e++
	}
	return e, nil
}

// failureColumn is one metric column of Table 4 and whether higher is better.
type failureColumn struct {
	get    func(FailureRow) float64
	higher bool
}

// failureColumns are Table 4's metric columns in order.
func failureColumns() []failureColumn {
	return []failureColumn{
		{func(r FailureRow) float64 { return r.AURC }, false},
		{func(r FailureRow) float64 { return r.EAURC }, false},
		{func(r FailureRow) float64 { return r.AUGRC }, false},
		{func(r FailureRow) float64 { return r.Spearman }, true},
		{func(r FailureRow) float64 { return r.AUROC }, true},
	}
}

// failureCells are the table rows of one dataset's methods, the best value of
// each column (NaN ignored; equal when printed) in bold.
func failureCells(group []FailureRow) [][]string {
	cols := failureColumns()
	best := make([]float64, len(cols))
	for c, col := range cols {
		best[c] = math.NaN()
		for _, r := range group {
			v := col.get(r)
			if math.IsNaN(v) {
				continue
			}
			if math.IsNaN(best[c]) || (col.higher && v > best[c]) || (!col.higher && v < best[c]) {
				best[c] = v
			}
		}
	}
	var out [][]string
	for _, r := range group {
		cells := []string{r.Dataset, r.Method}
		for c, col := range cols {
			v := col.get(r)
			cell := f3(v)
			if !math.IsNaN(v) && f3(v) == f3(best[c]) {
				cell = "**" + cell + "**"
			}
			cells = append(cells, cell)
		}
		out = append(out, cells)
	}
	return out
}
