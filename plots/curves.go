package plots

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot/vg/draw"
)

// TrainingRun is the per-epoch history of one training run (e.g. one dataset's
// offline or online model).
type TrainingRun struct {
	// Label names the run in the legend, e.g. "brats-synth online".
	Label string
	// Online draws the run dashed (online) rather than solid (offline).
	Online bool
	// TrainLoss and TestDice are per epoch (index 0 = epoch 1).
	TrainLoss, TestDice []float64
}

// TrainingCurves draws the training loss and the test Dice per epoch of every run,
// in two panels. Runs of one dataset share a colour; online runs are dashed.
func TrainingCurves(runs []TrainingRun) (*Figure, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("%w: TrainingCurves: no runs", ErrEmpty)
	}
	loss := newPlot("training loss", "epoch", "mean loss")
	dice := newPlot("test Dice(B, G)", "epoch", "mean Dice")
	dice.Y.Min, dice.Y.Max = 0, 1
	palette := []color.RGBA{oiBlue, oiVermillion, oiGreen, oiOrange, oiPurple, oiSkyBlue, oiBlack}
	var shared []legendEntry
	colours := map[string]int{}
	for _, r := range runs {
		if len(r.TrainLoss) == 0 || len(r.TrainLoss) != len(r.TestDice) {
			return nil, fmt.Errorf("plots: TrainingCurves %q: %d loss and %d Dice values", r.Label, len(r.TrainLoss), len(r.TestDice))
		}
		if err := checkFinite("TrainingCurves "+r.Label, append(append([]float64{}, r.TrainLoss...), r.TestDice...)); err != nil {
			return nil, err
		}
		k, ok := colours[groupKey(r.Label)]
		if !ok {
			k = len(colours)
			colours[groupKey(r.Label)] = k
		}
		col := palette[k%len(palette)]
		ls := lineStyle(col, 1.5, r.Online)
		gs := glyph(col, draw.CircleGlyph{}, 1.8)
		addLinePoints(loss, series(r.TrainLoss, 1), ls, gs)
		addLinePoints(dice, series(r.TestDice, 1), ls, gs)
		shared = append(shared, lineEntry(r.Label, ls, ptr(gs)))
	}
	return chartFigure("training", "Training: loss and test Dice per epoch (solid offline, dashed online)",
		[]chartPanel{{p: loss}, {p: dice}}, shared, panelW, panelH), nil
}

// groupKey is the dataset part of a run label ("brats-synth online" → "brats-synth").
func groupKey(label string) string {
	for i, r := range label {
		if r == ' ' {
			return label[:i]
		}
	}
	return label
}
