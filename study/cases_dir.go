package study

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/gomlx/gomlx/backends"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// AnalyzeCaseDir does what `protoseg analyze --cases dir --out out` does with
// the default metric (Dice) and bilinear up-sampling: it lists the .npz files
// of dir ([data.ListCases]), analyses them one at a time ([AnalyzeCases]),
// reads the shown cases again for the figures' maps ([CaseFigureMaps]) and
// writes the report ([NetworkReport.Write]: results.json, index.html and
// fig05, fig06, fig07, fig09 and fig12 as .png and .svg) into out. An empty
// out writes nothing.
func AnalyzeCaseDir(backend backends.Backend, dir, out string, opt CaseOptions) (*CaseReport, error) {
	paths, err := data.ListCases(dir)
	if err != nil {
		return nil, err
	}
	a, err := protoseg.NewAnalyzer(backend, protoseg.Bilinear)
	if err != nil {
		return nil, fmt.Errorf("study: cases %s: %w", dir, err)
	}
	rep, err := AnalyzeCases(backend, a, paths, opt)
	if err != nil {
		return nil, err
	}
	if out == "" {
		return rep, nil
	}
	maps, err := CaseFigureMaps(a, paths, rep, opt)
	if err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("study: cases %s: results.json: %w", dir, err)
	}
	r := &NetworkReport{Source: dir, JSON: append(js, '\n'), Report: &rep.FeatureReport, Maps: maps}
	if err := r.Write(out); err != nil {
		return nil, err
	}
	return rep, nil
}

// WriteLayerTable writes the report's layer SA as an aligned text table: per
// layer in file order its name, shape (C × spatial, in the first case), mean SA
// over the cases with its minimum and maximum, and the active units.
func (r *CaseReport) WriteLayerTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "layer\tname\tshape\tmean SA\tmin\tmax\tactive units\t\n")
	for i, l := range r.Layers {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range l.SA {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		fmt.Fprintf(tw, "%d\t%s\t%v\t%.3f\t%.3f\t%.3f\t%d of %d\t\n",
			i+1, l.Name, l.Shape, l.MeanSA, lo, hi, l.ActiveUnits, len(l.UnitMeanSA))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("study: layer table: %w", err)
	}
	return nil
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
