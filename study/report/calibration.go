package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/stats"
)

// Calibration holds the two quantities a stand-in is calibrated on, ours beside
// the paper's (null when the paper has no such dataset): the mean input
// separableness S_x (Table 3) and the mean and SD of the offline model's output
// Dice (Table 1).
type Calibration struct {
	Sx            float64  `json:"sx"`
	SxPaper       *float64 `json:"sx_paper"`
	DiceMean      float64  `json:"dice_mean"`
	DiceSD        float64  `json:"dice_sd"`
	DiceMeanPaper *float64 `json:"dice_mean_paper"`
	DiceSDPaper   *float64 `json:"dice_sd_paper"`
}

// Calibration targets: a stand-in's offline Dice mean and SD within
// CalibrationDiceTolerance of the paper's Table 1, its mean S_x within
// CalibrationSxTolerance of Table 3.
const (
	CalibrationDiceTolerance = 0.08
	CalibrationSxTolerance   = 0.05
)

// Targets says which calibration targets c meets: "all", "none", or the list
// met and missed; "—" without paper values.
func (c Calibration) Targets() string {
	if c.SxPaper == nil || c.DiceMeanPaper == nil || c.DiceSDPaper == nil {
		return "—"
	}
	var met, missed []string
	for _, t := range []struct {
		name       string
		ours, want float64
		tol        float64
	}{{"S_x", c.Sx, *c.SxPaper, CalibrationSxTolerance}, {"mean", c.DiceMean, *c.DiceMeanPaper, CalibrationDiceTolerance},
		{"SD", c.DiceSD, *c.DiceSDPaper, CalibrationDiceTolerance}} {
		if math.Abs(t.ours-t.want) <= t.tol {
			met = append(met, t.name)
		} else {
			missed = append(missed, t.name)
		}
	}
	switch {
	case len(missed) == 0:
		return "all"
	case len(met) == 0:
		return "none"
	}
	return strings.Join(met, ", ") + " (not " + strings.Join(missed, ", ") + ")"
}

// DatasetCalibration returns the calibration quantities of one dataset.
func DatasetCalibration(r *measure.DatasetResults) Calibration {
	var c Calibration
	c.Sx = stats.Mean(r.Sx)
	c.DiceMean, c.DiceSD = protoseg.MeanSD(r.Offline.Dice)
	p := plots.PaperDataset(r.Dataset.Name)
	if t3, ok := plots.PaperTable3[p]; ok {
		c.SxPaper = jsonNumber(t3[0])
	}
	if t1, ok := plots.PaperTable1[p]; ok {
		c.DiceMeanPaper, c.DiceSDPaper = jsonNumber(t1[0].Mean), jsonNumber(t1[0].SD)
	}
	return c
}

// meanCalibration averages the calibration of several seeds' entries.
func meanCalibration(ds []DatasetJSON) Calibration {
	c := ds[0].Calibration
	c.Sx, c.DiceMean, c.DiceSD = 0, 0, 0
	for _, d := range ds {
		c.Sx += d.Calibration.Sx / float64(len(ds))
		c.DiceMean += d.Calibration.DiceMean / float64(len(ds))
		c.DiceSD += d.Calibration.DiceSD / float64(len(ds))
	}
	return c
}

// CalibrationTable renders the calibration of every dataset, ours beside the
// paper's: mean S_x (Table 3) and mean ± SD of the offline output Dice (Table 1).
func CalibrationTable(rs []*measure.DatasetResults) *plots.Table {
	var ds []DatasetJSON
	for _, r := range rs {
		ds = append(ds, DatasetJSON{Name: r.Dataset.Name, Synthetic: data.Synthetic(r.Dataset.Name), Calibration: DatasetCalibration(r)})
	}
	return CalibrationTableFor(ds, "this run")
}

// CalibrationTableFor renders the calibration of datasets ds, measured on what
// (e.g. "this run", "the mean of seeds 1 and 2").
func CalibrationTableFor(ds []DatasetJSON, what string) *plots.Table {
	t := &plots.Table{Name: "calibration", Title: "Calibration — the stand-ins' difficulty against the paper's real datasets",
		Header: []string{"dataset", "synthetic", "S_x — ours", "S_x — paper", "offline Dice mean — ours", "offline Dice mean — paper", "offline Dice SD — ours", "offline Dice SD — paper", "within target"}}
	opt := func(v *float64) string {
		if v == nil {
			return "—"
		}
		return fmt.Sprintf("%.3f", *v)
	}
	for _, d := range ds {
		c := d.Calibration
		syn := "no"
		if d.Synthetic {
			syn = "yes"
		}
		t.Rows = append(t.Rows, []string{d.Name, syn, fmt.Sprintf("%.3f", c.Sx), opt(c.SxPaper),
			fmt.Sprintf("%.3f", c.DiceMean), opt(c.DiceMeanPaper), fmt.Sprintf("%.3f", c.DiceSD), opt(c.DiceSDPaper), c.Targets()})
	}
	t.Notes = []string{fmt.Sprintf("Targets for a stand-in: mean and SD of the offline Dice within ±%.2f of the paper's, S_x within ±%.2f; the last column says which targets %s meets. Calibration uses only these difficulty targets; no finding is ever used for calibration.", CalibrationDiceTolerance, CalibrationSxTolerance, what)}
	return t
}
