package report

import (
	"fmt"

	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// QCFigureNumber is the number of the risk–coverage figure, which continues the
// paper's numbering (beyond the paper).
const QCFigureNumber = 17

// QCCaption describes Fig. 17 for the report.
const QCCaption = "Fig. 17 — Risk–coverage curves of the online model: for each quality score, the mean risk (1 − Dice) of the k most confident test images against the coverage k/n (tied scores in image order), with the oracle that ranks by Dice itself (dashed). A lower curve detects failures better; Table 4's AURC is the benchmark's trapezoid under it. Beyond the paper: the ProtoSeg paper reports μ only as a correlation and a coverage table; this is the failure-detection benchmark of Zenk et al., \"Comparative benchmarking of failure detection methods in medical image segmentation\", Medical Image Analysis 2025."

// QCFigure returns Fig. 17 from the datasets that have QC results; when none has,
// the error wraps [ErrNotMeasured]. Every dataset is drawn with the methods that all of them have.
func QCFigure(rs []*measure.DatasetResults) (*plots.Figure, error) {
	common := map[string]int{}
	var with []*measure.DatasetResults
	for _, r := range rs {
		if r.QC == nil {
			continue
		}
		with = append(with, r)
		for _, m := range r.QC.Methods() {
			common[m]++
		}
	}
	if len(with) == 0 {
		return nil, fmt.Errorf("study: figure %d: %w: no dataset has QC results", QCFigureNumber, ErrNotMeasured)
	}
	var methods []string
	for _, m := range measure.QCMethods {
		if common[m] == len(with) {
			methods = append(methods, m)
		}
	}
	var curves []plots.RiskCoverage
	for _, r := range with {
		q := r.QC
		c := plots.RiskCoverage{Dataset: r.Dataset.Name, Methods: methods}
		for _, m := range methods {
			rc, err := protoseg.RiskCoverageCurve(q.Scores[m], q.Dice)
			if err != nil {
				return nil, fmt.Errorf("study: figure %d: %s %s: %w", QCFigureNumber, r.Dataset.Name, m, err)
			}
			c.Risk = append(c.Risk, rc.Risk)
		}
		oracle, err := protoseg.RiskCoverageCurve(q.Dice, q.Dice)
		if err != nil {
			return nil, fmt.Errorf("study: figure %d: %s oracle: %w", QCFigureNumber, r.Dataset.Name, err)
		}
		c.Oracle = oracle.Risk
		curves = append(curves, c)
	}
	f, err := plots.Fig17RiskCoverage(curves)
	if err != nil {
		return nil, fmt.Errorf("study: figure %d: %w", QCFigureNumber, err)
	}
	return f, nil
}

// QCTable returns Table 4 (failure detection, dataset × method) from the
// datasets that have QC results; when none has, the error wraps
// [ErrNotMeasured].
func QCTable(rs []*measure.DatasetResults) (*plots.Table, error) {
	var rows []plots.FailureRow
	for _, r := range rs {
		if r.QC == nil {
			continue
		}
		for _, m := range r.QC.Methods() {
			fd := r.QC.Metrics[m]
			rows = append(rows, plots.FailureRow{Dataset: r.Dataset.Name, Method: m,
				AURC: fd.AURC, EAURC: fd.EAURC, AUGRC: fd.AUGRC, Spearman: fd.Spearman, AUROC: fd.AUROC})
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("study: table 4: %w: no dataset has QC results", ErrNotMeasured)
	}
	t, err := plots.Table4(rows, protoseg.DefaultFailureThreshold)
	if err != nil {
		return nil, fmt.Errorf("study: table 4: %w", err)
	}
	return t, nil
}
