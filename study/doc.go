// Package study runs the ProtoSeg paper's study (He et al., "Segmentation
// ability map: Interpret deep features for medical image segmentation", Medical
// Image Analysis 84, 2023) on a trained U-Net and writes its figures, tables,
// findings and results.json.
//
// The pipeline, per dataset ([Run], [RunSeeds] over seeds, [Session] for the
// notebooks with a disk cache):
//
//	train        Trainer.Train: the offline and the online model (UNetTrainer)
//	measure      Analyze: one forward pass per batch feeds layer SA, unit SA, μ,
//	             heat-maps and Dice; Separableness (S_x), VoGScores, QCScores
//	             (entropy, TTA), Prune, NoiseStudy, Weights (unit SA vs output
//	             weights), and the metric appendix (analyzeMetrics)
//	judge        Findings: every claim of the paper with a bootstrap interval
//	             (Bootstrap, Band) and a verdict per dataset; over datasets it
//	             holds when it holds on every one; CombineSeeds over seeds
//	report       Figures, Tables, QCFigure, WeightFigure, Appendix → WriteReport
//	             (index.html) and GatherResults → WriteResults (results.json, its
//	             schema in docs/results.schema.json)
//
// External features (any framework) go through AnalyzeFeatures (one F.npz) and
// AnalyzeCases (a directory of per-case .npz files), which the protoseg analyze
// command wraps. Calibration of the stand-ins against the paper's difficulty is
// in calibrate.go (docs/design.md §10).
//
// Conventions where the paper is silent are in docs/design.md, which the code
// cites by section.
package study
