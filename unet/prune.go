package unet

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// PrunedOutput recomputes the network's output from its last feature map
// (layer18, [N, H, W, C], or [N, D, H, W, C] for a 3D network) with only the
// units where keep[k] is true, the others set to zero — pruning units without
// retraining — and returns the binarised output of each image (H·W values, or
// D·H·W, 1 = object). With every unit kept it equals the
// network's own output.
func (n *Network) PrunedOutput(last *tensors.Tensor, keep []bool) ([][]uint8, error) {
	d := last.Shape().Dimensions
	rank := n.Config.SpatialDims() + 2
	if len(d) != rank || d[rank-1] != len(keep) {
		return nil, fmt.Errorf("unet: pruning: feature shaped %s and %d keep flags (want rank %d)", last.Shape(), len(keep), rank)
	}
	w, err := n.variable("/unet/head", "weights")
	if err != nil {
		return nil, err
	}
	b, err := n.variable("/unet/head", "bias")
	if err != nil {
		return nil, err
	}
	c, classes := d[rank-1], len(b)
	if len(w) != c*classes {
		return nil, fmt.Errorf("unet: pruning: head has %d weights, want %d×%d", len(w), c, classes)
	}
	f := tensors.MustCopyFlatData[float32](last)
	pixels := 1
	for _, s := range d[1 : rank-1] {
		pixels *= s
	}
	out := make([][]uint8, d[0])
	logits := make([]float32, classes)
	for i := range d[0] {
		out[i] = make([]uint8, pixels)
		for p := range pixels {
			copy(logits, b)
			x := f[(i*pixels+p)*c : (i*pixels+p+1)*c]
			for k, v := range x {
				if !keep[k] {
					continue
				}
				for j := range classes {
					logits[j] += v * w[k*classes+j]
				}
			}
			best := 0
			for j := range logits {
				if logits[j] > logits[best] {
					best = j
				}
			}
			if best == 1 {
				out[i][p] = 1
			}
		}
	}
	return out, nil
}

// variable returns the float32 values of a variable of the network.
func (n *Network) variable(scope, name string) ([]float32, error) {
	v := n.ctx.InspectVariable(scope, name)
	if v == nil {
		return nil, fmt.Errorf("unet: no variable %s/%s", scope, name)
	}
	t, err := v.Value()
	if err != nil {
		return nil, err
	}
	return tensors.MustCopyFlatData[float32](t), nil
}

// HeadWeights returns the 1×1 output convolution (the head): w[k][j] is the
// weight of unit k of the last feature map (layer 18) in the logit of class j
// (0 = background, 1 = object), and bias[j] the bias of that logit.
func (n *Network) HeadWeights() (w [][]float64, bias []float64, err error) {
	flat, err := n.variable("/unet/head", "weights")
	if err != nil {
		return nil, nil, err
	}
	b, err := n.variable("/unet/head", "bias")
	if err != nil {
		return nil, nil, err
	}
	classes := len(b)
	if classes == 0 || len(flat)%classes != 0 {
		return nil, nil, fmt.Errorf("unet: head has %d weights for %d classes", len(flat), classes)
	}
	w = make([][]float64, len(flat)/classes)
	for k := range w {
		w[k] = make([]float64, classes)
		for j := range classes {
			w[k][j] = float64(flat[k*classes+j])
		}
	}
	for _, v := range b {
		bias = append(bias, float64(v))
	}
	return w, bias, nil
}
