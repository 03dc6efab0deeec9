package study

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/backends"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/report"
)

// AnalyzeCaseDir does what `protoseg analyze --cases dir --out out` does with
// the default metric (Dice) and bilinear up-sampling: it lists the .npz files
// of dir ([data.ListCases]), analyses them one at a time ([AnalyzeCases]),
// reads the shown cases again for the figures' maps ([CaseFigureMaps]) and
// writes the report ([NetworkReport.Write]: results.json, index.html and
// fig05, fig06, fig07, fig09 and fig12 as .png and .svg) into out. An empty
// out writes nothing.
func AnalyzeCaseDir(backend backends.Backend, dir, out string, opt measure.CaseOptions) (*measure.CaseReport, error) {
	paths, err := data.ListCases(dir)
	if err != nil {
		return nil, err
	}
	a, err := protoseg.NewAnalyzer(backend, protoseg.Bilinear)
	if err != nil {
		return nil, fmt.Errorf("study: cases %s: %w", dir, err)
	}
	rep, err := measure.AnalyzeCases(backend, a, paths, opt)
	if err != nil {
		return nil, err
	}
	if out == "" {
		return rep, nil
	}
	maps, err := measure.CaseFigureMaps(a, paths, rep, opt)
	if err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("study: cases %s: results.json: %w", dir, err)
	}
	r := &report.NetworkReport{Source: dir, JSON: append(js, '\n'), Report: &rep.FeatureReport, Maps: maps}
	if err := r.Write(out); err != nil {
		return nil, err
	}
	return rep, nil
}

// NotebookCache returns the folder the notebooks cache into: $PROTOSEG_CACHE,
// or .cache beside the notebook ($GONB_DIR/.cache; ./.cache outside GoNB).
func NotebookCache() string {
	if cache := os.Getenv(EnvCache); cache != "" {
		return cache
	}
	dir := os.Getenv("GONB_DIR")
	if dir == "" {
		dir = "."
	}
	return filepath.Join(dir, ".cache")
}
