package claims

// metricClaims are the findings re-judged per metric: those on the SA of layers
// and units, online ΔS_18 and μ (the others compare Dice(B, G) or AURC, which
// no SA metric changes).
func MetricClaims() []claim {
	out := append(layerClaims(), onlineClaims()[0])
	return append(out, muClaims()...)
}
