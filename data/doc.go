// Package data reads the five datasets of the ProtoSeg paper from their real
// on-disk formats and generates deterministic synthetic stand-ins for them.
//
// Readers: [ReadImage] decodes PNG and JPEG (sniffed by content) into an [Image] in
// the file's own units; [ReadNIfTI] reads NIfTI-1 volumes (.nii, .nii.gz; uint8,
// int8, int16, uint16, int32, float32, float64; scl_slope/scl_inter; either byte
// order; 3D and 4D) into a [Volume], whose [Volume.Slice] gives axial 2D slices.
// [DecodeNPY] and [OpenNPZ] read NumPy arrays (float16, float32, float64, bool and
// the integer types; .npz members stored or deflated, their declared sizes bounded
// before anything is inflated); [OpenCase] reads the per-case files of `protoseg
// analyze --cases`, one array at a time. [ReadPlane] reads one 2D plane of either
// image kind (a NIfTI slice with its frames as channels), [ReadStacked] stacks the
// planes of several files as channels, [CheckFinite] finds NaN and ±Inf, and
// [ObjectMask] with [ObjectRule] gives the object mask of a label plane.
// Every reader returns an error naming the file for corrupt or truncated input and
// never panics (fuzz tests check this); the NIfTI and NumPy decoders return a
// [*FormatError] (format, file, what is wrong, cause).
//
// Datasets: [Load] builds a [Dataset] by name ([Names] lists them, [StandIns]
// lists the synthetic stand-ins in the paper's order, [ParseNames] reads a
// comma-separated list, [Synthetic] tells a stand-in). The real ones
// ("brats", "isic", "covid", "prostate", "pancreas") read Options.Root in the
// layouts of docs/design.md §3, cut volumes into axial slices (the third array axis),
// merge labels into one object class, map intensities to [0,1] (CT through a fixed
// window: [LungWindow] for COVID, [AbdomenWindow] for pancreas; MR per volume and
// channel between the 0.5th and 99.5th percentiles; photos divided by 255), resize
// to Options.Size (image bilinear with a box pre-filter when shrinking 2× or more,
// mask nearest), skip slices without object unless Options.KeepEmpty, and split
// train/test by subject with Options.Seed. macOS "._*" files are ignored.
//
// Synthetic stand-ins ("brats-synth", "isic-synth", "covid-synth",
// "prostate-synth", "pancreas-synth") are generated in memory, deterministically
// from Options.Seed (math/rand/v2 PCG; one stream per image, so the test set does
// not depend on the train count): anatomy-like label maps of irregular shapes,
// per-label intensities per channel, texture, smooth bias field, blur and noise.
// Every image draws its difficulty from its stand-in's calibration knobs: object
// contrast and size, blur, noise, a number of artefacts (unlabelled look-alikes
// or occluders), and whether it is one of a stratified share of hard cases (faint
// and/or small objects on which the network really fails). They are recorded in
// Sample.Meta ("contrast", "size", "blur", "noise", "artefacts", "hard" 0/1, plus
// "object_fraction" and a few stand-in-specific entries). The knobs are
// calibrated to the paper's difficulty only — the default preset's offline Dice
// mean and SD (Table 1) and the input separableness S_x (Table 3) — never to its
// findings (docs/design.md §10). They are stand-ins: their numbers are never the
// paper's. [Dataset.Fingerprint] identifies the generated data, so models
// trained on an older generator are not reused.
//
// Volumes: with Options.Depth > 1 the real volumetric datasets give one sample
// per subject, a Depth×Size×Size volume (Dataset.Depth; Sample.Image holds
// D×H×W×C values, channels last, Sample.Mask D×H×W; [Dataset.Batch] gives
// [N, D, H, W, C] and [N, D, H, W]), images resampled linearly and labels by
// nearest neighbour. The volumetric stand-ins ("brats-synth3d",
// "covid-synth3d", "prostate-synth3d", "pancreas-synth3d", listed by
// [StandIns3D]) draw the
// same kinds of scene in 3D (irregular ellipsoids, per-label intensities,
// 3D texture, bias field, blur and noise), DefaultDepth×64×64 by default, with
// the same difficulty knobs recorded per volume; their S_x is calibrated to
// their 2D counterparts' target, their Dice not yet (it needs the 3D network).
//
// Orientation: a NIfTI slice is shown as stored, row = j, column = i, with no flip
// and no qform/sform applied. Images and masks are treated identically, so
// segmentation results do not depend on it.
package data
