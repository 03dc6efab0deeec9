package main

import (
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// metricUsage is the help of every --metric flag (a [protoseg.Metric] by name).
var metricUsage = "SA metric `NAME`: " + strings.Join(protoseg.MetricNames(), ", ") +
	" (nsd: normalised surface Dice at 1 pixel/voxel; default dice)"

// metricAnalyzer returns a bilinear analyzer on backend that scores SA by metric.
func metricAnalyzer(backend backends.Backend, metric protoseg.Metric) (*protoseg.Analyzer, error) {
	a, err := protoseg.NewAnalyzer(backend, protoseg.Bilinear)
	if err != nil {
		return nil, err
	}
	if err := a.SetMetric(metric); err != nil {
		return nil, err
	}
	return a, nil
}
