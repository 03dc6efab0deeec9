package unet

import (
	"math/rand/v2"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/data"
)

// epochBatches is the training set of a dataset as a train.Dataset that runs epoch
// after epoch: epoch e visits the samples in the order of a PCG seeded with
// (seed, e) — so a resumed run sees the same batches as an uninterrupted one — in
// batches of size samples, the last one smaller when size does not divide the set.
type epochBatches struct {
	ds    *data.Dataset
	size  int
	seed  uint64
	epoch int   // current epoch, 0-based
	order []int // sample order of the current epoch
	next  int   // position in order of the next sample
}

// newEpochBatches returns the batches of ds starting at epoch (0-based).
func newEpochBatches(ds *data.Dataset, size int, seed uint64, epoch int) *epochBatches {
	b := &epochBatches{ds: ds, size: size, seed: seed}
	b.startEpoch(epoch)
	return b
}

// stepsPerEpoch is the number of batches of one epoch.
func (b *epochBatches) stepsPerEpoch() int { return (len(b.ds.Train) + b.size - 1) / b.size }

func (b *epochBatches) startEpoch(e int) {
	b.epoch, b.next = e, 0
	b.order = rand.New(rand.NewPCG(b.seed, uint64(e))).Perm(len(b.ds.Train))
}

// Name implements train.Dataset.
func (b *epochBatches) Name() string { return b.ds.Name + " (train)" }

// Reset implements train.Dataset: the current epoch starts again.
func (b *epochBatches) Reset() { b.startEpoch(b.epoch) }

// Yield implements train.Dataset: the next batch, images [N, H, W, C] as input and
// masks [N, H, W] as label (volumes: [N, D, H, W, C] and [N, D, H, W]); after the last batch of an epoch comes the first of the
// next.
func (b *epochBatches) Yield() (spec any, inputs, labels []*tensors.Tensor, err error) {
	if b.next >= len(b.order) {
		b.startEpoch(b.epoch + 1)
	}
	idx := b.order[b.next:min(b.next+b.size, len(b.order))]
	b.next += len(idx)
	samples := make([]data.Sample, len(idx))
	for i, j := range idx {
		samples[i] = b.ds.Train[j]
	}
	images, masks, err := b.ds.Batch(samples)
	if err != nil {
		return nil, nil, nil, err
	}
	return nil, []*tensors.Tensor{images}, []*tensors.Tensor{masks}, nil
}
