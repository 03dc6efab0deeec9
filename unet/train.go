package unet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// Training modes.
const (
	// Offline trains with cross-entropy only.
	Offline = "offline"
	// Online adds the mean over layers of 1 − soft SA to the loss.
	Online = "online"
)

// Mask sources for the prototypes of the online SA term.
const (
	// MaskOutput uses the network's own foreground probability B, with the
	// gradient stopped through it (the paper's reading, DESIGN §2).
	MaskOutput = "output"
	// MaskGroundTruth uses the ground truth G.
	MaskGroundTruth = "gt"
)

// TrainConfig configures training. The zero value of every field means its default.
type TrainConfig struct {
	// Mode is Offline (default) or Online.
	Mode string `json:"mode"`
	// Epochs to train (default 8; the paper trains 50).
	Epochs int `json:"epochs"`
	// BatchSize (default 10, as the paper).
	BatchSize int `json:"batch_size"`
	// LearningRate of Adam (default 1e-3 for the small CPU models; the paper uses
	// 1e-4 at Base 64) and HalveEvery: it is halved every HalveEvery epochs
	// (default 20, as the paper).
	LearningRate float64 `json:"learning_rate"`
	HalveEvery   int     `json:"halve_every"`
	// Seed makes initialisation and batch order repeatable.
	Seed uint64 `json:"seed"`
	// MaskSource is MaskOutput (default) or MaskGroundTruth, for the online term.
	MaskSource string `json:"mask_source"`
	// Layers are the (1-based) layers of the online SA term; default all 18.
	Layers []int `json:"layers,omitempty"`
	// Keep is the number of epoch checkpoints kept for the VoG baseline (default
	// and minimum 3).
	Keep int `json:"keep"`
}

// Defaults for the small models of this machine (see the package doc and README).
const (
	DefaultEpochs       = 8
	DefaultBatchSize    = 10
	DefaultLearningRate = 1e-3
	DefaultHalveEvery   = 20
	DefaultKeep         = 3
)

func (tc *TrainConfig) fill() error {
	if tc.Mode == "" {
		tc.Mode = Offline
	}
	if tc.Mode != Offline && tc.Mode != Online {
		return fmt.Errorf("unet: mode must be %q or %q, got %q", Offline, Online, tc.Mode)
	}
	if tc.Epochs <= 0 {
		tc.Epochs = DefaultEpochs
	}
	if tc.BatchSize <= 0 {
		tc.BatchSize = DefaultBatchSize
	}
	if tc.LearningRate <= 0 {
		tc.LearningRate = DefaultLearningRate
	}
	if tc.HalveEvery <= 0 {
		tc.HalveEvery = DefaultHalveEvery
	}
	if tc.MaskSource == "" {
		tc.MaskSource = MaskOutput
	}
	if tc.MaskSource != MaskOutput && tc.MaskSource != MaskGroundTruth {
		return fmt.Errorf("unet: mask source must be %q or %q, got %q", MaskOutput, MaskGroundTruth, tc.MaskSource)
	}
	if len(tc.Layers) == 0 {
		for l := 1; l <= NumLayers; l++ {
			tc.Layers = append(tc.Layers, l)
		}
	}
	for _, l := range tc.Layers {
		if l < 1 || l > NumLayers {
			return fmt.Errorf("unet: SA layer %d outside 1…%d", l, NumLayers)
		}
	}
	tc.Keep = max(tc.Keep, DefaultKeep)
	return nil
}

// LearningRateAt is the learning rate of epoch e (0-based): halved every HalveEvery epochs.
func (tc TrainConfig) LearningRateAt(e int) float64 {
	return tc.LearningRate * math.Pow(0.5, float64(e/tc.HalveEvery))
}

// savedConfig is written to config.json beside the checkpoints.
type savedConfig struct {
	Model   Config      `json:"model"`
	Train   TrainConfig `json:"train"`
	Dataset string      `json:"dataset"`
}

// Epoch is one line of the history file history.jsonl.
type Epoch struct {
	Epoch        int     `json:"epoch"`
	TrainLoss    float64 `json:"train_loss"`
	TestDice     float64 `json:"test_dice"`
	LearningRate float64 `json:"learning_rate"`
	Seconds      float64 `json:"seconds"`
}

// historyFile is the per-epoch log (JSON lines) beside the checkpoints.
const historyFile = "history.jsonl"

// ReadHistory reads the per-epoch history of a training run in dir.
func ReadHistory(dir string) ([]Epoch, error) {
	f, err := os.Open(filepath.Join(dir, historyFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	var hist []Epoch
	dec := json.NewDecoder(f)
	for {
		var e Epoch
		if err := dec.Decode(&e); err == io.EOF {
			return hist, nil
		} else if err != nil {
			return nil, fmt.Errorf("unet: %s: %w", filepath.Join(dir, historyFile), err)
		}
		hist = append(hist, e)
	}
}

// Loss returns the training loss of a batch: mean softmax cross-entropy of the
// logits against the masks [N, H, W] and, online, the mean over tc.Layers of
// 1 − soft SA of each layer's prototypes (from B or G) against G.
func Loss(out *Output, masks *Node, tc TrainConfig) *Node {
	logits := out.Logits
	labels := ConvertDType(masks, dtypes.Int32)
	logp := LogSoftmax(logits, -1)
	onehot := OneHot(labels, logits.Shape().Dimensions[logits.Rank()-1], logits.DType())
	ce := Neg(ReduceAllMean(ReduceSum(Mul(onehot, logp), -1)))
	if tc.Mode != Online {
		return ce
	}
	var mask *Node
	if tc.MaskSource == MaskGroundTruth {
		mask = masks
	} else {
		_, prob := maskAndProb(logits)
		mask = StopGradient(prob)
	}
	var sa *Node
	for _, l := range tc.Layers {
		term := protoseg.SALoss(out.Features[l-1], mask, masks, nil, protoseg.Bilinear)
		if sa == nil {
			sa = term
		} else {
			sa = Add(sa, term)
		}
	}
	return Add(ce, DivScalar(sa, float64(len(tc.Layers))))
}

// Train trains a U-Net on ds (or resumes the run in dir, losing at most the epoch
// that was interrupted), saving a checkpoint and a history line after every epoch,
// and returns the trained network. A run that already reached tc.Epochs is loaded,
// not retrained. Progress lines go to progress (nil: none).
func Train(backend backends.Backend, cfg Config, tc TrainConfig, ds *data.Dataset, dir string, progress io.Writer) (*Network, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := tc.fill(); err != nil {
		return nil, err
	}
	if cfg.InChannels != ds.Channels {
		return nil, fmt.Errorf("unet: model has %d input channels, dataset %s has %d", cfg.InChannels, ds.Name, ds.Channels)
	}
	if err := CheckSize(ds.Height, ds.Width); err != nil {
		return nil, fmt.Errorf("%w (dataset %s)", err, ds.Name)
	}
	if len(ds.Train) == 0 || len(ds.Test) == 0 {
		return nil, fmt.Errorf("unet: dataset %s has %d train and %d test images", ds.Name, len(ds.Train), len(ds.Test))
	}
	if progress == nil {
		progress = io.Discard
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("unet: %w", err)
	}
	saved := savedConfig{Model: cfg, Train: tc, Dataset: ds.Name}
	if err := writeJSON(filepath.Join(dir, configFile), saved); err != nil {
		return nil, fmt.Errorf("unet: %w", err)
	}
	hist, err := ReadHistory(dir)
	if err != nil {
		return nil, err
	}

	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(int64(tc.Seed)); err != nil {
		return nil, fmt.Errorf("unet: %w", err)
	}
	ckpt, err := checkpoints.Build(ctx).Dir(dir).Keep(tc.Keep).Immediate().Done()
	if err != nil {
		return nil, fmt.Errorf("unet: checkpoints in %s: %w", dir, err)
	}
	epochVar := ctx.In("progress").Checked(false).VariableWithValue("epoch", int64(0)).SetTrainable(false)
	startT, err := epochVar.Value()
	if err != nil {
		return nil, fmt.Errorf("unet: reading the epoch counter: %w", err)
	}
	start := int(tensors.ToScalar[int64](startT))
	if len(hist) > start { // history lines of an epoch whose checkpoint was not saved
		hist = hist[:start]
		if err := rewriteHistory(dir, hist); err != nil {
			return nil, err
		}
	}
	if start > 0 {
		fmt.Fprintf(progress, "%s %s: resuming after epoch %d\n", ds.Name, tc.Mode, start)
	}

	trainer := train.NewTrainer(backend, ctx,
		func(ctx *context.Context, _ any, inputs []*Node) []*Node {
			out := Model(ctx.Checked(false), cfg, inputs[0]) // variables may come from a checkpoint
			return append([]*Node{out.Logits}, out.Features...)
		},
		func(labels, predictions []*Node) *Node {
			return Loss(&Output{Logits: predictions[0], Features: predictions[1:]}, labels[0], tc)
		},
		optimizers.Adam().LearningRate(tc.LearningRate).Done(), nil, nil)
	net, err := newNetwork(backend, ctx, cfg, dir)
	if err != nil {
		return nil, err
	}
	steps := (len(ds.Train) + tc.BatchSize - 1) / tc.BatchSize
	for epoch := start; epoch < tc.Epochs; epoch++ {
		t0 := time.Now()
		lr := tc.LearningRateAt(epoch)
		lrVar := optimizers.LearningRateVar(ctx, dtypes.Float32, lr)
		if err := lrVar.SetValue(tensors.FromScalar(float32(lr))); err != nil {
			return nil, err
		}
		rng := rand.New(rand.NewPCG(tc.Seed, uint64(epoch)))
		order := rng.Perm(len(ds.Train))
		var lossSum float64
		for s := range steps {
			batch := make([]data.Sample, 0, tc.BatchSize)
			for _, i := range order[s*tc.BatchSize : min((s+1)*tc.BatchSize, len(order))] {
				batch = append(batch, ds.Train[i])
			}
			images, masks, err := ds.Batch(batch)
			if err != nil {
				return nil, err
			}
			metrics, err := trainer.TrainStep(nil, []*tensors.Tensor{images}, []*tensors.Tensor{masks})
			if err != nil {
				return nil, fmt.Errorf("unet: %s epoch %d step %d: %w", ds.Name, epoch+1, s+1, err)
			}
			loss := float64(tensors.ToScalar[float32](metrics[0]))
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return nil, fmt.Errorf("unet: %s epoch %d step %d: loss is %v", ds.Name, epoch+1, s+1, loss)
			}
			lossSum += loss
			fmt.Fprintf(progress, "\r%s %s: epoch %d/%d  step %2d/%d  loss %.4f  ", ds.Name, tc.Mode, epoch+1, tc.Epochs, s+1, steps, loss)
		}
		dice, err := net.TestDice(ds, tc.BatchSize)
		if err != nil {
			return nil, err
		}
		e := Epoch{Epoch: epoch + 1, TrainLoss: lossSum / float64(steps), TestDice: dice, LearningRate: lr, Seconds: time.Since(t0).Seconds()}
		fmt.Fprintf(progress, "\r%s %s: epoch %d/%d  loss %.4f  test Dice %.3f  (%.1fs)\n", ds.Name, tc.Mode, e.Epoch, tc.Epochs, e.TrainLoss, dice, e.Seconds)
		if err := epochVar.SetValue(tensors.FromScalar(int64(epoch + 1))); err != nil {
			return nil, err
		}
		if err := ckpt.Save(); err != nil {
			return nil, fmt.Errorf("unet: saving checkpoint in %s: %w", dir, err)
		}
		if err := appendHistory(dir, e); err != nil {
			return nil, err
		}
	}
	return net, nil
}

func appendHistory(dir string, e Epoch) error {
	f, err := os.OpenFile(filepath.Join(dir, historyFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("unet: history: %w", err)
	}
	if err := json.NewEncoder(f).Encode(e); err != nil {
		f.Close()
		return fmt.Errorf("unet: history: %w", err)
	}
	return f.Close()
}

func rewriteHistory(dir string, hist []Epoch) error {
	if err := os.Remove(filepath.Join(dir, historyFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, e := range hist {
		if err := appendHistory(dir, e); err != nil {
			return err
		}
	}
	return nil
}

// TestDice returns the mean Dice(B, G) of the network over the test set of ds.
func (n *Network) TestDice(ds *data.Dataset, batchSize int) (float64, error) {
	var sum float64
	for s := 0; s < len(ds.Test); s += batchSize {
		batch := ds.Test[s:min(s+batchSize, len(ds.Test))]
		images, _, err := ds.Batch(batch)
		if err != nil {
			return 0, err
		}
		pred, err := n.Forward(images)
		if err != nil {
			return 0, err
		}
		masks := tensors.MustCopyFlatData[float32](pred.Mask)
		size := len(masks) / len(batch)
		for i, smp := range batch {
			b := make([]uint8, size)
			for p := range b {
				if masks[i*size+p] > 0.5 {
					b[p] = 1
				}
			}
			d, err := protoseg.DiceScore(b, smp.Mask)
			if err != nil {
				return 0, err
			}
			sum += d
		}
	}
	return sum / float64(len(ds.Test)), nil
}
