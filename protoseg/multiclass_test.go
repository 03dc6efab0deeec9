package protoseg

import (
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestMultiClassMatchesBinary(t *testing.T) {
	backend := testBackend(t)
	rng := rand.New(rand.NewPCG(9, 10))
	f := randTensor(rng, []int{2, 3, 4, 5})
	b := binaryTensor(rng, []int{2, 6, 8})
	exec := MustNewExec(backend, func(f, b *Node) []*Node {
		masks := Stack([]*Node{OneMinus(b), b}, -1)
		mc := MultiClassLogits(f, masks, nil, Bilinear)
		diff := Sub(SliceAxis(mc, -1, AxisElem(1)), SliceAxis(mc, -1, AxisElem(0)))
		return []*Node{Reshape(diff, 2, 6, 8), ObjectLogit(f, b, nil, Bilinear)}
	})
	out := exec.MustExec(f, b)
	assertClose(t, "logit_1 − logit_0 vs binary logit", flat(t, out[0]), flat(t, out[1]), 1e-9)
}

func TestMultiClassConstantRegions(t *testing.T) {
	// Three regions, each a constant feature vector: argmax recovers the labels; an
	// absent fourth class never wins.
	backend := testBackend(t)
	const h, w, c, k = 6, 9, 2, 4
	f := make([]float64, h*w*c)
	masks := make([]float64, h*w*k)
	labels := make([]int, h*w)
	vecs := [][]float64{{0, 0}, {1, 3}, {-2, 1}}
	for i := range labels {
		labels[i] = (i % w) / 3
		copy(f[i*c:], vecs[labels[i]])
		masks[i*k+labels[i]] = 1
	}
	exec := MustNewExec(backend, func(f, m *Node) *Node {
		return ArgMax(MultiClassLogits(f, m, nil, Nearest), -1)
	})
	got := exec.MustExec1(tensors.FromFlatDataAndDimensions(f, 1, h, w, c), tensors.FromFlatDataAndDimensions(masks, 1, h, w, k))
	tensors.MustConstFlatData(got, func(x []int32) {
		for i, v := range x {
			if int(v) != labels[i] {
				t.Fatalf("pixel %d: class %d, want %d", i, v, labels[i])
			}
		}
	})
}
