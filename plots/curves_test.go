package plots

import "testing"

func TestTrainingCurves(t *testing.T) {
	f, err := TrainingCurves([]TrainingRun{
		{Label: "brats-synth offline", TrainLoss: []float64{0.6, 0.4, 0.3}, TestDice: []float64{0.5, 0.7, 0.8}},
		{Label: "brats-synth online", Online: true, TrainLoss: []float64{1.2, 0.9, 0.7}, TestDice: []float64{0.5, 0.72, 0.81}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := f.PNG(); err != nil || len(b) < 1000 {
		t.Fatalf("%d bytes, %v", len(b), err)
	}
	if _, err := TrainingCurves([]TrainingRun{{Label: "x", TrainLoss: []float64{1}}}); err == nil {
		t.Fatal("mismatched lengths: no error")
	}
}
