package report

import (
	"math"

	"github.com/protoseg-go/protoseg-go/study/measure"
)

// FailureJSON is one method's failure-detection metrics in results.json; an
// undefined metric (e.g. AUROC when no test image fails) is null.
type FailureJSON struct {
	AURC     *float64 `json:"aurc"`
	EAURC    *float64 `json:"eaurc"`
	AUGRC    *float64 `json:"augrc"`
	Spearman *float64 `json:"spearman"`
	Pearson  *float64 `json:"pearson"`
	AUROC    *float64 `json:"auroc"`
}

// QCJSON holds the quality-control fields of results.json:
// failure_detection[dataset][method], the per-image confidences
// qc_scores[dataset][method][] and, beside them, the per-image Dice of the same
// (online) model qc_dice[dataset][]. Methods are named as in QCMethods. In a
// multi-seed summary the keys are "<dataset>/seed<s>".
type QCJSON struct {
	FailureDetection map[string]map[string]FailureJSON `json:"failure_detection"`
	QCScores         map[string]map[string][]float64   `json:"qc_scores"`
	QCDice           map[string][]float64              `json:"qc_dice"`
}

// jsonNumber is v, or nil (JSON null) when v is NaN or infinite.
func jsonNumber(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// QCResultsJSON gathers the quality-control fields of results.json from the
// datasets that have QC results.
func QCResultsJSON(rs []*measure.DatasetResults) QCJSON {
	out := QCJSON{FailureDetection: map[string]map[string]FailureJSON{}, QCScores: map[string]map[string][]float64{}, QCDice: map[string][]float64{}}
	for _, r := range rs {
		if r.QC == nil {
			continue
		}
		name := r.Dataset.Name
		fd := map[string]FailureJSON{}
		sc := map[string][]float64{}
		for _, m := range r.QC.Methods() {
			f := r.QC.Metrics[m]
			fd[m] = FailureJSON{AURC: jsonNumber(f.AURC), EAURC: jsonNumber(f.EAURC), AUGRC: jsonNumber(f.AUGRC), Spearman: jsonNumber(f.Spearman), Pearson: jsonNumber(f.Pearson), AUROC: jsonNumber(f.AUROC)}
			sc[m] = r.QC.Scores[m]
		}
		out.FailureDetection[name], out.QCScores[name], out.QCDice[name] = fd, sc, r.QC.Dice
	}
	return out
}
