package report

import (
	"fmt"
	"strings"

	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// seedCaptions describe the figures of [SeedFigures], by file name.
var seedCaptions = map[string]string{
	"fig05": "Fig. 5 over seeds — mean SA per layer, the mean over seeds with the range (minimum to maximum) across seeds shaded.",
	"fig10": "Fig. 10 over seeds — every seed's test images pooled; the legend gives each score's Pearson r with Dice as the mean over seeds and its range.",
	"fig11": "Fig. 11 over seeds — mean Dice per percentile bucket of μ and of VoG: bars are the mean over seeds, whiskers the range across seeds.",
}

// WriteSeedFigures saves the seed figures into dir and adds them to page.
func WriteSeedFigures(page *strings.Builder, dir string, figs []*plots.Figure) error {
	page.WriteString("<h2>Spread over seeds</h2>\n")
	for _, f := range figs {
		if err := saveFigure(dir, f, f.Name); err != nil {
			return err
		}
		page.WriteString(figureHTML(f.Name, f.Title, seedCaptions[f.Name]))
	}
	return nil
}

// SeedsQCJSON gathers the quality-control fields of every seed, keyed
// "<dataset>/seed<s>".
func SeedsQCJSON(perSeed [][]*measure.DatasetResults, seeds []uint64) QCJSON {
	out := QCJSON{FailureDetection: map[string]map[string]FailureJSON{}, QCScores: map[string]map[string][]float64{}, QCDice: map[string][]float64{}}
	for i, rs := range perSeed {
		q := QCResultsJSON(rs)
		suffix := fmt.Sprintf("/seed%d", seeds[i])
		for k, v := range q.FailureDetection {
			out.FailureDetection[k+suffix] = v
		}
		for k, v := range q.QCScores {
			out.QCScores[k+suffix] = v
		}
		for k, v := range q.QCDice {
			out.QCDice[k+suffix] = v
		}
	}
	return out
}
