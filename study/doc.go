// Package study runs the ProtoSeg paper's study (He et al., "Segmentation
// ability map: Interpret deep features for medical image segmentation", Medical
// Image Analysis 84, 2023) on a trained U-Net and writes its figures, tables,
// findings and results.json.
//
// The pipeline, per dataset ([Run], [RunSeeds] over seeds, [Session] for the
// notebooks with a disk cache), and the package that holds each step:
//
//	train     Trainer.Train (UNetTrainer, here): the offline and the online model
//	measure   package measure: one pass over the test set per model feeds the
//	          layer SA, unit SA, μ, heat-maps, Dice, the entropy baselines and
//	          every SA metric of the appendix (AnalyzeWith); then the passes
//	          that need their own forward passes: Separableness (S_x), VoGScores,
//	          QCScores (TTA), Prune, NoiseStudy, Weights → DatasetResults
//	judge     package claims: every claim of the paper with a bootstrap interval
//	          (package stats: Bootstrap, Band, Verdict) and a verdict per
//	          dataset; over datasets it holds when it holds on every one;
//	          CombineSeeds over seeds
//	report    package report: Figures (one file per figure), Tables, Appendix →
//	          WriteReport (index.html) and GatherResults → WriteResults
//	          (results.json, its schema in docs/results.schema.json)
//
// External features (any framework) go through measure.AnalyzeFeatures (one
// F.npz) and measure.AnalyzeCases (a directory of per-case .npz files), which
// the protoseg analyze command wraps; AnalyzeCaseDir here runs that and writes
// the network report. Calibration of the stand-ins against the paper's
// difficulty is in calibrate.go (docs/design.md §10). The layout and who may
// import whom: docs/design.md §0.
//
// Conventions where the paper is silent are in docs/design.md, which the code
// cites by section.
package study
