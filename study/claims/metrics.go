package claims

import "github.com/protoseg-go/protoseg-go/study/measure"

// metricClaims are the findings re-judged per metric: those on the SA of layers
// and units, online ΔS_18 and μ (the others compare Dice(B, G) or AURC, which
// no SA metric changes).
func metricClaims() []claim {
	out := append(layerClaims(), onlineClaims()[0])
	return append(out, muClaims()...)
}

// MetricFindings re-judges on rs, whose SA is scored by a metric beyond Dice,
// the findings that depend on the SA metric (see [Findings]).
func MetricFindings(rs []*measure.DatasetResults) []Finding {
	return judge(rs, metricClaims())
}
