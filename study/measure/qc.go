package measure

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/unet"
)

// QCMethods are the quality-control scores compared as failure detectors, in
// table order: μ, VoG, mean predictive entropy over the image and over the
// predicted foreground, and test-time-augmentation agreement.
var QCMethods = []string{"mu", "vog", "entropy", "entropy_fg", "tta"}

// QCResults holds, per test image, every quality-control score as a confidence
// (higher = more confident), and how well each detects failures.
type QCResults struct {
	// Dice is the Dice of the scored model's output on each test image.
	Dice []float64
	// Scores[method][n] is the confidence of image n under the method (a key of
	// QCMethods; "vog" is absent when VoG was skipped). Sign conventions: mu = μ;
	// vog = −VoG (degenerate images, predicted empty at every checkpoint, least confident); entropy = −(mean binary entropy of the softmax over the image);
	// entropy_fg = −(the same over the predicted foreground; an empty prediction
	// has no foreground, and its entropy_fg falls back to the whole-image
	// entropy so that it is not scored as perfectly certain); tta = the mean
	// pairwise Dice of the TTA predictions.
	Scores map[string][]float64
	// Metrics[method] are the failure-detection metrics of the method, with
	// failures at Dice < [protoseg.DefaultFailureThreshold]; a metric that is
	// undefined on this test set (e.g. AUROC when no image fails) is NaN here and
	// is reported as undefined (the Undefined map says why).
	Metrics map[string]protoseg.FailureDetection
	// Undefined[method] explains the undefined metrics of a method, if any.
	Undefined map[string]string
}

// binaryEntropy is the entropy (nats) of a Bernoulli(p), 0 at p ∈ {0, 1}.
func binaryEntropy(p float64) float64 {
	p = math.Min(1, math.Max(0, p))
	var h float64
	if p > 0 {
		h -= p * math.Log(p)
	}
	if p < 1 {
		h -= (1 - p) * math.Log(1-p)
	}
	return h
}

// QCScores computes the quality-control baselines of model on the test set of
// ds: res gives the Dice, μ, output and predictive entropy of the same model (one
// pass, [Analyze]); TTA agreement needs one forward pass per transform beyond
// the identity. vog is the model's VoG score (nil to skip). The test images must
// be square.
func QCScores(model Model, ds *data.Dataset, res *ModelResults, vog []float64, batchSize int) (*QCResults, error) {
	n := len(ds.Test)
	if ds.Height != ds.Width {
		return nil, fmt.Errorf("study: %s: TTA needs square images, got %d×%d", ds.Name, ds.Height, ds.Width)
	}
	if len(res.Dice) != n || len(res.Mu) != n || len(res.Output) != n || (vog != nil && len(vog) != n) {
		return nil, fmt.Errorf("study: %s: QC of %d test images with %d Dice, %d μ, %d outputs, %d VoG values", ds.Name, n, len(res.Dice), len(res.Mu), len(res.Output), len(vog))
	}
	if len(res.Entropy) != n || len(res.EntropyFG) != n {
		return nil, fmt.Errorf("study: %s: model gave no softmax probability for the entropy baseline", ds.Name)
	}
	q := &QCResults{Dice: res.Dice, Scores: map[string][]float64{}, Metrics: map[string]protoseg.FailureDetection{}, Undefined: map[string]string{}}
	q.Scores["mu"] = res.Mu
	if vog != nil {
		neg := make([]float64, n)
		for i, v := range vog {
			neg[i] = -v
		}
		q.Scores["vog"] = neg
	}
	q.Scores["entropy"], q.Scores["entropy_fg"] = res.Entropy, res.EntropyFG
	tta, err := ttaAgreement(model, ds, res.Output, batchSize)
	if err != nil {
		return nil, err
	}
	q.Scores["tta"] = tta
	if err := q.evaluate(); err != nil {
		return nil, fmt.Errorf("study: %s: %w", ds.Name, err)
	}
	return q, nil
}

// ttaAgreement is the TTA baseline: per test image, the mean pairwise Dice of
// the predictions under every transform, each mapped back; output holds the
// identity's predictions.
func ttaAgreement(model Model, ds *data.Dataset, output [][]uint8, batchSize int) ([]float64, error) {
	if batchSize <= 0 {
		batchSize = unet.DefaultBatchSize
	}
	n := len(ds.Test)
	var tta []float64
	for start := 0; start < n; start += batchSize {
		batch := ds.Test[start:min(start+batchSize, n)]
		masks, err := ttaMasks(model, ds, batch, start, output[start:start+len(batch)])
		if err != nil {
			return nil, err
		}
		for i := range batch {
			var sum float64
			var pairs int
			for a := range masks {
				for b := a + 1; b < len(masks); b++ {
					d, err := protoseg.DiceScore(masks[a][i], masks[b][i])
					if err != nil {
						return nil, err
					}
					sum += d
					pairs++
				}
			}
			tta = append(tta, sum/float64(pairs))
		}
	}
	return tta, nil
}

// ttaMasks returns the predictions [transform][image] of a batch of test images
// (the first is test image start) under every transform, mapped back; identity
// holds the batch's untransformed predictions. Images are [N, H, W, C] or
// volumes [N, D, H, W, C] with square H×W.
func ttaMasks(model Model, ds *data.Dataset, batch []data.Sample, start int, identity [][]uint8) ([][][]uint8, error) {
	images, _, err := ds.Batch(batch)
	if err != nil {
		return nil, err
	}
	dims := images.Shape().Dimensions
	nb, depth, s, c := len(batch), max(ds.Depth, 1), ds.Height, ds.Channels
	x := tensors.MustCopyFlatData[float32](images)
	ts := ttaTransforms(depth)
	masks := make([][][]uint8, len(ts))
	masks[0] = identity
	for ti, t := range ts[1:] {
		in := tensors.FromFlatDataAndDimensions(transformVolume(t, x, nb, depth, s, c), dims...)
		out, err := model.Forward(in)
		if err != nil {
			return nil, fmt.Errorf("study: %s: TTA %s forward pass on test images %d–%d: %w", ds.Name, t, start, start+nb-1, err)
		}
		bm := protoseg.BinaryMaps(out.Mask)
		if len(bm) != nb || len(bm[0]) != depth*s*s {
			return nil, fmt.Errorf("study: %s: TTA %s: model gave %d masks of %d voxels, want %d of %d", ds.Name, t, len(bm), len(bm[0]), nb, depth*s*s)
		}
		for i := range nb {
			masks[ti+1] = append(masks[ti+1], transformVolume(ttaInverse(t), bm[i], 1, depth, s, 1))
		}
	}
	return masks, nil
}

// evaluate computes the failure-detection metrics of every scored method.
func (q *QCResults) evaluate() error {
	for _, m := range q.Methods() {
		sc := q.Scores[m]
		if _, err := protoseg.AURC(sc, q.Dice); err != nil {
			return fmt.Errorf("failure detection of %s: %w", m, err)
		}
		fd, err := protoseg.EvaluateFailureDetection(sc, q.Dice, protoseg.DefaultFailureThreshold)
		if err != nil {
			q.Undefined[m] = err.Error()
			markUndefined(&fd, sc, q.Dice)
		}
		q.Metrics[m] = fd
	}
	return nil
}

// markUndefined sets to NaN the metrics of fd that cannot be computed, so that
// tables print them as undefined instead of as 0.
func markUndefined(fd *protoseg.FailureDetection, conf, dice []float64) {
	if _, err := protoseg.Spearman(conf, dice); err != nil {
		fd.Spearman = math.NaN()
	}
	if _, err := protoseg.Pearson(conf, dice); err != nil {
		fd.Pearson = math.NaN()
	}
	if _, err := protoseg.FailureAUROC(conf, dice, protoseg.DefaultFailureThreshold); err != nil {
		fd.AUROC = math.NaN()
	}
}

// Methods returns the QC methods scored on q, in [QCMethods] order.
func (q *QCResults) Methods() []string {
	var ms []string
	for _, m := range QCMethods {
		if _, ok := q.Scores[m]; ok {
			ms = append(ms, m)
		}
	}
	return ms
}
