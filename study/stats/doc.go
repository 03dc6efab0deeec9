// Package stats holds the statistics of the study in the style of gonum/stat:
// plain []float64 in, plain numbers out, formulas in the doc comments.
//
//   - Bootstrap: the percentile bootstrap over test images. For a statistic θ
//     of a resample idx (n indices drawn with replacement, seeded PCG),
//     B = BootstrapResamples replicates θ*_1…θ*_B give the 95 % interval
//     [q_0.025, q_0.975] of their empirical distribution (linear interpolation
//     between order statistics, numpy's default); the effect is θ on all images.
//   - PoolOverSeeds: the two-stage interval over seeds and images, pooling the
//     seeds' aligned replicates.
//   - Band and Verdict: a claim's range, open (Lo, Hi) or closed [Lo, Hi], and
//     the rule that judges an interval by it: Holds when the whole interval lies
//     in the band, Fails when it lies wholly outside, else Inconclusive;
//     CombineVerdicts for a claim over datasets (all hold → holds, one fails →
//     fails).
//   - Per-image tables: Column, MeanColumns, Pick, PickRows, Mean, CountTrue and
//     the paired MeanDiff = Σ_idx (a_j − b_j) / |idx|.
//
// Conventions are in docs/design.md §5 (evidence); correlations (Pearson,
// Spearman) live in package protoseg, their one home.
package stats
