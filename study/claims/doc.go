// Package claims holds the paper's claims as a table and judges them.
//
// A claim is a named statement of the paper (e.g. "the late layers separate
// better than the early ones"), the band its effect must lie in (stats.Band),
// and a function that turns one dataset's measures (measure.DatasetResults)
// into a statistic of a bootstrap resample of its test images. Findings judges
// every claim per dataset — effect, 95 % interval, verdict — and over
// datasets: a finding holds when it holds on every dataset, fails when it fails
// on one, and is inconclusive otherwise; the printed effect and interval are
// those of the dataset that decides. CombineSeeds does the same over seeds,
// MetricFindings re-judges the SA-dependent claims with another SA metric.
//
// The table, in report order: layerClaims (Fig. 5, Table 1), onlineClaims
// (the SA loss), muClaims (μ against Dice and VoG, Table 2), qcClaims (Table 4),
// weightClaims (Fig. 18). Their wording quotes the paper; where the project
// reads the paper, the claim says so (docs/design.md §5).
package claims
