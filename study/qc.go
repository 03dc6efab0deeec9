package study

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

// ttaTransforms are the test-time augmentations: identity, horizontal flip,
// vertical flip, and rotations by 90°, 180° and 270° (images are square).
var ttaTransforms = []string{"identity", "hflip", "vflip", "rot90", "rot180", "rot270"}

// ttaSource returns, for output pixel (i, j) of transform t on an s×s grid, the
// input pixel it is taken from.
func ttaSource(t string, s, i, j int) (int, int) {
	switch t {
	case "hflip":
		return i, s - 1 - j
	case "vflip":
		return s - 1 - i, j
	case "rot90": // counter-clockwise
		return j, s - 1 - i
	case "rot180":
		return s - 1 - i, s - 1 - j
	case "rot270":
		return s - 1 - j, i
	}
	return i, j
}

// ttaInverse is the transform that undoes t.
func ttaInverse(t string) string {
	switch t {
	case "rot90":
		return "rot270"
	case "rot270":
		return "rot90"
	}
	return t
}

// transformHWC applies t to n images of s×s×c values stored HWC.
func transformHWC[T any](t string, x []T, n, s, c int) []T {
	out := make([]T, len(x))
	for b := range n {
		base := b * s * s * c
		for i := range s {
			for j := range s {
				si, sj := ttaSource(t, s, i, j)
				copy(out[base+(i*s+j)*c:base+(i*s+j+1)*c], x[base+(si*s+sj)*c:base+(si*s+sj+1)*c])
			}
		}
	}
	return out
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
// ds: predictive entropy (from the softmax foreground probability Output.Prob of
// the identity pass) and TTA agreement (one forward pass per transform). res
// gives the Dice and μ of the same model; vog is its VoG score (nil to skip).
// The test images must be square.
func QCScores(model Model, ds *data.Dataset, res *ModelResults, vog []float64, batchSize int) (*QCResults, error) {
	if batchSize <= 0 {
		batchSize = unet.DefaultBatchSize
	}
	if ds.Height != ds.Width {
		return nil, fmt.Errorf("study: %s: TTA needs square images, got %d×%d", ds.Name, ds.Height, ds.Width)
	}
	n := len(ds.Test)
	if len(res.Dice) != n || len(res.Mu) != n || (vog != nil && len(vog) != n) {
		return nil, fmt.Errorf("study: %s: QC of %d test images with %d Dice, %d μ, %d VoG values", ds.Name, n, len(res.Dice), len(res.Mu), len(vog))
	}
	s, c := ds.Height, ds.Channels
	q := &QCResults{Dice: res.Dice, Scores: map[string][]float64{}, Metrics: map[string]protoseg.FailureDetection{}, Undefined: map[string]string{}}
	q.Scores["mu"] = res.Mu
	if vog != nil {
		neg := make([]float64, n)
		for i, v := range vog {
			neg[i] = -v
		}
		q.Scores["vog"] = neg
	}
	var ent, entFG, tta []float64
	for start := 0; start < n; start += batchSize {
		batch := ds.Test[start:min(start+batchSize, n)]
		images, _, err := ds.Batch(batch)
		if err != nil {
			return nil, err
		}
		x := tensors.MustCopyFlatData[float32](images)
		nb := len(batch)
		masks := make([][][]uint8, len(ttaTransforms)) // [transform][image] mapped back
		for ti, t := range ttaTransforms {
			in := images
			if t != "identity" {
				in = tensors.FromFlatDataAndDimensions(transformHWC(t, x, nb, s, c), nb, s, s, c)
			}
			out, err := model.Forward(in)
			if err != nil {
				return nil, fmt.Errorf("study: %s: TTA %s forward pass on test images %d–%d: %w", ds.Name, t, start, start+nb-1, err)
			}
			bm := protoseg.BinaryMaps(out.Mask)
			if len(bm) != nb || len(bm[0]) != s*s {
				return nil, fmt.Errorf("study: %s: TTA %s: model gave %d masks of %d pixels, want %d of %d", ds.Name, t, len(bm), len(bm[0]), nb, s*s)
			}
			for i := range nb {
				m := bm[i]
				if t != "identity" {
					m = transformHWC(ttaInverse(t), m, 1, s, 1)
				}
				masks[ti] = append(masks[ti], m)
			}
			if t == "identity" {
				if out.Prob == nil {
					return nil, fmt.Errorf("study: %s: model gave no softmax probability for the entropy baseline", ds.Name)
				}
				p := tensors.MustCopyFlatData[float32](out.Prob)
				if len(p) != nb*s*s {
					return nil, fmt.Errorf("study: %s: softmax probability has %d values, want %d", ds.Name, len(p), nb*s*s)
				}
				for i := range nb {
					var all, fg float64
					var nfg int
					for k, v := range p[i*s*s : (i+1)*s*s] {
						h := binaryEntropy(float64(v))
						all += h
						if bm[i][k] != 0 {
							fg += h
							nfg++
						}
					}
					all /= float64(s * s)
					ent = append(ent, -all)
					if nfg == 0 {
						entFG = append(entFG, -all)
					} else {
						entFG = append(entFG, -fg/float64(nfg))
					}
				}
			}
		}
		for i := range nb {
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
	q.Scores["entropy"], q.Scores["entropy_fg"], q.Scores["tta"] = ent, entFG, tta
	for _, m := range QCMethods {
		sc, ok := q.Scores[m]
		if !ok {
			continue
		}
		if _, err := protoseg.AURC(sc, q.Dice); err != nil {
			return nil, fmt.Errorf("study: %s: failure detection of %s: %w", ds.Name, m, err)
		}
		fd, err := protoseg.EvaluateFailureDetection(sc, q.Dice, protoseg.DefaultFailureThreshold)
		if err != nil {
			q.Undefined[m] = err.Error()
			markUndefined(&fd, sc, q.Dice)
		}
		q.Metrics[m] = fd
	}
	return q, nil
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
