package unet

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/gomlx/gomlx/ui/commandline"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// Mask sources for the prototypes of the online SA term.
const (
	// MaskOutput uses the network's own foreground probability B, with the
	// gradient stopped through it (the paper's reading, docs/design.md §2).
	MaskOutput = "output"
	// MaskGroundTruth uses the ground truth G.
	MaskGroundTruth = "gt"
)

// TrainConfig configures training. The zero value of every field means its default.
type TrainConfig struct {
	// Mode is Offline (default) or Online.
	Mode Mode `json:"mode"`
	// Epochs to train (default DefaultEpochs: 12; the paper trains 50).
	Epochs int `json:"epochs"`
	// BatchSize (default DefaultBatchSize: 10, as the paper).
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
	// ObjectWeight weighs the object pixels in the cross-entropy (0 or 1: the
	// paper's plain cross-entropy). Small objects on small training sets (the
	// pancreas stand-in: ~1 % of the pixels, 120 images) otherwise collapse to all
	// background. AutoObjectWeight (negative) sets it from the training set:
	// √(background pixels / object pixels), clamped to [1, 10].
	ObjectWeight float64 `json:"object_weight,omitempty"`
	// Keep is the number of the latest epoch checkpoints kept for resuming
	// (default and minimum 3).
	Keep int `json:"keep"`
	// VoGCheckpoints is the number K of checkpoints kept for the VoG baseline,
	// spread evenly over training (epochs round(k·Epochs/K), k = 1…K; every epoch
	// when Epochs < K), in the folder vog/ beside the resume checkpoints, as
	// Agarwal et al. (2022) spread theirs (default and minimum 5).
	VoGCheckpoints int `json:"vog_checkpoints,omitempty"`

	// ProgressBar shows GoMLX's progress bar (commandline.AttachProgressBar: a
	// terminal display, or an HTML one inside GoNB) on standard output instead of
	// the step lines written to the progress writer of Train.
	ProgressBar bool `json:"-"`
	// StallTimeout, when positive, makes Train fail with an error (and write a
	// goroutine dump beside the checkpoints) if no training step finishes for
	// that long, instead of hanging silently.
	StallTimeout time.Duration `json:"-"`
}

// Defaults for the small models of this machine (see the package doc and README).
const (
	// DefaultEpochs is the number of training epochs, the same for `protoseg
	// train` and the study's default preset (study.DefaultPreset()); the paper
	// trains 50.
	DefaultEpochs = 12
	// DefaultBatchSize is the paper's batch of 10 images: the default of
	// training (TrainConfig.BatchSize) and of the forward passes of the study's
	// analyses and of the explorer (which uses the study's batches, so that the
	// layer SA it shows equals the study's).
	DefaultBatchSize    = 10
	DefaultLearningRate = 1e-3
	DefaultHalveEvery   = 20
	DefaultKeep         = 3
	DefaultVoG          = 5
)

// vogDir is the folder, inside a run's folder, of the VoG checkpoints.
const vogDir = "vog"

// VoGEpochs returns the (1-based, increasing, distinct) epochs whose checkpoints
// the VoG baseline keeps: round(i·epochs/k) for i = 1…k, every epoch when
// epochs < k.
func VoGEpochs(epochs, k int) []int {
	var out []int
	for i := 1; i <= k; i++ {
		e := int(math.Round(float64(i) * float64(epochs) / float64(k)))
		if e >= 1 && (len(out) == 0 || e > out[len(out)-1]) {
			out = append(out, e)
		}
	}
	return out
}

func (tc *TrainConfig) fill() error {
	if tc.Mode == "" {
		tc.Mode = Offline
	}
	if _, err := ParseMode(string(tc.Mode)); err != nil {
		return err
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
	tc.VoGCheckpoints = max(tc.VoGCheckpoints, DefaultVoG)
	return nil
}

// LearningRateAt is the learning rate of epoch e (0-based): halved every
// HalveEvery epochs (the paper's shape; HalveEvery ≥ Epochs keeps it constant).
func (tc TrainConfig) LearningRateAt(e int) float64 {
	return tc.LearningRate * math.Pow(0.5, float64(e/tc.HalveEvery))
}

// savedConfig is written to config.json beside the checkpoints.
type savedConfig struct {
	Model   Config      `json:"model"`
	Train   TrainConfig `json:"train"`
	Dataset string      `json:"dataset"`
	// DataFingerprint is the trained-on data's [data.Dataset.Fingerprint]: a run
	// on other data is discarded, not resumed or reused.
	DataFingerprint string `json:"data_fingerprint"`
}

// AutoObjectWeight as TrainConfig.ObjectWeight sets the weight from the data.
const AutoObjectWeight = -1

// ObjectWeightFor returns √(background/object pixels) of the training set of ds,
// clamped to [1, 10]: 1 for large objects, up to 10 for tiny ones.
func ObjectWeightFor(ds *data.Dataset) float64 {
	var object, total float64
	for _, s := range ds.Train {
		for _, m := range s.Mask {
			if m != 0 {
				object++
			}
		}
		total += float64(len(s.Mask))
	}
	if object == 0 {
		return 1
	}
	return math.Min(10, math.Max(1, math.Sqrt((total-object)/object)))
}

// Train trains a U-Net on ds (or resumes the run in dir, losing at most the epoch
// that was interrupted), saving a checkpoint and a history line after every epoch,
// and returns the trained network. A run that already reached tc.Epochs is loaded,
// not retrained. A run in dir trained on other data (another
// [data.Dataset.Fingerprint], e.g. after a generator changed) is discarded and
// trained afresh. Progress lines go to progress (nil: none).
func Train(backend backends.Backend, cfg Config, tc TrainConfig, ds *data.Dataset, dir string, progress io.Writer) (*Network, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := tc.fill(); err != nil {
		return nil, err
	}
	if err := checkDataset(cfg, tc, ds); err != nil {
		return nil, err
	}
	if tc.ObjectWeight < 0 {
		tc.ObjectWeight = ObjectWeightFor(ds)
	}
	if progress == nil {
		progress = io.Discard
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("unet: %w", err)
	}
	fp := ds.Fingerprint()
	if _, err := discardStaleRun(dir, ds.Name, fp, progress); err != nil {
		return nil, err
	}
	saved := savedConfig{Model: cfg, Train: tc, Dataset: ds.Name, DataFingerprint: fp}
	if err := writeJSON(filepath.Join(dir, configFile), saved); err != nil {
		return nil, fmt.Errorf("unet: %w", err)
	}
	r := &run{cfg: cfg, tc: tc, ds: ds, dir: dir, progress: progress}
	if err := r.restore(); err != nil {
		return nil, err
	}
	net, err := newNetwork(backend, r.ctx, cfg, dir)
	if err != nil {
		return nil, err
	}
	r.net = net
	if r.epoch >= tc.Epochs {
		return net, nil
	}
	if r.epoch > 0 {
		fmt.Fprintf(progress, "%s %s: resuming after epoch %d\n", ds.Name, tc.Mode, r.epoch)
	}
	dog := &watchdog{timeout: tc.StallTimeout, dir: dir}
	r.beat = dog.beat
	if err := dog.run(func() error { return r.train(backend) }); err != nil {
		return nil, err
	}
	return net, nil
}

// checkDataset checks that ds suits the network and the training.
func checkDataset(cfg Config, tc TrainConfig, ds *data.Dataset) error {
	if cfg.InChannels != ds.Channels {
		return fmt.Errorf("unet: model has %d input channels, dataset %s has %d", cfg.InChannels, ds.Name, ds.Channels)
	}
	if ds.Volumetric() != (cfg.Dims == 3) {
		return fmt.Errorf("unet: dataset %s has depth %d, the network is %dD (Config.Dims 3 takes volumes, Depth > 1)",
			ds.Name, ds.Depth, cfg.SpatialDims())
	}
	sizes := []int{ds.Height, ds.Width}
	if cfg.Dims == 3 {
		sizes = []int{ds.Depth, ds.Height, ds.Width}
	}
	if err := cfg.CheckSpatial(sizes...); err != nil {
		return fmt.Errorf("%w (dataset %s)", err, ds.Name)
	}
	if len(ds.Train) == 0 || len(ds.Test) == 0 {
		return fmt.Errorf("unet: dataset %s has %d train and %d test images", ds.Name, len(ds.Train), len(ds.Test))
	}
	return nil
}

// run is the state of one training run.
type run struct {
	cfg      Config
	tc       TrainConfig
	ds       *data.Dataset
	dir      string
	progress io.Writer
	beat     func()

	ctx      *context.Context
	ckpt     *checkpoints.Handler
	epochVar *context.Variable // epochs finished, saved with the checkpoints
	epoch    int               // epochs finished
	net      *Network

	// Accumulated over the current epoch.
	steps   int
	lossSum float64
	started time.Time
}

// restore creates the context, loading the latest checkpoint of dir if any, and
// trims history lines of an epoch whose checkpoint was not saved.
func (r *run) restore() error {
	r.ctx = context.New()
	if err := r.ctx.SetRNGStateFromSeed(int64(r.tc.Seed)); err != nil {
		return fmt.Errorf("unet: %w", err)
	}
	var err error
	r.ckpt, err = checkpoints.Build(r.ctx).Dir(r.dir).Keep(r.tc.Keep).Immediate().Done()
	if err != nil {
		return fmt.Errorf("unet: checkpoints in %s: %w", r.dir, err)
	}
	r.epochVar = r.ctx.In("progress").Checked(false).VariableWithValue("epoch", int64(0)).SetTrainable(false)
	v, err := r.epochVar.Value()
	if err != nil {
		return fmt.Errorf("unet: reading the epoch counter: %w", err)
	}
	r.epoch = int(tensors.ToScalar[int64](v))
	hist, err := ReadHistory(r.dir)
	if err != nil {
		return err
	}
	if len(hist) > r.epoch {
		return rewriteHistory(r.dir, hist[:r.epoch])
	}
	return nil
}

// train runs the remaining epochs in one train.Loop.
func (r *run) train(backend backends.Backend) error {
	cfg, tc := r.cfg, r.tc
	trainer := train.NewTrainer(backend, r.ctx,
		func(ctx *context.Context, _ any, inputs []*Node) []*Node {
			out := Model(ctx.Checked(false), cfg, inputs[0]) // variables may come from a checkpoint
			return append([]*Node{out.Logits}, out.Features...)
		},
		func(labels, predictions []*Node) *Node {
			return Loss(&Output{Logits: predictions[0], Features: predictions[1:]}, labels[0], tc)
		},
		optimizers.Adam().LearningRate(tc.LearningRate).Done(), nil, nil)
	batches := newEpochBatches(r.ds, tc.BatchSize, tc.Seed, r.epoch)
	loop := train.NewLoop(trainer)
	loop.OnStep("unet.epoch", 0, func(_ *train.Loop, metrics []*tensors.Tensor) error {
		return r.afterStep(batches.stepsPerEpoch(), metrics)
	})
	if tc.ProgressBar {
		commandline.AttachProgressBar(loop)
	}
	if err := r.startEpoch(); err != nil {
		return err
	}
	if _, err := loop.RunSteps(batches, (tc.Epochs-r.epoch)*batches.stepsPerEpoch()); err != nil {
		return fmt.Errorf("unet: training on %s: %w", r.ds.Name, err)
	}
	return nil
}

// startEpoch sets the learning rate of the epoch about to run.
func (r *run) startEpoch() error {
	r.steps, r.lossSum, r.started = 0, 0, time.Now()
	lr := r.tc.LearningRateAt(r.epoch)
	if err := optimizers.LearningRateVar(r.ctx, dtypes.Float32, lr).SetValue(tensors.FromScalar(float32(lr))); err != nil {
		return fmt.Errorf("unet: setting the learning rate: %w", err)
	}
	return nil
}

// afterStep accumulates the loss of a step and, after the last step of an epoch,
// measures the test Dice, saves a checkpoint and a history line, and starts the
// next epoch.
func (r *run) afterStep(stepsPerEpoch int, metrics []*tensors.Tensor) error {
	if r.beat != nil {
		r.beat()
	}
	loss := shapes.ConvertTo[float64](metrics[0].Value())
	r.lossSum += loss
	r.steps++
	if !r.tc.ProgressBar {
		fmt.Fprintf(r.progress, "\r%s %s: epoch %d/%d  step %2d/%d  loss %.4f  ",
			r.ds.Name, r.tc.Mode, r.epoch+1, r.tc.Epochs, r.steps, stepsPerEpoch, loss)
	}
	if r.steps < stepsPerEpoch {
		return nil
	}
	dice, err := r.net.TestDice(r.ds, r.tc.BatchSize)
	if err != nil {
		return err
	}
	e := Epoch{Epoch: r.epoch + 1, TrainLoss: r.lossSum / float64(r.steps), TestDice: dice,
		LearningRate: r.tc.LearningRateAt(r.epoch), Seconds: time.Since(r.started).Seconds()}
	fmt.Fprintf(r.progress, "\r%s %s: epoch %d/%d  loss %.4f  test Dice %.3f  (%.1fs)\n",
		r.ds.Name, r.tc.Mode, e.Epoch, r.tc.Epochs, e.TrainLoss, dice, e.Seconds)
	if err := r.epochVar.SetValue(tensors.FromScalar(int64(e.Epoch))); err != nil {
		return fmt.Errorf("unet: %w", err)
	}
	if err := r.ckpt.Save(); err != nil {
		return fmt.Errorf("unet: saving checkpoint in %s: %w", r.dir, err)
	}
	if slices.Contains(VoGEpochs(r.tc.Epochs, r.tc.VoGCheckpoints), e.Epoch) {
		if err := r.keepForVoG(); err != nil {
			return err
		}
	}
	if err := appendHistory(r.dir, e); err != nil {
		return err
	}
	r.epoch = e.Epoch
	if r.epoch < r.tc.Epochs {
		return r.startEpoch()
	}
	return nil
}

// keepForVoG copies the checkpoint just saved into the VoG folder, where the
// resume handler's Keep limit does not delete it.
func (r *run) keepForVoG() error {
	names, err := r.ckpt.ListCheckpoints()
	if err != nil {
		return fmt.Errorf("unet: listing checkpoints in %s: %w", r.dir, err)
	}
	if len(names) == 0 {
		return fmt.Errorf("unet: no checkpoint in %s after saving", r.dir)
	}
	sub := filepath.Join(r.dir, vogDir)
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return fmt.Errorf("unet: VoG checkpoints: %w", err)
	}
	last := names[len(names)-1]
	for _, ext := range []string{checkpoints.JsonNameSuffix, checkpoints.BinDataSuffix} {
		if err := copyFile(filepath.Join(r.dir, last+ext), filepath.Join(sub, last+ext)); err != nil {
			return fmt.Errorf("unet: VoG checkpoint %s: %w", last, err)
		}
	}
	return nil
}

// TestDice returns the mean Dice(B, G) of the network over the test set of ds
// (over voxels for a 3D network).
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
		for i, b := range protoseg.BinaryMaps(pred.Mask) {
			d, err := protoseg.DiceScore(b, batch[i].Mask)
			if err != nil {
				return 0, err
			}
			sum += d
		}
	}
	return sum / float64(len(ds.Test)), nil
}
