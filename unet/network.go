package unet

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// Network is a U-Net with its variables, ready for inference and analysis. Its
// compiled graphs are reused for every batch of the same shape.
type Network struct {
	// Config describes the architecture.
	Config Config
	// Dir is the checkpoint folder it was loaded from ("" if none).
	Dir string

	backend backends.Backend
	ctx     *context.Context
	infer   *context.Exec
	grad    *context.Exec
}

// Prediction is the result of a forward pass on a batch.
type Prediction struct {
	// Mask is the binarised output B (argmax over classes is "object"), float32
	// [N, H, W] ([N, D, H, W] for a 3D network).
	Mask *tensors.Tensor
	// Prob is the softmax foreground probability, float32 [N, H, W] ([N, D, H, W]).
	Prob *tensors.Tensor
	// Features are the post-ReLU feature maps of layers 1…18, [N, h, w, C]
	// ([N, d, h, w, C] for a 3D network).
	Features []*tensors.Tensor
}

// Release frees the prediction's tensors (mask, probability and features) at
// once, so that the backend can reuse their memory for the next forward pass
// instead of allocating (and the garbage collector reclaiming) fresh
// buffers; a loop over batches calls it when it is done with a prediction.
// The prediction must not be used afterwards. Releasing nil or an already
// released prediction does nothing.
func (p *Prediction) Release() error {
	if p == nil {
		return nil
	}
	for _, t := range append([]*tensors.Tensor{p.Mask, p.Prob}, p.Features...) {
		if t == nil {
			continue
		}
		if err := t.FinalizeAll(); err != nil {
			return fmt.Errorf("unet: releasing a prediction: %w", err)
		}
	}
	p.Mask, p.Prob, p.Features = nil, nil, nil
	return nil
}

// newNetwork wraps a context holding the variables of a U-Net.
func newNetwork(backend backends.Backend, ctx *context.Context, cfg Config, dir string) (*Network, error) {
	n := &Network{Config: cfg, Dir: dir, backend: backend, ctx: ctx}
	var err error
	n.infer, err = context.NewExec(backend, ctx.Checked(false), func(ctx *context.Context, images *Node) []*Node {
		out := Model(ctx, cfg, images)
		mask, prob := maskAndProb(out.Logits)
		return append([]*Node{mask, prob}, out.Features...)
	})
	if err != nil {
		return nil, fmt.Errorf("unet: building inference: %w", err)
	}
	n.grad, err = context.NewExec(backend, ctx.Checked(false), func(ctx *context.Context, images *Node) *Node {
		out := Model(ctx, cfg, images)
		mask, _ := maskAndProb(out.Logits)
		object := SliceAxis(out.Logits, -1, AxisElem(1))
		object = Reshape(object, mask.Shape().Dimensions...)
		score := ReduceAllSum(protoseg.VoGObjectScore(StopGradient(mask), object))
		return Gradient(score, images)[0]
	})
	if err != nil {
		return nil, fmt.Errorf("unet: building input gradient: %w", err)
	}
	return n, nil
}

// maskAndProb returns the binarised output (object where it is the most likely
// class) and the softmax probability of class 1, both [N, H, W] (volumes of
// two classes: maskAndProbBinary).
func maskAndProb(logits *Node) (mask, prob *Node) {
	if logits.Rank() == 5 && logits.Shape().Dimensions[4] == 2 {
		return maskAndProbBinary(logits)
	}
	p := Softmax(logits, -1)
	prob = Squeeze(SliceAxis(p, -1, AxisElem(1)), -1)
	best := ArgMax(logits, -1)
	mask = ConvertDType(Equal(best, OnesLike(best)), logits.DType())
	return mask, prob
}

// Forward runs the network on images [N, H, W, InChannels] (float32, in [0,1]),
// or volumes [N, D, H, W, InChannels] for a 3D network (Config.Dims 3).
func (n *Network) Forward(images *tensors.Tensor) (*Prediction, error) {
	if err := n.checkImages(images); err != nil {
		return nil, err
	}
	outs, err := n.infer.Exec(images)
	if err != nil {
		return nil, fmt.Errorf("unet: forward pass: %w", err)
	}
	return &Prediction{Mask: outs[0], Prob: outs[1], Features: outs[2:]}, nil
}

// InputGradient returns ∂(Σ_hw B̂·logit_object / max(|B̂|, 1))/∂images,
// [N, H, W, InChannels], with B̂ the network's own binarised output held constant —
// the quantity whose variance over checkpoints is the VoG baseline (normalised by
// the object's size: see [protoseg.VoGObjectScore]).
func (n *Network) InputGradient(images *tensors.Tensor) (*tensors.Tensor, error) {
	if err := n.checkImages(images); err != nil {
		return nil, err
	}
	outs, err := n.grad.Exec(images)
	if err != nil {
		return nil, fmt.Errorf("unet: input gradient: %w", err)
	}
	return outs[0], nil
}

func (n *Network) checkImages(images *tensors.Tensor) error {
	d := images.Shape().Dimensions
	if n.Config.Dims == 3 {
		if len(d) != 5 || d[4] != n.Config.InChannels {
			return fmt.Errorf("unet: volumes shaped %s, want [N, D, H, W, %d]", images.Shape(), n.Config.InChannels)
		}
		return n.Config.CheckSpatial(d[1], d[2], d[3])
	}
	if len(d) != 4 || d[3] != n.Config.InChannels {
		return fmt.Errorf("unet: images shaped %s, want [N, H, W, %d]", images.Shape(), n.Config.InChannels)
	}
	return CheckSize(d[1], d[2])
}

// configFile is the name of the JSON file written beside the checkpoints.
const configFile = "config.json"

// Load returns the network saved in dir (its latest checkpoint) on backend.
func Load(backend backends.Backend, dir string) (*Network, error) {
	var saved savedConfig
	if err := readJSON(filepath.Join(dir, configFile), &saved); err != nil {
		return nil, fmt.Errorf("unet: loading %s: %w", dir, err)
	}
	ctx := context.New()
	h, err := checkpoints.Build(ctx).Dir(dir).Immediate().Done()
	if err != nil {
		return nil, fmt.Errorf("unet: loading checkpoint from %s: %w", dir, err)
	}
	if ok, err := h.HasCheckpoints(); err != nil || !ok {
		return nil, fmt.Errorf("unet: no checkpoint in %s", dir)
	}
	return newNetwork(backend, ctx, saved.Model, dir)
}

// LoadCheckpoints returns one network per checkpoint kept in dir for resuming
// (the last [DefaultKeep] epochs), oldest first.
func LoadCheckpoints(backend backends.Backend, dir string) ([]*Network, error) {
	return loadCheckpointsIn(backend, dir, dir)
}

// LoadVoGCheckpoints returns one network per VoG checkpoint of the run in dir
// (TrainConfig.VoGCheckpoints epochs spread evenly over training, kept in
// dir/vog beside the resume checkpoints), oldest first. A run without that
// folder gives none.
func LoadVoGCheckpoints(backend backends.Backend, dir string) ([]*Network, error) {
	sub := filepath.Join(dir, vogDir)
	if _, err := os.Stat(sub); os.IsNotExist(err) {
		return nil, nil
	}
	return loadCheckpointsIn(backend, dir, sub)
}

func loadCheckpointsIn(backend backends.Backend, runDir, dir string) ([]*Network, error) {
	var saved savedConfig
	if err := readJSON(filepath.Join(runDir, configFile), &saved); err != nil {
		return nil, fmt.Errorf("unet: loading %s: %w", runDir, err)
	}
	h, err := checkpoints.Build(context.New()).Dir(dir).Done()
	if err != nil {
		return nil, fmt.Errorf("unet: listing checkpoints in %s: %w", dir, err)
	}
	names, err := h.ListCheckpoints()
	if err != nil {
		return nil, err
	}
	var nets []*Network
	for _, name := range names {
		tmp, err := os.MkdirTemp("", "unet-checkpoint-")
		if err != nil {
			return nil, err
		}
		for _, ext := range []string{checkpoints.JsonNameSuffix, checkpoints.BinDataSuffix} {
			if err := copyFile(filepath.Join(dir, name+ext), filepath.Join(tmp, name+ext)); err != nil {
				os.RemoveAll(tmp)
				return nil, fmt.Errorf("unet: checkpoint %s: %w", name, err)
			}
		}
		ctx := context.New()
		_, err = checkpoints.Build(ctx).Dir(tmp).Immediate().Done()
		os.RemoveAll(tmp)
		if err != nil {
			return nil, fmt.Errorf("unet: loading checkpoint %s: %w", name, err)
		}
		net, err := newNetwork(backend, ctx, saved.Model, runDir)
		if err != nil {
			return nil, err
		}
		nets = append(nets, net)
	}
	return nets, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
