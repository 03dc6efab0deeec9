package data

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Sample is one 2D image (or, in a volumetric dataset, one 3D volume) with its
// ground-truth mask, already resized to the dataset's model size and normalised
// per channel to [0,1].
type Sample struct {
	// Image holds Height×Width×Channels values, channels last (row-major [h][w][c]);
	// in a volumetric dataset (Depth > 1) Depth×Height×Width×Channels values
	// ([d][h][w][c], d the slice along the axial axis).
	Image []float32
	// Mask holds Height×Width values (Depth×Height×Width in a volumetric
	// dataset, [d][h][w]), 1 for object and 0 for background.
	Mask []uint8
	// Subject identifies the patient/volume/photo the sample came from; splits never
	// put one subject on both sides.
	Subject string
	// Slice is the index of the slice along the volume's axial axis (0 for 2D
	// photos and for whole volumes).
	Slice int
	// Meta holds per-image metadata, e.g. the difficulty parameters of a synthetic
	// stand-in ("contrast", "size", "blur", "noise"). It may be nil.
	Meta map[string]float64
}

// Dataset is a train/test split of samples of one shape.
type Dataset struct {
	// Name is the registry name, e.g. "brats-synth" or "brats".
	Name string
	// Channels, Height and Width give the shape of every sample.
	Channels, Height, Width int
	// Depth is the number of slices of a volumetric sample; 0 or 1 means 2D
	// samples (Height×Width), as in every dataset before volumes existed.
	Depth int
	// Train and Test are split by subject.
	Train, Test []Sample
}

// Volumetric tells whether the samples are D×H×W volumes (Depth > 1) rather
// than 2D images.
func (d *Dataset) Volumetric() bool { return d.Depth > 1 }

// Voxels returns the number of mask values per sample: Depth×Height×Width for a
// volumetric dataset, Height×Width otherwise.
func (d *Dataset) Voxels() int { return max(d.Depth, 1) * d.Height * d.Width }

// Batch packs samples into GoMLX tensors: images float32 [N, H, W, C] and masks
// float32 [N, H, W] with values 0 or 1; for a volumetric dataset (Depth > 1)
// images [N, D, H, W, C] and masks [N, D, H, W]. It returns an error naming the
// sample index when a sample's size does not match the dataset's shape.
func (d *Dataset) Batch(samples []Sample) (images, masks *tensors.Tensor, err error) {
	n := len(samples)
	if n == 0 {
		return nil, nil, fmt.Errorf("data: %s: empty batch", d.Name)
	}
	hw := d.Voxels()
	spatial := []int{n, d.Height, d.Width}
	if d.Volumetric() {
		spatial = []int{n, d.Depth, d.Height, d.Width}
	}
	images = tensors.FromShape(shapes.Make(dtypes.Float32, append(slices.Clone(spatial), d.Channels)...))
	masks = tensors.FromShape(shapes.Make(dtypes.Float32, spatial...))
	for i, s := range samples {
		if len(s.Image) != hw*d.Channels || len(s.Mask) != hw {
			return nil, nil, fmt.Errorf("data: %s: sample %d (%s slice %d) has %d image and %d mask values, want %d and %d",
				d.Name, i, s.Subject, s.Slice, len(s.Image), len(s.Mask), hw*d.Channels, hw)
		}
	}
	tensors.MustMutableFlatData(images, func(flat []float32) {
		for i, s := range samples {
			copy(flat[i*hw*d.Channels:], s.Image)
		}
	})
	tensors.MustMutableFlatData(masks, func(flat []float32) {
		for i, s := range samples {
			for j, m := range s.Mask {
				if m != 0 {
					flat[i*hw+j] = 1
				}
			}
		}
	})
	return images, masks, nil
}

// SliceOf returns slice k (0 ≤ k < Depth) of the volumetric sample s as a 2D
// sample of Height×Width pixels (Slice = k, Subject and Meta shared with s), so
// that 2D tools (previews, per-slice measures) can look into a volume.
func (d *Dataset) SliceOf(s Sample, k int) (Sample, error) {
	hw, nc := d.Height*d.Width, d.Channels
	if !d.Volumetric() {
		return Sample{}, fmt.Errorf("data: %s: SliceOf on 2D samples (Depth %d)", d.Name, d.Depth)
	}
	if k < 0 || k >= d.Depth {
		return Sample{}, fmt.Errorf("data: %s: slice %d out of range [0, %d)", d.Name, k, d.Depth)
	}
	if len(s.Image) != d.Voxels()*nc || len(s.Mask) != d.Voxels() {
		return Sample{}, fmt.Errorf("data: %s: sample %s has %d image and %d mask values, want %d and %d",
			d.Name, s.Subject, len(s.Image), len(s.Mask), d.Voxels()*nc, d.Voxels())
	}
	return Sample{
		Image:   slices.Clone(s.Image[k*hw*nc : (k+1)*hw*nc]),
		Mask:    slices.Clone(s.Mask[k*hw : (k+1)*hw]),
		Subject: s.Subject,
		Slice:   k,
		Meta:    s.Meta,
	}, nil
}
