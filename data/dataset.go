package data

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Sample is one 2D image with its ground-truth mask, already resized to the
// dataset's model size and normalised per channel to [0,1].
type Sample struct {
	// Image holds Height×Width×Channels values, channels last (row-major [h][w][c]).
	Image []float32
	// Mask holds Height×Width values, 1 for object and 0 for background.
	Mask []uint8
	// Subject identifies the patient/volume/photo the sample came from; splits never
	// put one subject on both sides.
	Subject string
	// Slice is the index of the slice along the volume's axial axis (0 for 2D photos).
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
	// Train and Test are split by subject.
	Train, Test []Sample
}

// Batch packs samples into GoMLX tensors: images float32 [N, H, W, C] and masks
// float32 [N, H, W] with values 0 or 1. It returns an error naming the sample index
// when a sample's size does not match the dataset's shape.
func (d *Dataset) Batch(samples []Sample) (images, masks *tensors.Tensor, err error) {
	n := len(samples)
	if n == 0 {
		return nil, nil, fmt.Errorf("data: %s: empty batch", d.Name)
	}
	hw := d.Height * d.Width
	images = tensors.FromShape(shapes.Make(dtypes.Float32, n, d.Height, d.Width, d.Channels))
	masks = tensors.FromShape(shapes.Make(dtypes.Float32, n, d.Height, d.Width))
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
