package simplego

import (
	"math"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// Loop fusion of element-wise float32 chains, at Compile.
//
// A chain of element-wise ops of one shape — such as Adam's update of a
// weight (about a dozen Mul, Add, Sqrt and Div per weight tensor) or a sum of
// gradients — runs op by op as one pass over memory per op. At Compile, when
// every node's live uses are known, a binary op (or a Sign) whose operands are
// of its own shape or of size 1 absorbs each operand that is itself such an element-wise
// op (Add, Sub, Mul, Div, Max, Min, or Neg, Abs, Sqrt, Sign) used by nothing
// else; the resulting node evaluates the absorbed expression in chunks of
// ewChunk elements held in a per-goroutine scratch, reading each leaf tensor
// once and writing the output once (into a leaf's buffer when the executor
// owns it). Each element goes through the same float32 operations in the same
// order as op by op — the same kernels' expressions — so the result is
// bit-identical. Nodes with fork data (the pattern fusions of the other
// fuse_*.go files) are left alone, and a chain is never fused across a
// broadcast of more than one element.

// ewChunk is the number of elements a fused chain evaluates at a time.
const ewChunk = 512

// ewMaxInstrs bounds the length of a fused chain.
const ewMaxInstrs = 32

// ewFusedCount counts the element-wise chains fused (Fusions).
var ewFusedCount atomic.Int64

// ewOp is an element-wise operation of a fused chain.
type ewOp uint8

const (
	ewAdd ewOp = iota
	ewSub
	ewMul
	ewDiv
	ewMax
	ewMin
	ewNeg
	ewAbs
	ewSqrt
	ewSign
)

// ewInstr is one operation of a fused chain; its operands refer to a leaf
// (the node's input k, as -1-k) or to an earlier instruction (≥ 0).
type ewInstr struct {
	op   ewOp
	a, b int
}

// ewData marks a fused element-wise node: its inputs are the leaves, its
// value the last instruction's.
type ewData struct {
	instrs []ewInstr
}

// ewOpOf returns the element-wise operation of a node type.
func ewOpOf(t backends.OpType) (op ewOp, unary, ok bool) {
	switch t {
	case backends.OpTypeAdd:
		return ewAdd, false, true
	case backends.OpTypeSub:
		return ewSub, false, true
	case backends.OpTypeMul:
		return ewMul, false, true
	case backends.OpTypeDiv:
		return ewDiv, false, true
	case backends.OpTypeMax:
		return ewMax, false, true
	case backends.OpTypeMin:
		return ewMin, false, true
	case backends.OpTypeNeg:
		return ewNeg, true, true
	case backends.OpTypeAbs:
		return ewAbs, true, true
	case backends.OpTypeSqrt:
		return ewSqrt, true, true
	case backends.OpTypeSign:
		return ewSign, true, true
	}
	return 0, false, false
}

// ewEligible reports whether n is a plain float32 element-wise node whose
// operands are of its shape or of size 1.
func ewEligible(n *Node) bool {
	if n.data != nil || n.padSum != nil || n.shape.DType != dtypes.Float32 || n.shape.Size() <= 1 {
		return false
	}
	if _, _, ok := ewOpOf(n.opType); !ok {
		return false
	}
	for _, in := range n.inputs {
		if !in.shape.Equal(n.shape) && in.shape.Size() != 1 {
			return false
		}
	}
	return true
}

// liveUses returns, by builderIdx, how often each node is used by the live
// graph (the nodes the outputs depend on): once per use by a live node and
// once per output it is; 0 for a dead node.
func (b *Builder) liveUses() []int {
	uses := make([]int, len(b.nodes))
	var visit func(n *Node)
	visit = func(n *Node) {
		uses[n.builderIdx]++
		if uses[n.builderIdx] == 1 {
			for _, in := range n.inputs {
				visit(in)
			}
		}
	}
	for _, out := range b.outputs {
		visit(out)
	}
	return uses
}

// fuseElementwise rewrites the builder's live element-wise chains into fused
// nodes (hook: Compile in builder.go).
func (b *Builder) fuseElementwise() {
	if b.backend.reference {
		return
	}
	uses := b.liveUses()
	for _, out := range b.outputs {
		uses[out.builderIdx]++ // an output is never absorbed
	}
	for _, in := range b.inputs {
		uses[in.builderIdx] += 2 // nor a parameter
	}
	// Consumers first, so that a chain is absorbed whole by its last op.
	for i := len(b.nodes) - 1; i >= 0; i-- {
		n := b.nodes[i]
		if uses[n.builderIdx] == 0 || !ewEligible(n) {
			continue
		}
		if _, unary, _ := ewOpOf(n.opType); unary && n.opType != backends.OpTypeSign {
			continue // absorbed, never rewritten: only the binary ops' and Sign's executors run fused nodes
		}
		f := &ewFuser{uses: uses, leafIdx: map[*Node]int{}}
		f.add(n, n)
		if len(f.instrs) > 1 {
			ewFusedCount.Add(1)
			n.inputs, n.data = f.leaves, &ewData{instrs: f.instrs}
		}
	}
}

// ewFuser builds the program of one fused node.
type ewFuser struct {
	uses    []int
	leaves  []*Node
	leafIdx map[*Node]int
	instrs  []ewInstr
}

// add appends the instructions of n (absorbing its single-use element-wise
// operands of root's shape) and returns n's operand reference.
func (f *ewFuser) add(n, root *Node) int {
	if n != root && !(ewEligible(n) && f.uses[n.builderIdx] == 1 && n.shape.Equal(root.shape) &&
		len(f.instrs)+len(n.inputs) < ewMaxInstrs) {
		k, ok := f.leafIdx[n]
		if !ok {
			k = len(f.leaves)
			f.leaves = append(f.leaves, n)
			f.leafIdx[n] = k
		}
		return -1 - k
	}
	if n != root {
		f.uses[n.builderIdx] = 0 // absorbed: dead once root is rewritten
	}
	op, unary, _ := ewOpOf(n.opType)
	in := ewInstr{op: op, a: f.add(n.inputs[0], root)}
	if !unary {
		in.b = f.add(n.inputs[1], root)
	}
	f.instrs = append(f.instrs, in)
	return len(f.instrs) - 1
}

// execElementwise evaluates a fused element-wise node.
func execElementwise(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool, d *ewData) (*Buffer, error) {
	leaves := make([][]float32, len(inputs))
	for k, in := range inputs {
		leaves[k] = in.flat.([]float32)
	}
	var output *Buffer
	for k, in := range inputs {
		if inputsOwned[k] && in.shape.Equal(node.shape) {
			output, inputs[k] = in, nil
			break
		}
	}
	if output == nil {
		output = backend.getBufferForShape(node.shape)
	}
	o := output.flat.([]float32)
	chunks := (len(o) + ewChunk - 1) / ewChunk
	parallelFor(chunks, ewChunk*len(d.instrs), func(c0, c1 int) {
		ni := len(d.instrs)
		scratch := make([]float32, (ni+len(leaves))*ewChunk)
		for k, leaf := range leaves {
			if len(leaf) == 1 { // a size-1 leaf, broadcast once
				buf := scratch[(ni+k)*ewChunk : (ni+k+1)*ewChunk]
				for i := range buf {
					buf[i] = leaf[0]
				}
			}
		}
		for c := c0; c < c1; c++ {
			lo, hi := c*ewChunk, min((c+1)*ewChunk, len(o))
			d.evalChunk(o[lo:hi], leaves, lo, scratch)
		}
	})
	return output, nil
}

// evalChunk evaluates elements [lo, lo+len(o)) into o; scratch holds one
// chunk per instruction and per leaf (a size-1 leaf's value repeated).
func (d *ewData) evalChunk(o []float32, leaves [][]float32, lo int, scratch []float32) {
	n := len(o)
	ni := len(d.instrs)
	operand := func(ref int) []float32 {
		if ref >= 0 {
			return scratch[ref*ewChunk : ref*ewChunk+n]
		}
		k := -1 - ref
		if leaf := leaves[k]; len(leaf) != 1 {
			return leaf[lo : lo+n]
		}
		return scratch[(ni+k)*ewChunk : (ni+k)*ewChunk+n]
	}
	for i, in := range d.instrs {
		dst := o
		if i < ni-1 {
			dst = scratch[i*ewChunk : i*ewChunk+n]
		}
		a := operand(in.a)
		var b []float32
		if in.op < ewNeg {
			b = operand(in.b)
		}
		ewKernel(in.op, dst, a, b)
	}
}

// ewKernel applies op to a (and b) into dst, with the expressions of the
// fork's binary kernels (fast_binary_gen.go), upstream's Neg, Abs and Sqrt and
// fastSign (Add, Sub, Mul, Div and Sqrt on the AVX2 kernels when simdOn:
// fuse_simd.go).
func ewKernel(op ewOp, dst, a, b []float32) {
	a = a[:len(dst)]
	if b != nil {
		b = b[:len(dst)]
	}
	if n := len(dst) &^ 7; simdOn && n > 0 && ewKernelSIMD(op, dst, a, b, n) {
		dst, a = dst[n:], a[n:]
		if b != nil {
			b = b[n:]
		}
	}
	switch op {
	case ewAdd:
		for i := range dst {
			dst[i] = a[i] + b[i]
		}
	case ewSub:
		for i := range dst {
			dst[i] = a[i] - b[i]
		}
	case ewMul:
		for i := range dst {
			dst[i] = a[i] * b[i]
		}
	case ewDiv:
		for i := range dst {
			dst[i] = a[i] / b[i]
		}
	case ewMax:
		for i := range dst {
			dst[i] = max(a[i], b[i])
		}
	case ewMin:
		for i := range dst {
			dst[i] = min(a[i], b[i])
		}
	case ewNeg:
		for i := range dst {
			dst[i] = -a[i]
		}
	case ewAbs:
		for i, v := range a {
			if v < 0 {
				v = -v
			}
			dst[i] = v
		}
	case ewSqrt:
		for i := range dst {
			dst[i] = float32(math.Sqrt(float64(a[i])))
		}
	case ewSign:
		for i := range dst {
			dst[i] = signFloat32(a[i])
		}
	}
}
