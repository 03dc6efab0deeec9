package unet

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph functions read like the math.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// BatchNorm conventions (PyTorch's).
const (
	bnMomentum = 0.1
	bnEpsilon  = 1e-5
)

// batchNorm normalises x [N, spatial..., C] per channel: with the batch statistics while
// training (and updates the running statistics), with the running ones otherwise.
func batchNorm(ctx *context.Context, x *Node) *Node {
	g := x.Graph()
	c := x.Shape().Dimensions[x.Rank()-1]
	dtype := x.DType()
	gamma := ctx.WithInitializer(initializers.One).VariableWithShape("gamma", shapes.Make(dtype, c)).ValueGraph(g)
	beta := ctx.WithInitializer(initializers.Zero).VariableWithShape("beta", shapes.Make(dtype, c)).ValueGraph(g)
	runMean := ctx.WithInitializer(initializers.Zero).VariableWithShape("mean", shapes.Make(dtype, c)).SetTrainable(false)
	runVar := ctx.WithInitializer(initializers.One).VariableWithShape("variance", shapes.Make(dtype, c)).SetTrainable(false)
	axes := make([]int, x.Rank()-1) // every axis but the channels
	ones := make([]int, x.Rank())   // [1, …, 1, C]
	for i := range axes {
		axes[i], ones[i] = i, 1
	}
	ones[len(axes)] = c
	perChannel := func(v *Node) *Node { return Reshape(v, ones...) }
	var mean, variance *Node
	if ctx.IsTraining(g) {
		mean = ReduceMean(x, axes...)
		variance = ReduceMean(Square(Sub(x, perChannel(mean))), axes...)
		// PyTorch updates the running variance with the unbiased batch variance.
		n := float64(x.Shape().Size() / c)
		unbiased := MulScalar(variance, n/max(n-1, 1))
		runMean.SetValueGraph(StopGradient(Add(MulScalar(runMean.ValueGraph(g), 1-bnMomentum), MulScalar(mean, bnMomentum))))
		runVar.SetValueGraph(StopGradient(Add(MulScalar(runVar.ValueGraph(g), 1-bnMomentum), MulScalar(unbiased, bnMomentum))))
	} else {
		mean, variance = runMean.ValueGraph(g), runVar.ValueGraph(g)
	}
	scale := Div(gamma, Sqrt(AddScalar(variance, bnEpsilon))) // [C] (Rsqrt has no gradient in GoMLX)
	shift := Sub(beta, Mul(mean, scale))                      // [C]
	return Add(Mul(x, perChannel(scale)), perChannel(shift))
}
