package simplego

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
)

// Op statistics, for profiling graphs by op type and shape: set
// $CPUBACKEND_OPSTATS to a file name (or "-" for stderr) and the accumulated
// time per (op, input shapes → output shape) is written there at every
// Backend.Finalize and, while running, after each of the first 10 executions and every 50 after.
var opStats = struct {
	sync.Mutex
	enabled bool
	path    string
	runs    int
	byKey   map[string]*opStat
}{byKey: map[string]*opStat{}}

type opStat struct {
	count int
	total time.Duration
}

func init() {
	if p := os.Getenv("CPUBACKEND_OPSTATS"); p != "" {
		opStats.enabled, opStats.path = true, p
	}
}

func opStatKey(node *Node, inputs []*Buffer) string {
	var sb strings.Builder
	sb.WriteString(node.opType.String())
	sb.WriteString("(")
	for i, in := range inputs {
		if i > 0 {
			sb.WriteString(", ")
		}
		if in != nil {
			sb.WriteString(in.shape.String())
		}
	}
	sb.WriteString(") → ")
	sb.WriteString(node.shape.String())
	if node.opType == backends.OpTypeDotGeneral {
		sb.WriteString(fmt.Sprintf(" %+v", node.data))
	}
	return sb.String()
}

func recordOpStat(key string, d time.Duration) {
	opStats.Lock()
	s := opStats.byKey[key]
	if s == nil {
		s = &opStat{}
		opStats.byKey[key] = s
	}
	s.count++
	s.total += d
	opStats.Unlock()
}

func opStatsExecuted() {
	opStats.Lock()
	opStats.runs++
	flush := opStats.runs <= 10 || opStats.runs%50 == 0
	opStats.Unlock()
	if flush {
		writeOpStats()
	}
}

// writeOpStats writes the accumulated op statistics, heaviest first.
func writeOpStats() {
	if !opStats.enabled {
		return
	}
	opStats.Lock()
	defer opStats.Unlock()
	keys := make([]string, 0, len(opStats.byKey))
	var total time.Duration
	for k, s := range opStats.byKey {
		keys = append(keys, k)
		total += s.total
	}
	slices.SortFunc(keys, func(a, b string) int { return int(opStats.byKey[b].total - opStats.byKey[a].total) })
	var sb strings.Builder
	fmt.Fprintf(&sb, "# %d executions, %s in ops\n", opStats.runs, total)
	byOp := map[string]time.Duration{}
	for _, k := range keys {
		byOp[k[:strings.Index(k, "(")]] += opStats.byKey[k].total
	}
	ops := make([]string, 0, len(byOp))
	for k := range byOp {
		ops = append(ops, k)
	}
	slices.SortFunc(ops, func(a, b string) int { return int(byOp[b] - byOp[a]) })
	for _, op := range ops {
		fmt.Fprintf(&sb, "%10.1fms %5.1f%% %s\n", byOp[op].Seconds()*1000, 100*byOp[op].Seconds()/total.Seconds(), op)
	}
	sb.WriteString("\n")
	for _, k := range keys {
		s := opStats.byKey[k]
		fmt.Fprintf(&sb, "%10.1fms %5.1f%% %6d× %s\n", s.total.Seconds()*1000, 100*s.total.Seconds()/total.Seconds(), s.count, k)
	}
	if opStats.path == "-" {
		fmt.Fprint(os.Stderr, sb.String())
		return
	}
	_ = os.WriteFile(opStats.path, []byte(sb.String()), 0o644)
}

// FusionCounts is how many fused nodes the fork's fusions have built since
// the process started (all backends together; the counters are fusionCounts
// in fuse_conv.go). A test that builds a graph compares the counts before and
// after to check that a fusion fired (see unet's TestFusionsFire).
type FusionCounts struct {
	// Conv3x3 counts im2col 3×3 convolutions run as gemm.Conv3x3 (fuse_conv.go).
	Conv3x3 int64
	// ConvWeightGrad counts the weight gradients of such convolutions (fuse_conv.go).
	ConvWeightGrad int64
	// Col2Im counts their input gradients (sums of 9 Pads) run as one col2im
	// pass (fuse_col2im.go).
	Col2Im int64
	// MulReduce counts ReduceSum(Mul) built as a DotGeneral (fuse_mulreduce.go).
	MulReduce int64
	// ConvInputGrad counts the interiors of such col2im passes built as one
	// convolution of the output gradient (fuse_convgrad.go).
	ConvInputGrad int64
	// ReluGrad counts gradients of Max built as one pass (fuse_relugrad.go).
	ReluGrad int64
	// AffineMax counts Max(Add(Mul(x, scale), shift), c) built as one pass
	// (fuse_bnrelu.go).
	AffineMax int64
	// ConvAffineMax counts 3×3 convolutions with the BatchNorm+ReLU that
	// follows them run as the convolution's epilogue (inference;
	// fuse_convbnrelu.go).
	ConvAffineMax int64
	// ChanSum, ChanDot and ChanSumSq count per-channel sums Σx, Σa·b and
	// Σ(x − m)² built as one blocked pass (fuse_bn.go).
	ChanSum, ChanDot, ChanSumSq int64
	// ChanLin counts BatchNorm's gradient pass a·g + b·x + c built as one
	// pass (fuse_bn.go).
	ChanLin int64
	// Elementwise counts chains of element-wise ops fused into one pass at
	// Compile (fuse_elementwise.go).
	Elementwise int64
	// ConcatConv counts fused 2D convolutions that read a channel
	// Concatenate from its operands (fuse_convparts.go).
	ConcatConv int64
	// Pool2D counts executions of the one-pass 2×2 max-pooling
	// (fuse_pool2d.go).
	Pool2D int64
	// Head counts softmax-probability Slices and argmax-mask ConvertDTypes
	// rewritten into one pass each at Compile (fuse_head.go).
	Head int64
	// Upsample counts the up-sampled operands of such Concatenates read
	// through their depth-to-space and bias, before the Transpose and the
	// Add (fuse_convparts.go).
	Upsample int64
}

// Fusions returns the fusion counts so far.
func Fusions() FusionCounts {
	return FusionCounts{
		Conv3x3:        fusionCounts.conv3x3.Load(),
		ConvWeightGrad: fusionCounts.convWeightGrad.Load(),
		Col2Im:         fusionCounts.col2im.Load(),
		MulReduce:      fusionCounts.mulReduce.Load(),
		ConvInputGrad:  convInputGradCount.Load(),
		ReluGrad:       reluGradCount.Load(),
		AffineMax:      affineMaxCount.Load(),
		ConvAffineMax:  convAffineMaxCount.Load(),
		ChanSum:        bnFusionCounts.chanSum.Load(),
		ChanDot:        bnFusionCounts.chanDot.Load(),
		ChanSumSq:      bnFusionCounts.chanSumSq.Load(),
		ChanLin:        bnFusionCounts.chanLin.Load(),
		Elementwise:    ewFusedCount.Load(),
		ConcatConv:     inferFusionCounts.concatConv.Load(),
		Pool2D:         inferFusionCounts.pool2D.Load(),
		Head:           inferFusionCounts.head.Load(),
		Upsample:       inferFusionCounts.upsample.Load(),
	}
}
