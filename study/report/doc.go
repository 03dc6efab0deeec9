// Package report turns the study's measures and findings into what a reader
// sees: the paper's figures (one file each, fig05.go … fig16.go, as
// plots/doc.go lists them, plus Fig. 17 in qc.go and Fig. 18 in weights.go),
// the tables (Tables 1–4, pruning, calibration), the metric appendix, the
// multi-seed summary, index.html (WriteReport) and results.json (GatherResults,
// WriteResults; its schema is docs/results.schema.json). NetworkReport writes
// the same for any network's features (protoseg analyze --out).
//
// A figure or table beyond the paper whose measurement no dataset has returns
// an error wrapping ErrNotMeasured, never a nil figure.
package report
