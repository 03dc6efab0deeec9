// Package data reads the five datasets of the ProtoSeg paper from their real
// on-disk formats and generates deterministic synthetic stand-ins for them.
//
// Readers: [ReadImage] decodes PNG and JPEG (sniffed by content) into an [Image] in
// the file's own units; [ReadNIfTI] reads NIfTI-1 volumes (.nii, .nii.gz; uint8,
// int8, int16, uint16, int32, float32, float64; scl_slope/scl_inter; either byte
// order; 3D and 4D) into a [Volume], whose [Volume.Slice] gives axial 2D slices.
// Every reader returns an error naming the file for corrupt or truncated input and
// never panics (fuzz tests check this).
//
// Orientation: a NIfTI slice is shown as stored, row = j, column = i, with no flip
// and no qform/sform applied. Images and masks are treated identically, so
// segmentation results do not depend on it.
package data
