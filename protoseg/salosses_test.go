package protoseg

import (
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestMeanSALoss checks MeanSALoss against the mean of SALoss over features of
// three sizes (one at the mask's size, two smaller, two of them sharing a size),
// with and without a region of interest, on a batch whose images include an empty
// object region, an empty background region and an ordinary mask: the loss and its
// gradient with respect to every feature agree to 1e-12 in float64.
func TestMeanSALoss(t *testing.T) {
	backend := testBackend(t)
	const n, H, W = 3, 8, 12
	sizes := [][2]int{{8, 12}, {4, 6}, {2, 3}, {4, 6}}
	channels := []int{3, 2, 4, 1}
	fs := make([]*tensors.Tensor, len(sizes))
	for i, s := range sizes {
		v := make([]float64, n*s[0]*s[1]*channels[i])
		for j := range v {
			v[j] = float64((j*37+i*11)%23)/11 - 1
		}
		fs[i] = tensors.FromFlatDataAndDimensions(v, n, s[0], s[1], channels[i])
	}
	b, g, roi := make([]float64, n*H*W), make([]float64, n*H*W), make([]float64, n*H*W)
	for i := range b {
		img := i / (H * W)
		switch img {
		case 0: // no object region: B ≡ 0
		case 1: // no background region: B ≡ 1
			b[i] = 1
		default:
			b[i] = float64((i*13)%7) / 6 // probabilistic
		}
		if (i*29)%5 < 2 {
			g[i] = 1
		}
		if (i*7)%9 != 0 {
			roi[i] = 1
		}
	}
	bT := tensors.FromFlatDataAndDimensions(b, n, H, W)
	gT := tensors.FromFlatDataAndDimensions(g, n, H, W)
	roiT := tensors.FromFlatDataAndDimensions(roi, n, H, W)
	for _, withROI := range []bool{false, true} {
		exec := MustNewExec(backend, func(inputs []*Node) []*Node {
			f, mask, g, r := inputs[:4], inputs[4], inputs[5], inputs[6]
			if !withROI {
				r = nil
			}
			var ref *Node
			for _, fi := range f {
				term := SALoss(fi, mask, g, r, Bilinear)
				if ref == nil {
					ref = term
				} else {
					ref = Add(ref, term)
				}
			}
			ref = DivScalar(ref, float64(len(f)))
			got := MeanSALoss(f, mask, g, r, Bilinear)
			return append([]*Node{ref, got}, append(Gradient(ref, f...), Gradient(got, f...)...)...)
		})
		out := exec.MustExec(fs[0], fs[1], fs[2], fs[3], bT, gT, roiT)
		assertClose(t, "loss", flat(t, out[1]), flat(t, out[0]), 1e-12)
		if l := flat(t, out[0])[0]; l <= 0 || l >= 1 {
			t.Errorf("roi %v: mean SA loss %g outside (0, 1)", withROI, l)
		}
		nonzero := 0
		for i := range fs {
			grad := flat(t, out[2+i])
			assertClose(t, "gradient", flat(t, out[2+len(fs)+i]), grad, 1e-12)
			for _, v := range grad {
				if v != 0 {
					nonzero++
				}
			}
		}
		if nonzero == 0 {
			t.Errorf("roi %v: the gradient is zero everywhere; the test checks nothing", withROI)
		}
	}
}
