package report

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

func TestQCResultsJSON(t *testing.T) {
	r := &measure.DatasetResults{Dataset: &data.Dataset{Name: "d"}, QC: &measure.QCResults{Dice: []float64{1, 1},
		Scores:  map[string][]float64{"mu": {0.5, 0.7}},
		Metrics: map[string]protoseg.FailureDetection{"mu": {AURC: 0.2, EAURC: 0.1, AUGRC: 0.05, Spearman: math.NaN(), Pearson: math.NaN(), AUROC: math.NaN()}}}}
	b, err := json.Marshal(QCResultsJSON([]*measure.DatasetResults{r, {Dataset: &data.Dataset{Name: "none"}}}))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"failure_detection":{"d":{"mu":{"aurc":0.2,"eaurc":0.1,"augrc":0.05,"spearman":null,"pearson":null,"auroc":null}}},"qc_scores":{"d":{"mu":[0.5,0.7]}},"qc_dice":{"d":[1,1]}}`
	if string(b) != want {
		t.Errorf("JSON\n%s\nwant\n%s", b, want)
	}
}
