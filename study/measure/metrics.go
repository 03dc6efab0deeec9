package measure

import (
	"fmt"
	"strings"

	"github.com/protoseg-go/protoseg-go/protoseg"
)

// MetricResults are one dataset's per-image measures of both models with the SA
// scored by a metric beyond Dice (the report's appendix; the paper's §5 future
// work). Dice(B, G) stays Dice; layer SA, unit SA and μ follow the metric.
type MetricResults struct {
	// Metric is the SA metric.
	Metric protoseg.Metric
	// Offline and Online are the two models' measures with the SA scored by
	// Metric, from the same forward pass as the Dice ones ([AnalyzeWith]).
	Offline, Online *ModelResults
}

// ParseMetrics reads the appendix metrics of reproduce: "all" (every metric
// but Dice), "none" (no appendix) or a comma-separated list of names; Dice, the
// report's own score, is dropped from the list.
func ParseMetrics(s string) ([]protoseg.Metric, error) {
	switch strings.TrimSpace(s) {
	case "none", "":
		return nil, nil
	case "all":
		return protoseg.Metrics()[1:], nil
	}
	var out []protoseg.Metric
	for _, name := range strings.Split(s, ",") {
		m, err := protoseg.ParseMetric(name)
		if err != nil {
			return nil, fmt.Errorf("study: %w", err)
		}
		if m != protoseg.MetricDice {
			out = append(out, m)
		}
	}
	return out, nil
}
