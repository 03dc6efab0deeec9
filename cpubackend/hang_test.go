package cpubackend

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// tinyUNet is a small U-Net-like graph with the constructs of package unet:
// im2col convolutions (zero rows/columns concatenated, 9 slices concatenated,
// one Dot), batch statistics with per-channel broadcasts, ReLU as Max(x, 0),
// max-pool as reshape + ReduceMax, up-sampling as Dot + reshape/transpose, a
// skip concatenation and a 1×1 head with 2 classes.
func tinyUNet(ctx *context.Context, x *Node, base int) *Node {
	conv := func(ctx *context.Context, x *Node, out int) *Node {
		d := x.Shape().Dimensions
		n, h, w, c := d[0], d[1], d[2], d[3]
		g := x.Graph()
		zr := Zeros(g, shapes.Make(x.DType(), n, 1, w, c))
		p := Concatenate([]*Node{zr, x, zr}, 1)
		zc := Zeros(g, shapes.Make(x.DType(), n, h+2, 1, c))
		p = Concatenate([]*Node{zc, p, zc}, 2)
		var parts []*Node
		for dy := range 3 {
			for dx := range 3 {
				parts = append(parts, Slice(p, AxisRange(), AxisRange(dy, dy+h), AxisRange(dx, dx+w), AxisRange()))
			}
		}
		col := Concatenate(parts, -1)
		wt := ctx.VariableWithShape("w", shapes.Make(x.DType(), 9*c, out)).ValueGraph(g)
		y := dense(col, wt)
		mean := ReduceMean(y, 0, 1, 2)
		cen := Sub(y, Reshape(mean, 1, 1, 1, out))
		variance := ReduceMean(Square(cen), 0, 1, 2)
		gamma := ctx.VariableWithValue("gamma", make([]float32, out)).ValueGraph(g)
		y = Add(Mul(cen, Reshape(Inverse(Sqrt(AddScalar(variance, 1e-5))), 1, 1, 1, out)), Reshape(gamma, 1, 1, 1, out))
		return Max(y, ZerosLike(y))
	}
	pool := func(x *Node) *Node {
		d := x.Shape().Dimensions
		return ReduceMax(Reshape(x, d[0], d[1]/2, 2, d[2]/2, 2, d[3]), 2, 4)
	}
	up := func(ctx *context.Context, x *Node, out int) *Node {
		d := x.Shape().Dimensions
		wt := ctx.VariableWithShape("up", shapes.Make(x.DType(), d[3], 4*out)).ValueGraph(x.Graph())
		y := Reshape(dense(x, wt), d[0], d[1], d[2], 2, 2, out)
		y = TransposeAllAxes(y, 0, 1, 3, 2, 4, 5)
		return Reshape(y, d[0], 2*d[1], 2*d[2], out)
	}
	x1 := conv(ctx.In("c1"), x, base)
	x2 := conv(ctx.In("c2"), pool(x1), 2*base)
	u := up(ctx.In("u"), x2, base)
	y := conv(ctx.In("c3"), Concatenate([]*Node{x1, u}, -1), base)
	head := ctx.In("head").VariableWithShape("w", shapes.Make(x.DType(), base, 2)).ValueGraph(x.Graph())
	return dense(y, head)
}

// dense contracts the last axis of x with the first of w.
func dense(x, w *Node) *Node {
	return DotGeneral(x, []int{x.Rank() - 1}, nil, w, []int{0}, nil)
}

// runWithDeadline runs fn and fails the test with a dump of all goroutines if
// it has not returned within d (a stalled executor sits idle forever).
func runWithDeadline(t *testing.T, d time.Duration, fn func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(d):
		buf := make([]byte, 1<<22)
		buf = buf[:runtime.Stack(buf, true)]
		fmt.Fprintf(os.Stderr, "=== stall: goroutine dump ===\n%s\n", buf)
		t.Fatalf("no progress within %s: the executor stalled (goroutine dump on stderr)", d)
	}
}

// TestNoStall runs 200 consecutive training steps of tinyUNet under a deadline.
// Upstream simplego stalled in about one run in three of the real U-Net here
// (nested waits on its bounded worker pool, docs/design.md §7).
func TestNoStall(t *testing.T) {
	steps := 200
	if testing.Short() {
		steps = 30
	}
	backend := testBackend(t)
	runWithDeadline(t, 2*time.Minute, func() error { return trainTiny(backend, steps) })
}

func trainTiny(backend backends.Backend, steps int) error {
	const n, size, base = 4, 16, 4
	ctx := context.New()
	trainer := train.NewTrainer(backend, ctx,
		func(ctx *context.Context, _ any, inputs []*Node) []*Node {
			return []*Node{tinyUNet(ctx, inputs[0], base)}
		},
		func(labels, predictions []*Node) *Node {
			logits := predictions[0]
			lbl := OneHot(ConvertDType(labels[0], dtypes.Int32), 2, logits.DType())
			return Neg(ReduceAllMean(ReduceSum(Mul(lbl, LogSoftmax(logits, -1)), -1)))
		},
		optimizers.Adam().Done(), nil, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	img := make([]float32, n*size*size)
	mask := make([]float32, n*size*size)
	for i := range img {
		img[i] = float32(rng.NormFloat64())
		if img[i] > 0.3 {
			mask[i] = 1
		}
	}
	images := tensors.FromFlatDataAndDimensions(img, n, size, size, 1)
	masks := tensors.FromFlatDataAndDimensions(mask, n, size, size)
	for step := range steps {
		if _, err := trainer.TrainStep(nil, []*tensors.Tensor{images}, []*tensors.Tensor{masks}); err != nil {
			return fmt.Errorf("step %d: %w", step, err)
		}
	}
	return nil
}

// TestTinyUNetMatchesReference trains tinyUNet for a few steps on the fast
// backend and on the fork's "reference" configuration (upstream simplego
// kernels, no fusions) from the same seeded initialisation and checks the
// losses agree: forward, gradients (through the fused DotGeneral gradients,
// views, Pad, reductions) and the Adam update together.
func TestTinyUNetMatchesReference(t *testing.T) {
	ref, err := New("reference")
	if err != nil {
		t.Fatal(err)
	}
	losses := func(backend backends.Backend) []float64 {
		const n, size, base = 3, 8, 3 // batch 3, channels not a multiple of 8
		ctx := context.New()
		ctx.SetParam(context.ParamInitialSeed, int64(7))
		trainer := train.NewTrainer(backend, ctx,
			func(ctx *context.Context, _ any, inputs []*Node) []*Node {
				return []*Node{tinyUNet(ctx, inputs[0], base)}
			},
			func(labels, predictions []*Node) *Node {
				lbl := OneHot(ConvertDType(labels[0], dtypes.Int32), 2, predictions[0].DType())
				return Neg(ReduceAllMean(ReduceSum(Mul(lbl, LogSoftmax(predictions[0], -1)), -1)))
			},
			optimizers.Adam().LearningRate(0.01).Done(), nil, nil)
		rng := rand.New(rand.NewPCG(3, 4))
		img, mask := make([]float32, n*size*size*2), make([]float32, n*size*size)
		for i := range img {
			img[i] = float32(rng.NormFloat64())
		}
		for i := range mask {
			if img[2*i] > 0 {
				mask[i] = 1
			}
		}
		var out []float64
		for range 4 {
			metrics, err := trainer.TrainStep(nil,
				[]*tensors.Tensor{tensors.FromFlatDataAndDimensions(img, n, size, size, 2)},
				[]*tensors.Tensor{tensors.FromFlatDataAndDimensions(mask, n, size, size)})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, float64(metrics[0].Value().(float32)))
		}
		return out
	}
	got, want := losses(testBackend(t)), losses(ref)
	for i := range want {
		if d := got[i] - want[i]; d > 1e-4*max(1, want[i]) || d < -1e-4*max(1, want[i]) {
			t.Fatalf("step %d: loss %g, reference %g (all: %v vs %v)", i, got[i], want[i], got, want)
		}
	}
	if want[0] == want[len(want)-1] {
		t.Fatalf("loss did not change: %v", want)
	}
	t.Logf("losses %v (reference %v)", got, want)
}
