package unet

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/data"
)

// Volumes for the 3D network (Config.Dims 3). A volumetric dataset holds
// samples of D×H×W×C image values and D×H×W mask values, flat in
// Sample.Image and Sample.Mask (row-major [d][h][w][c] and [d][h][w]), with
// Dataset.Height, Width and Channels as for images; the depth D is what the
// lengths imply, the same for every sample.

// VolumeDepth returns the depth D of the volumes of ds: len(Image) /
// (Height·Width·Channels) of its samples, which must all agree (and their
// masks hold D·Height·Width values).
func VolumeDepth(ds *data.Dataset) (int, error) {
	hw := ds.Height * ds.Width
	if hw == 0 || ds.Channels == 0 {
		return 0, fmt.Errorf("unet: dataset %s is %d×%d×%d", ds.Name, ds.Height, ds.Width, ds.Channels)
	}
	depth := -1
	for _, set := range [][]data.Sample{ds.Train, ds.Test} {
		for i, s := range set {
			d := len(s.Image) / (hw * ds.Channels)
			if depth < 0 {
				depth = d
			}
			if d != depth || len(s.Image) != d*hw*ds.Channels || len(s.Mask) != d*hw {
				return 0, fmt.Errorf("unet: dataset %s: sample %d (%s) has %d image and %d mask values, want %d×%d×%d×%d and %d×%d×%d",
					ds.Name, i, s.Subject, len(s.Image), len(s.Mask), depth, ds.Height, ds.Width, ds.Channels, depth, ds.Height, ds.Width)
			}
		}
	}
	if depth <= 0 {
		return 0, fmt.Errorf("unet: dataset %s has no samples", ds.Name)
	}
	return depth, nil
}

// batchOf returns the images and masks of samples of ds as the network of cfg
// takes them: ds.Batch's [N, H, W, C] and [N, H, W] for 2D, [N, D, H, W, C]
// and [N, D, H, W] (masks 0/1) for 3D.
func batchOf(cfg Config, ds *data.Dataset, samples []data.Sample) (images, masks *tensors.Tensor, err error) {
	if cfg.Dims != 3 {
		return ds.Batch(samples)
	}
	n := len(samples)
	if n == 0 {
		return nil, nil, fmt.Errorf("unet: %s: empty batch", ds.Name)
	}
	d := len(samples[0].Image) / max(1, ds.Height*ds.Width*ds.Channels)
	vox := d * ds.Height * ds.Width
	for i, s := range samples {
		if vox == 0 || len(s.Image) != vox*ds.Channels || len(s.Mask) != vox {
			return nil, nil, fmt.Errorf("unet: %s: volume %d (%s) has %d image and %d mask values, want %d×%d×%d×%d and %d",
				ds.Name, i, s.Subject, len(s.Image), len(s.Mask), d, ds.Height, ds.Width, ds.Channels, vox)
		}
	}
	images = tensors.FromShape(shapes.Make(dtypes.Float32, n, d, ds.Height, ds.Width, ds.Channels))
	masks = tensors.FromShape(shapes.Make(dtypes.Float32, n, d, ds.Height, ds.Width))
	tensors.MustMutableFlatData(images, func(flat []float32) {
		for i, s := range samples {
			copy(flat[i*vox*ds.Channels:], s.Image)
		}
	})
	tensors.MustMutableFlatData(masks, func(flat []float32) {
		for i, s := range samples {
			for j, m := range s.Mask {
				if m != 0 {
					flat[i*vox+j] = 1
				}
			}
		}
	})
	return images, masks, nil
}

// checkVolumes checks that the volumes of ds suit the 3D network of cfg.
func checkVolumes(cfg Config, ds *data.Dataset) error {
	depth, err := VolumeDepth(ds)
	if err != nil {
		return err
	}
	if err := cfg.CheckSpatial(depth, ds.Height, ds.Width); err != nil {
		return fmt.Errorf("%w (dataset %s)", err, ds.Name)
	}
	return nil
}
