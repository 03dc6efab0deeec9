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
//
// Both are written as the per-channel affine map Add(Mul(x, scale), shift),
// which the cpu backend fuses with the ReLU that follows (and, in training,
// with that ReLU's gradient). In training the gradient is BatchNorm's closed
// form (batchNormTrain) instead of GoMLX's differentiation of the statistics.
func batchNorm(ctx *context.Context, x *Node) *Node {
	g := x.Graph()
	c := x.Shape().Dimensions[x.Rank()-1]
	dtype := x.DType()
	gamma := ctx.WithInitializer(initializers.One).VariableWithShape("gamma", shapes.Make(dtype, c)).ValueGraph(g)
	beta := ctx.WithInitializer(initializers.Zero).VariableWithShape("beta", shapes.Make(dtype, c)).ValueGraph(g)
	runMean := ctx.WithInitializer(initializers.Zero).VariableWithShape("mean", shapes.Make(dtype, c)).SetTrainable(false)
	runVar := ctx.WithInitializer(initializers.One).VariableWithShape("variance", shapes.Make(dtype, c)).SetTrainable(false)
	bn := newBNAxes(x)
	if !ctx.IsTraining(g) {
		scale := Div(gamma, Sqrt(AddScalar(runVar.ValueGraph(g), bnEpsilon))) // [C] (Rsqrt has no gradient in GoMLX)
		shift := Sub(beta, Mul(runMean.ValueGraph(g), scale))                 // [C]
		return Add(Mul(x, bn.perChannel(scale)), bn.perChannel(shift))
	}
	mean := StopGradient(ReduceMean(x, bn.axes...))
	variance := StopGradient(ReduceMean(Square(Sub(x, bn.perChannel(mean))), bn.axes...))
	// PyTorch updates the running variance with the unbiased batch variance.
	unbiased := MulScalar(variance, bn.n/max(bn.n-1, 1))
	runMean.SetValueGraph(StopGradient(Add(MulScalar(runMean.ValueGraph(g), 1-bnMomentum), MulScalar(mean, bnMomentum))))
	runVar.SetValueGraph(StopGradient(Add(MulScalar(runVar.ValueGraph(g), 1-bnMomentum), MulScalar(unbiased, bnMomentum))))
	return bn.train(x, gamma, beta, mean, variance)
}

// bnAxes holds the reduction axes of a BatchNorm input x [N, spatial..., C].
type bnAxes struct {
	axes []int   // every axis but the channels
	ones []int   // [1, …, 1, C]
	n    float64 // the number of values per channel
}

// newBNAxes returns the BatchNorm axes of x.
func newBNAxes(x *Node) *bnAxes {
	c := x.Shape().Dimensions[x.Rank()-1]
	bn := &bnAxes{axes: make([]int, x.Rank()-1), ones: make([]int, x.Rank()), n: float64(x.Shape().Size() / c)}
	for i := range bn.axes {
		bn.axes[i], bn.ones[i] = i, 1
	}
	bn.ones[len(bn.axes)] = c
	return bn
}

// perChannel reshapes v [C] to [1, …, 1, C].
func (bn *bnAxes) perChannel(v *Node) *Node { return Reshape(v, bn.ones...) }

// bnGrads are the gradients of a training BatchNorm built by bnAxes.backward.
type bnGrads struct{ x, gamma, beta *Node }

// train returns the training BatchNorm of x with the (gradient-stopped) batch
// statistics mean and variance [C]: y = x·scale + shift with scale = γ/σ and
// shift = β − μ·scale, σ = √(variance + ε).
//
// Its gradient is BatchNorm's closed form rather than GoMLX's differentiation
// of the statistics (about eight passes over x): the custom gradient of y
// builds it from y's gradient g (bnAxes.backward: two per-channel sums and one
// element-wise pass), and the custom gradients of x, γ and β hand out its
// parts. Reverse-mode differentiation visits y before x, γ and β (it goes in
// decreasing node order), so grads is set when those are asked; if it ever
// were not, they fall back to their generic gradients (bnAxes.inputGrad for
// x), which are exact as well.
func (bn *bnAxes) train(x, gamma, beta, mean, variance *Node) *Node {
	sd := Sqrt(AddScalar(variance, bnEpsilon))
	var grads *bnGrads
	gammaID := IdentityWithCustomGradient(gamma, func(_, v *Node) *Node {
		if grads == nil {
			return v
		}
		return grads.gamma
	})
	betaID := IdentityWithCustomGradient(beta, func(_, v *Node) *Node {
		if grads == nil {
			return v
		}
		return grads.beta
	})
	xID := IdentityWithCustomGradient(x, func(_, v *Node) *Node {
		if grads == nil {
			return bn.inputGrad(x, v, mean, sd)
		}
		return grads.x
	})
	scale := Div(gammaID, sd)
	shift := Sub(betaID, Mul(mean, scale))
	y := Add(Mul(xID, bn.perChannel(scale)), bn.perChannel(shift))
	return IdentityWithCustomGradient(y, func(_, g *Node) *Node {
		grads = bn.backward(x, g, mean, sd, scale)
		return g
	})
}

// backward returns BatchNorm's gradients for the gradient g of its output:
// with x̂ = (x − μ)/σ, dβ = Σg, dγ = Σg·x̂ = (Σg·x − μ·Σg)/σ and
//
//	dx = γ/σ · (g − Σg/n − x̂·dγ/n) = a·g + b·x + c
//
// per channel, a = γ/σ, b = −a·dγ/(n·σ), c = −a·Σg/n − b·μ: one element-wise
// pass over g and x (the cpu backend fuses Add(Add(Mul(g, a), Mul(x, b)), c),
// and each sum into one pass).
func (bn *bnAxes) backward(x, g, mean, sd, scale *Node) *bnGrads {
	sg := ReduceSum(g, bn.axes...)
	sgx := ReduceSum(Mul(g, x), bn.axes...)
	dGamma := Div(Sub(sgx, Mul(mean, sg)), sd)
	b := Neg(MulScalar(Div(Mul(scale, dGamma), sd), 1/bn.n))
	c := Sub(Neg(MulScalar(Mul(scale, sg), 1/bn.n)), Mul(b, mean))
	dx := Add(Add(Mul(g, bn.perChannel(scale)), Mul(x, bn.perChannel(b))), bn.perChannel(c))
	return &bnGrads{x: dx, gamma: dGamma, beta: sg}
}

// inputGrad is the gradient of BatchNorm's input from v, the gradient of x
// through y = x·scale + shift with the statistics held constant:
// dx = v − mean(v) − x̂·mean(v·x̂).
func (bn *bnAxes) inputGrad(x, v, mean, sd *Node) *Node {
	xHat := Div(Sub(x, bn.perChannel(mean)), bn.perChannel(sd))
	meanV := ReduceMean(v, bn.axes...)
	meanVX := ReduceMean(Mul(v, xHat), bn.axes...)
	return Sub(Sub(v, bn.perChannel(meanV)), Mul(xHat, bn.perChannel(meanVX)))
}
