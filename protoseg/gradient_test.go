package protoseg

import (
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// softDiceLoss is the reference's loss Σ_n [1 − 2Σ(p_t·B)/(Σp_t + ΣB)] (our soft Dice
// adds ε = 1e-6, which moves it by ~1e-8 here).
func softDiceLoss(f, b *Node, detach bool) *Node {
	if detach {
		// Prototypes held constant: compute them from a stopped copy of f.
		object, background := regionWeights(b, nil)
		ct, cb, _, _ := prototypes(StopGradient(f), object, background, Bilinear)
		logit := linearLogit(f, ct, cb, false)
		logit = resizeAxes(logit, 1, Bilinear, b.Shape().Dimensions[1:], false)
		return ReduceAllSum(OneMinus(SoftDice(Sigmoid(logit), b, nil)))
	}
	return ReduceAllSum(OneMinus(SoftDice(ObjectProbability(f, b, nil, Bilinear), b, nil)))
}

func TestGradientMatchesReference(t *testing.T) {
	type gradCase struct {
		Inputs struct {
			F nd `json:"f"`
			B nd `json:"B"`
		} `json:"inputs"`
		Loss         float64 `json:"loss"`
		GradF        nd      `json:"grad_f"`
		GradDetached nd      `json:"grad_f_prototypes_detached"`
	}
	ref := loadRef[map[string]gradCase](t, "grad_softdice.json")
	backend := testBackend(t)
	for _, name := range []string{"same_size", "upsampled_3to6_bilinear"} {
		c := ref[name]
		for _, detach := range []bool{false, true} {
			exec := MustNewExec(backend, func(f, b *Node) []*Node {
				loss := softDiceLoss(f, b, detach)
				return []*Node{loss, Gradient(loss, f)[0]}
			})
			out := exec.MustExec(c.Inputs.F.nhwc(), c.Inputs.B.mask())
			want := c.GradF
			if detach {
				want = c.GradDetached
			}
			assertClose(t, name+" loss", flat(t, out[0]), []float64{c.Loss}, 1e-6)
			assertClose(t, name+" grad", flat(t, out[1]), flat(t, want.nhwc()), 1e-6)
		}
	}
}

// TestGradientFiniteDifference checks autodiff of the ProtoSeg loss with an
// up-sampled feature against central finite differences, in float64.
func TestGradientFiniteDifference(t *testing.T) {
	backend := testBackend(t)
	const n, h, w, c, H, W = 2, 3, 4, 3, 6, 8
	f := make([]float64, n*h*w*c)
	for i := range f {
		f[i] = float64((i*37)%23)/11 - 1
	}
	b := make([]float64, n*H*W)
	g := make([]float64, n*H*W)
	for i := range b {
		b[i] = float64((i*13)%7) / 6 // probabilistic mask
		if (i*29)%5 < 2 {
			g[i] = 1
		}
	}
	lossExec := MustNewExec(backend, func(f, b, g *Node) *Node { return SALoss(f, b, g, nil, Bilinear) })
	gradExec := MustNewExec(backend, func(f, b, g *Node) *Node {
		return Gradient(SALoss(f, b, g, nil, Bilinear), f)[0]
	})
	bT := tensors.FromFlatDataAndDimensions(b, n, H, W)
	gT := tensors.FromFlatDataAndDimensions(g, n, H, W)
	grad := flat(t, gradExec.MustExec1(tensors.FromFlatDataAndDimensions(f, n, h, w, c), bT, gT))
	const step = 1e-6
	for i := range f {
		plus := append([]float64(nil), f...)
		minus := append([]float64(nil), f...)
		plus[i] += step
		minus[i] -= step
		lp := flat(t, lossExec.MustExec1(tensors.FromFlatDataAndDimensions(plus, n, h, w, c), bT, gT))[0]
		lm := flat(t, lossExec.MustExec1(tensors.FromFlatDataAndDimensions(minus, n, h, w, c), bT, gT))[0]
		fd := (lp - lm) / (2 * step)
		if d := fd - grad[i]; d > 1e-6 || d < -1e-6 {
			t.Fatalf("d loss / d f[%d]: autodiff %.9g, finite difference %.9g", i, grad[i], fd)
		}
	}
}
