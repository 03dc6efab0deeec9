// Package protoseg implements ProtoSeg, the parameter-free method of He et al.,
// "Segmentation ability map: Interpret deep features for medical image
// segmentation" (Medical Image Analysis, 2023), that segments any deep feature map
// with two prototypes and so measures how well the feature separates object from
// background.
//
// Tensors are channels-last, as everywhere in GoMLX: a feature f is
// [N, spatial..., C] and a mask B is [N, spatial...], for any number of spatial
// axes (2D images, 3D volumes).
//
// # The method, function by function
//
//   - [Prototypes] — paper Eq. 6: c_t = Σ B·f / Σ B and c_b = Σ (1−B)·f / Σ (1−B),
//     per image and channel, with B binary or probabilistic.
//   - [Distances] — the squared Euclidean distance D(f, c) of Eq. 2–5, summed over
//     channels (as the original code).
//   - [ObjectLogit], [ObjectProbability] — Eq. 5: p_t = softmax([−d_b, −d_t])[1] =
//     sigmoid(d_b − d_t), computed in the linear form
//     d_b − d_t = 2 f·(c_t − c_b) + ‖c_b‖² − ‖c_t‖² (docs/design.md §6), which is exact,
//     numerically better than subtracting two large distances, and makes a
//     low-resolution layer cost one up-sampled channel instead of C.
//   - [SAM] — Eq. 7: the segmentation ability map S_f = [p_t > 0.5] = [d_t < d_b];
//     ties are background.
//   - [Dice], [DiceScore] — Eq. 8: the SA score Dice(S_f, G).
//   - [Metric], [Score], [SurfaceDice] — beyond the paper (its §5 future work): the
//     SA score by Jaccard, sensitivity, specificity, pixel accuracy or the
//     normalised surface Dice at 1 voxel (NSD), chosen with [Analyzer.SetMetric]
//     (default Dice).
//   - [SoftDice], [SALoss] — the differentiable SA used by online training
//     (1 − soft Dice of p_t against the target).
//   - [UnitLogits] — unit level: every channel of a layer as its own ProtoSeg, all
//     C units in one graph call.
//   - [MultiClassLogits] — beyond the paper: K classes, one prototype each.
//   - [Resize], [InterpolationMatrix] — a feature smaller than the mask is brought to
//     the mask size with bilinear interpolation (half-pixel centres, edge clamp, as
//     PyTorch's align_corners=False) or nearest neighbour, both exact linear maps.
//
// All of the above are GoMLX graph functions (differentiable, any backend). The
// [Analyzer] runs them on batches and returns plain Go results ([LayerResult],
// [UnitResult]) for notebooks, the CLI and plots, compiling one graph per input
// shape. By default ([UnitKernel]) it computes the SAMs of Layer and Units with
// a plain-Go kernel that reproduces the graph path bit for bit: the mask side of
// the prototypes once per mask (kernelmasks.go), one small feature graph shared
// by Layer and Units of a feature, then up-sampling, thresholding and counting
// in Go without the full-resolution maps (unitkernel*.go); [VerifyUnitKernel]
// checks the agreement on a backend. Unit SAMs come as [BitMask]s, one bit a
// pixel ([BitMask.Unpack] gives the byte-a-pixel map of the layer SAMs).
//
// # Conventions (where the paper is silent or the original code returns NaN)
//
//   - An empty object region (Σ B·R = 0) leaves c_t undefined: the SAM is all
//     background. An empty background leaves c_b undefined: the SAM is all object.
//     The graph form guards the denominators (a zero total divides by 1, giving a
//     zero prototype) so values and gradients stay finite.
//   - Dice of two empty maps is 1; of an empty and a non-empty map, 0. Every
//     metric follows the same rule ([Metric]): a ratio with a zero denominator
//     scores 1 when S = G inside the ROI and 0 otherwise, so Jaccard(∅, ∅) = 1,
//     sensitivity with no object in G is 1 for an empty S and 0 otherwise,
//     specificity with G filling the ROI is 1 for an S that fills it too and 0
//     otherwise, accuracy over an empty ROI is 1; NSD(∅, ∅) = 1, NSD with one map
//     empty is 0. The count metrics come from the confusion counts inside the
//     ROI, TP = |S∩G|, FP = |S| − TP, FN = |G| − TP, TN = |R| − TP − FP − FN;
//     NSD from the maps (face-connected boundaries, the border counting as
//     background, Euclidean voxel distance ≤ 1), reading the ROI as binary.
//   - Prototype components equal up to rounding (relative 1e-5 in float32, 1e-12 in
//     float64) count as equal: a constant ("inertia") unit gets an empty SAM, not one
//     decided by the last bit of a sum.
//   - NaN or Inf in a feature, and mask values outside [0,1], are errors naming the
//     feature; the Analyzer never returns a NaN score.
//   - An optional region of interest R restricts the prototypes (B·R, (1−B)·R) and
//     the score (S·R against G·R); the SAM is background outside R.
//   - The ground truth G is binarised at 0.5; the mask B used for prototypes may be
//     probabilistic.
//   - μ of a degenerate output: when B is empty or full inside R, every unit SAM is
//     filled by the convention above and Dice(∅, ∅) = 1 would give μ = 1, the
//     highest confidence, to an image the network failed on completely.
//     [MeanUnitSA] gives such an image μ = [DegenerateMu] = 0, the least confident
//     value, and [Degenerate] flags it: coverage rejects it first and rankings by μ
//     put it first. Correlations of μ with Dice use μ as given (0 included), so a
//     degenerate image with a low Dice counts for μ, one with a high Dice
//     (an empty B on an empty G) against it.
//
// The package imports no other package of this module.
package protoseg
