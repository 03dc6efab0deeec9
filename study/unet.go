package study

import (
	"io"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/unet"
)

// UNetTrainer trains the paper's U-Net for the study (a [Trainer]).
type UNetTrainer struct {
	// Backend runs training and inference; analyses must use the same backend.
	Backend backends.Backend
	// Model is the architecture; InChannels is set from each dataset.
	Model unet.Config
	// Training is the training configuration; Mode is set per call.
	Training unet.TrainConfig
	// Progress receives training progress lines (nil: none).
	Progress io.Writer
}

// Train implements [Trainer]: it trains (or resumes, or reloads a finished run in
// dir) and returns the network with its VoG checkpoints (spread over training).
func (t *UNetTrainer) Train(ds *data.Dataset, mode unet.Mode, dir string) (measure.Model, []measure.GradientModel, error) {
	cfg := t.Model
	cfg.InChannels = ds.Channels
	tc := t.Training
	tc.Mode = mode
	tc.Layers = append([]int(nil), t.Training.Layers...)
	net, err := unet.Train(t.Backend, cfg, tc, ds, dir, t.Progress)
	if err != nil {
		return nil, nil, err
	}
	// VoG compares checkpoints spread over training; a run trained before they
	// were kept falls back to the resume checkpoints (the last epochs).
	ckpts, err := unet.LoadVoGCheckpoints(t.Backend, dir)
	if err != nil {
		return nil, nil, err
	}
	if len(ckpts) < 2 {
		if ckpts, err = unet.LoadCheckpoints(t.Backend, dir); err != nil {
			return nil, nil, err
		}
	}
	var grads []measure.GradientModel
	for _, c := range ckpts {
		grads = append(grads, c)
	}
	return NetworkModel{net}, grads, nil
}

// NetworkModel adapts a trained [unet.Network] to the study's [Model].
type NetworkModel struct{ *unet.Network }

// Forward implements [Model].
func (m NetworkModel) Forward(images *tensors.Tensor) (*measure.Output, error) {
	p, err := m.Network.Forward(images)
	if err != nil {
		return nil, err
	}
	return &measure.Output{Mask: p.Mask, Prob: p.Prob, Features: p.Features}, nil
}
