package simplego

import (
	"sync"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
)

// BatchNorm's gradient sums in the ReLU gradient's pass.
//
// package unet's closed-form BatchNorm gradient (batchnorm.go) takes the
// gradient g of the BatchNorm output — the fused ReLU gradient v ·
// reluIndicator(x·s + t) of fuse_relugrad.go, with x the BatchNorm input —
// and sums it per channel twice: Σg and Σg·x (fused ReduceSums of
// fuse_bn.go), each a pass over the full map. Here the ReLU gradient node
// writes g block by block in the blocks of execChanReduce and sums each
// block while it is in cache, with chanSumBlock and chanReduceFinish: the
// same additions in the same order as the two ReduceSum nodes, so the sums
// are bit-identical. It hands them to those nodes through a table keyed by
// g's buffer (the nodes take g as input, so the buffer stays theirs until
// they ran); a node that finds nothing there sums g itself.

// bnGradSumsCount counts the ReLU gradients linked to their BatchNorm sums
// (TrainFusions).
var bnGradSumsCount atomic.Int64

// bnGradSumsTaken counts the sums that ReduceSum nodes took from a ReLU
// gradient's pass (TrainFusions).
var bnGradSumsTaken atomic.Int64

// bnGradSumsPlan is set on a fused affine ReLU gradient (reluGradData.sums)
// whose Σg and Σg·x are computed in its pass; gFirst is g's place in the
// product g·x of the Σg·x node.
type bnGradSumsPlan struct {
	gFirst bool
}

// linkBNGradSums is called with a new chanDot node Σp·q: when one of p, q is
// a fused affine ReLU gradient g (not yet linked) whose x is the other, and
// a chanSum node Σg was built before, it marks the three so that g's pass
// computes both sums.
func (b *Builder) linkBNGradSums(dot *Node) {
	for gIdx := range 2 {
		g, x := dot.inputs[gIdx], unwrapIdentity(dot.inputs[1-gIdx])
		d, ok := g.data.(*reluGradData)
		if !ok || g.opType != backends.OpTypeMul || !d.affine || d.pool || d.sums != nil || g.inputs[1] != x {
			continue
		}
		sum := b.findChanSum(g)
		if sum == nil {
			return
		}
		d.sums = &bnGradSumsPlan{gFirst: gIdx == 0}
		sd, dd := sum.data.(*chanReduceData), dot.data.(*chanReduceData)
		sd.fromGrad, sd.gIdx = true, 0
		dd.fromGrad, dd.gIdx = true, gIdx
		bnGradSumsCount.Add(1)
		return
	}
}

// findChanSum returns the most recent chanSum node over g (Σg), looking back
// at most 64 nodes, or nil.
func (b *Builder) findChanSum(g *Node) *Node {
	for i := len(b.nodes) - 1; i >= max(0, len(b.nodes)-64); i-- {
		n := b.nodes[i]
		if d, ok := n.data.(*chanReduceData); ok && n.opType == backends.OpTypeReduceSum && d.kind == chanSumKind && !d.fromGrad && n.inputs[0] == g {
			return n
		}
	}
	return nil
}

// execAffineReluGradSums writes the fused affine ReLU gradient into output
// in execChanReduce's blocks, sums each block into Σg and Σg·x as the two
// ReduceSum nodes would, and leaves the sums for them (takeBNGradSum).
func execAffineReluGradSums(output *Buffer, v, x0, s, t []float32, d *reluGradData) {
	o := output.flat.([]float32)
	nc := len(s)
	period := chanPeriod(nc)
	blockLen := period * chanBlockPeriods
	blocks := (len(o) + blockLen - 1) / blockLen
	ps, pd := make([]float32, blocks*period), make([]float32, blocks*period)
	parallelFor(blocks, blockLen, func(b0, b1 int) {
		for blk := b0; blk < b1; blk++ {
			lo, hi := blk*blockLen, min((blk+1)*blockLen, len(o))
			affineReluGradRange(o, v, x0, s, t, lo/nc, hi/nc, d)
			acc := pd[blk*period : (blk+1)*period]
			chanSumBlock(chanSumKind, ps[blk*period:(blk+1)*period], o[lo:hi], nil)
			if d.sums.gFirst {
				chanSumBlock(chanDotKind, acc, o[lo:hi], x0[lo:hi])
			} else {
				chanSumBlock(chanDotKind, acc, x0[lo:hi], o[lo:hi])
			}
		}
	})
	e := &bnGradSumsEntry{sum: make([]float32, nc), dot: make([]float32, nc)}
	chanReduceFinish(e.sum, ps, period)
	chanReduceFinish(e.dot, pd, period)
	bnGradSums.Lock()
	defer bnGradSums.Unlock()
	if len(bnGradSums.m) >= bnGradSumsMax { // sums nobody took (a dead ReduceSum): drop them
		clear(bnGradSums.m)
	}
	bnGradSums.m[output] = e
}

// bnGradSumsEntry holds the sums of one ReLU gradient buffer until both
// ReduceSum nodes took theirs.
type bnGradSumsEntry struct {
	sum, dot     []float32
	sumOK, dotOK bool
}

// bnGradSumsMax bounds the table of sums not yet taken.
const bnGradSumsMax = 1 << 12

// bnGradSums is the table of sums handed from a ReLU gradient's pass to the
// ReduceSum nodes, keyed by the gradient's buffer.
var bnGradSums = struct {
	sync.Mutex
	m map[*Buffer]*bnGradSumsEntry
}{m: map[*Buffer]*bnGradSumsEntry{}}

// takeBNGradSum copies the sum of kind (Σg or Σg·x) left for g's buffer into
// o and reports whether there was one.
func takeBNGradSum(g *Buffer, kind chanReduceKind, o []float32) bool {
	bnGradSums.Lock()
	defer bnGradSums.Unlock()
	e := bnGradSums.m[g]
	if e == nil {
		return false
	}
	switch {
	case kind == chanSumKind && !e.sumOK:
		copy(o, e.sum)
		e.sumOK = true
	case kind == chanDotKind && !e.dotOK:
		copy(o, e.dot)
		e.dotOK = true
	default:
		return false
	}
	if e.sumOK && e.dotOK {
		delete(bnGradSums.m, g)
	}
	bnGradSumsTaken.Add(1)
	return true
}
