package simplego

// This file holds the functions that the fork's hooks in the upstream-derived
// files call. Each hook is one statement (or struct field) ending in a
// "// fork:" comment; cpubackend/resync.sh diff lists them all. The kernels
// and fusions they lead to live in the other fork-only files (fast_*.go,
// fuse_*.go, opstats.go, parallel.go).

// The float32 loops of the binary ops (fast_binary_gen.go):
//go:generate go run ../internal/cmd/fastbinarygen -o fast_binary_gen.go

import (
	"slices"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// forkBackend holds the fork's fields of Backend (hook: the Backend struct in
// simplego.go embeds it).
type forkBackend struct {
	// dotGeneralNoGemm forces upstream's DotGeneral algorithms (set by the
	// dotgeneral_* configs).
	dotGeneralNoGemm bool

	// reference disables every fast path of the fork (config "reference").
	reference bool

	// free is the free list of released buffers (fork_buffers.go).
	free freeBuffers
}

// forkConfig handles the fork's configuration keys (hook: New in
// simplego.go). It returns the key for upstream's switch to handle, or "" (a
// no-op there) for a key that is the fork's only:
//
//   - "reference": upstream simplego v0.26.0 kernels only: no gemm DotGeneral,
//     no fusions, no fast paths (tests compare against it);
//   - "dotgeneral_small", "dotgeneral_large", "dotgeneral_check": upstream's
//     meaning, and they also turn off the fork's gemm DotGeneral, so that the
//     chosen upstream algorithm really runs.
func (b *Backend) forkConfig(key string) string {
	switch key {
	case "reference":
		b.reference = true
		return ""
	case "dotgeneral_small", "dotgeneral_large", "dotgeneral_check":
		b.dotGeneralNoGemm = true
	}
	return key
}

func init() {
	// Ops that the fork implements on top of upstream (fast_ops.go).
	Capabilities.Operations[backends.OpTypePad] = true
	Capabilities.Operations[backends.OpTypeReverse] = true
}

// forkBinaryOp creates the node of a binary op (hook: addBinaryOp in
// builder.go): it absorbs rank-preserving and scalar broadcasts, fuses the
// gradient of Max (fuse_relugrad.go), a per-channel affine map followed by
// Max (fuse_bnrelu.go) and BatchNorm's gradient pass (fuse_bn.go), and collects the partial sums of an
// im2col gradient into one col2im node (fuse_col2im.go).
func (b *Builder) forkBinaryOp(opType backends.OpType, shape shapes.Shape, lhs, rhs *Node) *Node {
	lhs, rhs = b.absorbBroadcasts(opType, shape, lhs, rhs)
	if node := b.tryFuseReluGrad(opType, shape, lhs, rhs); node != nil {
		return node
	}
	if node := b.tryFuseAffineMax(opType, shape, lhs, rhs); node != nil {
		return node
	}
	if node := b.tryFuseChanLin(opType, shape, lhs, rhs); node != nil {
		return node
	}
	if opType == backends.OpTypeAdd {
		if info := mergePadSums(lhs, rhs); info != nil {
			if info.complete() {
				return b.newCol2ImNode(info)
			}
			node := b.newNode(opType, shape, lhs, rhs)
			node.padSum = info
			return node
		}
	}
	return b.newNode(opType, shape, lhs, rhs)
}

// absorbBroadcasts replaces an operand that is a rank-preserving BroadcastInDim
// (one that only expands axes of size 1) or a BroadcastInDim of a scalar (such
// as graph.ZerosLike in a ReLU) by its input: binary ops broadcast such
// operands themselves, without materialising the broadcast tensor.
func (b *Builder) absorbBroadcasts(opType backends.OpType, shape shapes.Shape, lhs, rhs *Node) (*Node, *Node) {
	if b.backend.reference || shape.DType != dtypes.Float32 {
		return lhs, rhs
	}
	unwrap := func(n *Node) *Node {
		if n.opType != backends.OpTypeBroadcastInDim {
			return n
		}
		in := n.inputs[0]
		if in.shape.IsScalar() {
			return in // fastBinary reads a scalar operand with stride 0
		}
		if in.shape.Rank() != n.shape.Rank() {
			return n
		}
		for i, ax := range n.data.([]int) {
			if ax != i {
				return n
			}
		}
		return in
	}
	for _, try := range [][2]*Node{{unwrap(lhs), unwrap(rhs)}, {unwrap(lhs), rhs}, {lhs, unwrap(rhs)}} {
		if try[0] == lhs && try[1] == rhs {
			continue
		}
		if s, err := shapeinference.BinaryOp(opType, try[0].shape, try[1].shape); err == nil && s.Equal(shape) {
			return try[0], try[1]
		}
	}
	return lhs, rhs
}

// forkNumNodesToProcess extends the number of nodes an Executable tracks (hook:
// newExecutable in exec.go) from max(output index)+1 to also cover every
// parameter. Upstream sizes its per-node arrays by the outputs only, but
// Execute stores every input buffer at its parameter's node index: a graph
// whose parameters are built after its last output (e.g. a U-Net that returns
// only its features, whose head weights are parameters built after the last
// feature) indexed past the arrays ("index out of range"). Such unused
// parameters have no uses and are never executed.
func forkNumNodesToProcess(builder *Builder, n int) int {
	for _, input := range builder.inputs {
		n = max(n, input.builderIdx+1)
	}
	return n
}

// forkReduceSum returns the fused node of a per-channel ReduceSum
// (fuse_bn.go) or of ReduceSum(Mul(...)) (fuse_mulreduce.go) (hook: ReduceSum
// in ops.go), or nil to let upstream build the reduction.
func (b *Builder) forkReduceSum(operandOp backends.Op, axis []int) backends.Op {
	x, ok := operandOp.(*Node)
	if !ok || x.builder != b || b.compiled || len(axis) == 0 {
		return nil
	}
	if node := b.tryFuseChanReduce(x, axis); node != nil {
		return node
	}
	return b.tryFuseMulReduceSum(x, axis)
}

// forkSliceArgs copies Slice's arguments (hook: Slice in ops.go): the node
// keeps them, and the caller may reuse its slices.
func forkSliceArgs(starts, limits, strides []int) ([]int, []int, []int) {
	return slices.Clone(starts), slices.Clone(limits), slices.Clone(strides)
}

// forkDotGeneralPlan returns the gemm plan of a float32 DotGeneral, nil for
// other dtypes (hook: DotGeneral in dotgeneral.go; fast_dot.go).
func forkDotGeneralPlan(dtype dtypes.DType, lhs, rhs shapes.Shape, params *dotGeneralNodeData) *dgGemmPlan {
	if dtype != dtypes.Float32 {
		return nil
	}
	return newDgGemmPlan(lhs, rhs, params)
}

// forkExecDotGeneral runs a DotGeneral that has a gemm plan with the fork's
// kernels and reports whether it did (hook: execDotGeneral in dotgeneral.go).
func forkExecDotGeneral(backend *Backend, lhs, rhs *Buffer, params *dotGeneralNodeData, output *Buffer) bool {
	if params.gemmPlan == nil || backend.dotGeneralNoGemm || backend.reference {
		return false
	}
	if params.lhsCrossSize == 1 && params.rhsCrossSize == 1 {
		execDotGeneralDots(lhs, rhs, params, output)
	} else {
		execDotGeneralGemm(backend, lhs, rhs, params, output)
	}
	return true
}

// forkExecConvGeneral runs the fused convolutions (fuse_conv.go,
// fuse_convgrad.go) and reports
// whether the node was one (hook: execConvGeneral in convgeneral.go).
func forkExecConvGeneral(backend *Backend, node *Node, inputs []*Buffer) (*Buffer, bool, error) {
	switch d := node.data.(type) {
	case *conv3x3Data:
		out, err := execConv3x3(backend, node, inputs, d)
		return out, true, err
	case *convWeightGradData:
		out, err := execConvWeightGrad(backend, node, inputs, d)
		return out, true, err
	case *convInputGradData:
		out, err := execConvInputGrad(backend, node, inputs, d)
		return out, true, err
	}
	return nil, false, nil
}

// opStatBegin starts timing a node when CPUBACKEND_OPSTATS is set (hook: the
// sequential executor in exec.go; opstats.go).
func opStatBegin(node *Node, inputs []*Buffer) (string, time.Time) {
	if !opStats.enabled {
		return "", time.Time{}
	}
	return opStatKey(node, inputs), time.Now()
}

// opStatEnd records the time of a node started by opStatBegin.
func opStatEnd(key string, start time.Time) {
	if opStats.enabled {
		recordOpStat(key, time.Since(start))
	}
}

// opStatExecution counts one execution of a computation (hook: the end of
// Execute in exec.go).
func opStatExecution() {
	if opStats.enabled {
		opStatsExecuted()
	}
}
