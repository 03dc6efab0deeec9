package main

import (
	"io"

	"github.com/protoseg-go/protoseg-go/study/measure"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// analyzeCases analyses the per-case .npz files of dir (sorted by name), one case
// at a time, scored by metric, and writes the JSON report to stdout only when
// every case succeeded (and, with out, the report with figures there).
func analyzeCases(dir string, opt measure.CaseOptions, metric protoseg.Metric, out string, stdout io.Writer) error {
	paths, err := data.ListCases(dir)
	if err != nil {
		return err
	}
	backend, err := newBackend()
	if err != nil {
		return err
	}
	a, err := metricAnalyzer(backend, metric)
	if err != nil {
		return err
	}
	rep, err := measure.AnalyzeCases(backend, a, paths, opt)
	if err != nil {
		return err
	}
	if out != "" {
		maps, err := measure.CaseFigureMaps(a, paths, rep, opt)
		if err != nil {
			return err
		}
		if err := writeNetworkReport(out, dir, rep, &rep.FeatureReport, maps); err != nil {
			return err
		}
	}
	return writeJSON(stdout, rep)
}
