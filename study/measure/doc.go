// Package measure holds the study's measurement passes over a test set, one
// concept a file:
//
//	layers.go          Analyze / AnalyzeWith: one forward pass per batch feeds the
//	                   layer SA, the last layer's unit SA, μ, heat-maps, Dice(B, G),
//	                   the entropy baselines, and every SA metric's analyzer
//	separableness.go   Separableness: ProtoSeg on the raw input channels (S_x)
//	noise.go           NoiseStudy: per-layer SA change under uniform input noise
//	vog.go             VoGScores: variance of gradients over checkpoints
//	qc.go              QCScores: failure detection of μ, VoG, entropy and TTA
//	prune.go           Prune: Dice after removing the inertia units
//	weights.go         Weights: unit SA against the output layer's weights
//	metrics.go         MetricResults, ParseMetrics: SA scored beyond Dice
//	external.go        AnalyzeFeatures: features of any network (one F.npz)
//	cases.go           AnalyzeCases: per-case .npz files, streamed
//	multiclass.go      per-class layer SA of K > 2 classes
//	casemaps.go        FigureMaps: the maps the network report draws
//	views.go           three orthogonal slices through a 3D case
//	dataset.go         DatasetResults: everything measured on one dataset
//	model.go           Model, GradientModel, Output: a network as measured
//	threshold.go       ThresholdModel: a reference model with known numbers
//
// Measures are plain Go values (slices, small structs) that package claims
// judges and package report draws; nothing here trains or writes files beyond
// the per-case analysis it is asked to run.
package measure
