package report

import (
	"errors"
	"fmt"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/stats"
)

// Coverages are the coverage fractions of Table 2 (the paper prints 70 in its
// table and 75 in its caption: both are reported).
var Coverages = []float64{1, 0.9, 0.75, 0.7, 0.5}

// FirstFigure and LastFigure are the numbers of the paper's figures reproduced.
const (
	FirstFigure = 5
	LastFigure  = 16
)

// Figures returns the paper's figures 5–16 and, where measured, Figs. 17 and 18
// (beyond the paper: [QCFigure], [WeightFigure]) from the results of every
// dataset, in order.
func Figures(rs []*measure.DatasetResults) ([]*plots.Figure, error) {
	var figs []*plots.Figure
	for n := FirstFigure; n <= WeightFigureNumber; n++ {
		f, err := Figure(n, rs)
		if n > LastFigure && errors.Is(err, ErrNotMeasured) {
			continue
		}
		if err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// ErrNotMeasured is returned (wrapped) for a figure or table beyond the paper
// whose measurement no dataset has, e.g. Fig. 17 without QC results.
var ErrNotMeasured = errors.New("not measured")

// figureBuilders maps the number of each of the paper's figures 5–16 to its
// builder, one file each (fig05.go … fig16.go, as plots/doc.go lists them).
func figureBuilders() map[int]func([]*measure.DatasetResults) (*plots.Figure, error) {
	return map[int]func([]*measure.DatasetResults) (*plots.Figure, error){
		5: fig5, 6: fig6, 7: fig7, 8: fig8, 9: fig9, 10: fig10,
		11: fig11, 12: fig12, 13: fig13, 14: fig14, 15: fig15, 16: fig16,
	}
}

// Figure returns figure n from the results of every dataset: one of the paper's
// figures 5–16, or beyond the paper Fig. 17 ([QCFigure]) or Fig. 18
// ([WeightFigure]).
func Figure(n int, rs []*measure.DatasetResults) (*plots.Figure, error) {
	switch n {
	case QCFigureNumber:
		return QCFigure(rs)
	case WeightFigureNumber:
		return WeightFigure(rs)
	}
	build, ok := figureBuilders()[n]
	if !ok {
		return nil, fmt.Errorf("study: figure %d is not one of the paper's figures %d–%d", n, FirstFigure, LastFigure)
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("study: no dataset results to plot")
	}
	f, err := build(rs)
	if err != nil {
		return nil, fmt.Errorf("study: figure %d: %w", n, err)
	}
	return f, nil
}

// Tables returns the paper's Tables 1–3, the pruning table, Table 4 (failure
// detection, beyond the paper) when QC results exist, and the calibration table.
func Tables(rs []*measure.DatasetResults) ([]*plots.Table, error) {
	var t1 []plots.Table1Row
	var t2 []plots.CoverageRow
	var t3 []plots.SeparablenessRow
	for _, r := range rs {
		name := r.Dataset.Name
		t1 = append(t1, plots.Table1Row{Dataset: name,
			OfflineB: meanSD(r.Offline.Dice), OfflineS18: meanSD(stats.Column(r.Offline.LayerSA, -1)),
			OnlineB: meanSD(r.Online.Dice), OnlineS18: meanSD(stats.Column(r.Online.LayerSA, -1))})
		row := plots.CoverageRow{Dataset: name}
		for _, c := range Coverages {
			kept, err := protoseg.KeptAtCoverage(r.Online.Mu, c)
			if err != nil {
				return nil, err
			}
			var dice []float64
			for _, i := range kept {
				dice = append(dice, r.Online.Dice[i])
			}
			row.Coverage = append(row.Coverage, 100*c)
			row.Dice = append(row.Dice, meanSD(dice))
		}
		t2 = append(t2, row)
		if r.Sx != nil {
			_, md, err := protoseg.SeparablenessGap(r.Online.Dice, r.Sx)
			if err != nil {
				return nil, err
			}
			sx, _ := protoseg.MeanSD(r.Sx)
			b, _ := protoseg.MeanSD(r.Online.Dice)
			t3 = append(t3, plots.SeparablenessRow{Dataset: name, SASx: sx, DiceB: b, MD: md})
		}
	}
	ours := oursLabel(rs)
	var tables []*plots.Table
	for i, b := range []func() (*plots.Table, error){
		func() (*plots.Table, error) { return plots.Table1(t1, ours) },
		func() (*plots.Table, error) { return plots.Table2(t2, ours) },
		func() (*plots.Table, error) { return plots.Table3(t3, ours) },
	} {
		t, err := b()
		if err != nil {
			return nil, fmt.Errorf("study: table %d: %w", i+1, err)
		}
		tables = append(tables, t)
	}
	if t := PruneTable(rs); t != nil {
		tables = append(tables, t)
	}
	t4, err := QCTable(rs)
	switch {
	case err == nil:
		tables = append(tables, t4)
	case !errors.Is(err, ErrNotMeasured):
		return nil, err
	}
	tables = append(tables, CalibrationTable(rs))
	return tables, nil
}

// oursLabel labels our table columns: "ours (stand-in)" when every dataset is a
// synthetic stand-in, "ours" when none is, and says which when they are mixed.
// A real dataset is never called a stand-in.
func oursLabel(rs []*measure.DatasetResults) string {
	synth := 0
	for _, r := range rs {
		if data.Synthetic(r.Dataset.Name) {
			synth++
		}
	}
	switch synth {
	case len(rs):
		return "ours (stand-in)"
	case 0:
		return "ours"
	}
	return "ours (stand-in for -synth rows)"
}

// meanSD is the mean and population SD of x as a table cell.
func meanSD(x []float64) plots.MeanSD {
	m, sd := protoseg.MeanSD(x)
	return plots.MeanSD{Mean: m, SD: sd}
}
