package simplego

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// Fusion of ReduceSum(Mul(x, y)) into DotGeneral.
//
// GoMLX's generic gradient of DotGeneral (graph.dotGeneralVJP) builds an outer
// product — Mul of two operands broadcast to [batch, cross, contracting, ...] —
// and reduces it with ReduceSum. For a convolution written as im2col + Dot this
// materialises tensors of hundreds of MB per layer and was ~85 % of a U-Net
// training step. The product of two broadcast operands summed over some axes is
// exactly a DotGeneral, so ReduceSum recognises that pattern at build time and
// emits a DotGeneral of the un-broadcast sources instead (plus a Reshape and,
// when the axis order differs, a Transpose). The Mul and broadcast nodes are
// left in the graph; when nothing else uses them the executor never runs them.

// mulReduceSource traces x back through ops that only broadcast or add/remove
// axes of size 1, returning the source node and, for each axis of the source
// with dimension > 1, the axis of x it lands on (-1 for none: the trace fails).
func mulReduceSource(x *Node) (src *Node, axisMap []int) {
	// axisMap[i] = axis of x for axis i of the current node (for axes with dim > 1).
	cur := x
	axisMap = make([]int, x.shape.Rank())
	for i := range axisMap {
		axisMap[i] = i
	}
	for {
		switch cur.opType {
		case backends.OpTypeBroadcastInDim:
			in := cur.inputs[0]
			bAxes := cur.data.([]int)
			next := make([]int, in.shape.Rank())
			for i, d := range in.shape.Dimensions {
				if d == 1 {
					next[i] = -1
					continue
				}
				// A source axis of dim > 1 keeps its dimension (BroadcastInDim only expands 1s).
				next[i] = axisMap[bAxes[i]]
			}
			cur, axisMap = in, next
			continue
		case backends.OpTypeReshape:
			in := cur.inputs[0]
			// Only reshapes that add or remove axes of size 1.
			var outNon1, inNon1 []int
			for i, d := range cur.shape.Dimensions {
				if d != 1 {
					outNon1 = append(outNon1, i)
				}
			}
			for i, d := range in.shape.Dimensions {
				if d != 1 {
					inNon1 = append(inNon1, i)
				}
			}
			if len(outNon1) != len(inNon1) {
				return cur, axisMap
			}
			ok := true
			for j := range outNon1 {
				if cur.shape.Dimensions[outNon1[j]] != in.shape.Dimensions[inNon1[j]] {
					ok = false
					break
				}
			}
			if !ok {
				return cur, axisMap
			}
			next := make([]int, in.shape.Rank())
			for i := range next {
				next[i] = -1
			}
			for j := range inNon1 {
				next[inNon1[j]] = axisMap[outNon1[j]]
			}
			cur, axisMap = in, next
			continue
		}
		return cur, axisMap
	}
}

// tryFuseMulReduceSum returns the DotGeneral-based equivalent of
// ReduceSum(mul, axes), or nil when the pattern does not apply.
func (b *Builder) tryFuseMulReduceSum(mul *Node, axes []int) backends.Op {
	if mul.opType != backends.OpTypeMul || mul.data != nil || mul.shape.DType != dtypes.Float32 || b.backend.reference { // data: a fused Mul (fuse_relugrad.go)
		return nil
	}
	rank := mul.shape.Rank()
	reduced := make([]bool, rank)
	for _, a := range axes {
		if a < 0 {
			a += rank
		}
		if a < 0 || a >= rank {
			return nil
		}
		reduced[a] = true
	}
	srcA, mapA := mulReduceSource(mul.inputs[0])
	srcB, mapB := mulReduceSource(mul.inputs[1])
	// The Mul itself broadcasts operand axes of size 1: those map to no source axis.
	inA := make([]int, rank) // source axis of A for each Mul axis, or -1
	inB := make([]int, rank)
	for i := range rank {
		inA[i], inB[i] = -1, -1
	}
	for sAxis, m := range mapA {
		if srcA.shape.Dimensions[sAxis] == 1 {
			continue
		}
		if m < 0 || mul.inputs[0].shape.Dimensions[m] == 1 {
			return nil
		}
		inA[m] = sAxis
	}
	for sAxis, m := range mapB {
		if srcB.shape.Dimensions[sAxis] == 1 {
			continue
		}
		if m < 0 || mul.inputs[1].shape.Dimensions[m] == 1 {
			return nil
		}
		inB[m] = sAxis
	}
	var aContract, bContract, aBatch, bBatch, batchOut []int
	var aCrossOut, bCrossOut []int // Mul axes of the cross axes, in source order
	contracting := false
	for i := range rank {
		if mul.shape.Dimensions[i] == 1 {
			continue
		}
		a, b := inA[i], inB[i]
		switch {
		case a >= 0 && b >= 0 && reduced[i]:
			aContract, bContract = append(aContract, a), append(bContract, b)
			contracting = true
		case a >= 0 && b >= 0:
			aBatch, bBatch = append(aBatch, a), append(bBatch, b)
			batchOut = append(batchOut, i)
		case (a >= 0 || b >= 0) && reduced[i]:
			return nil // a sum over an axis of one operand only: not a plain product
		case a < 0 && b < 0:
			return nil // cannot happen: a dimension > 1 comes from an operand
		}
	}
	if !contracting {
		return nil // a plain outer product: nothing to gain
	}
	// Cross axes: every other source axis (including size-1 ones), in source order.
	isUsed := func(s int, lists ...[]int) bool {
		for _, l := range lists {
			if slices.Contains(l, s) {
				return true
			}
		}
		return false
	}
	for s := range srcA.shape.Rank() {
		if !isUsed(s, aContract, aBatch) && srcA.shape.Dimensions[s] != 1 {
			aCrossOut = append(aCrossOut, slices.Index(inA, s))
		}
	}
	for s := range srcB.shape.Rank() {
		if !isUsed(s, bContract, bBatch) && srcB.shape.Dimensions[s] != 1 {
			bCrossOut = append(bCrossOut, slices.Index(inB, s))
		}
	}
	// Order of the (non-1) axes DotGeneral produces; swap operands if that
	// avoids a transpose.
	order := slices.Concat(batchOut, aCrossOut, bCrossOut)
	if !slices.IsSorted(order) {
		if swapped := slices.Concat(batchOut, bCrossOut, aCrossOut); slices.IsSorted(swapped) {
			srcA, srcB = srcB, srcA
			aContract, bContract = bContract, aContract
			aBatch, bBatch = bBatch, aBatch
			order = swapped
		}
	}
	dot, err := b.DotGeneral(srcA, aContract, aBatch, srcB, bContract, bBatch)
	if err != nil {
		return nil
	}
	fusionCounts.mulReduce.Add(1)
	// Squeeze to the non-1 axes, transpose into Mul order, reshape to the output.
	outDims := make([]int, 0, rank)
	for i, d := range mul.shape.Dimensions {
		if !reduced[i] {
			outDims = append(outDims, d)
		}
	}
	var result backends.Op = dot
	if !slices.IsSorted(order) {
		dims := make([]int, len(order))
		for i, m := range order {
			dims[i] = mul.shape.Dimensions[m]
		}
		if result, err = b.Reshape(result, dims...); err != nil {
			return nil
		}
		sorted := slices.Clone(order)
		slices.Sort(sorted)
		perm := make([]int, len(order))
		for i, m := range sorted {
			perm[i] = slices.Index(order, m)
		}
		if result, err = b.Transpose(result, perm...); err != nil {
			return nil
		}
	}
	if result, err = b.Reshape(result, outDims...); err != nil {
		return nil
	}
	return result
}
