package main

import (
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/report"
)

// writeNetworkReport writes analyze's report for any network into out: results
// (the JSON analyze prints) as results.json, index.html and the figures.
func writeNetworkReport(out, source string, results any, rep *measure.FeatureReport, maps *measure.FigureMaps) error {
	js, err := marshalJSON(results)
	if err != nil {
		return err
	}
	r := &report.NetworkReport{Source: source, JSON: js, Report: rep, Maps: maps}
	return r.Write(out)
}
