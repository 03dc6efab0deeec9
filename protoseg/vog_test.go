package protoseg

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// linearVoG runs VoG over checkpoints of the synthetic model logit = w·x (one
// channel), whose binarised output B̂ = [logit > 0] is the object of x for w > 0:
// the input gradient of VoGObjectScore is w·B̂/|B̂|.
func linearVoG(t *testing.T, ws []float64, images [][]float32, h, w int) []float64 {
	t.Helper()
	exec := MustNewExec(testBackend(t), func(x, weight *Node) *Node {
		logit := Reshape(Mul(x, weight), x.Shape().Dimensions[:3]...)
		mask := StopGradient(ConvertDType(GreaterThan(logit, ZerosLike(logit)), logit.DType()))
		return Gradient(ReduceAllSum(VoGObjectScore(mask, logit)), x)[0]
	})
	var flat []float32
	for _, im := range images {
		flat = append(flat, im...)
	}
	x := tensors.FromFlatDataAndDimensions(flat, len(images), h, w, 1)
	grads := make([][]float32, len(ws))
	for k, wk := range ws {
		g := exec.MustExec(x, float32(wk))[0]
		grads[k] = tensors.MustCopyFlatData[float32](g)
	}
	v, _, err := VoG(grads, len(images), 1)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func square(h, w, side int) []float32 {
	m := make([]float32, h*w)
	for y := range side {
		for x := range side {
			m[y*w+x] = 1
		}
	}
	return m
}

func TestVoGObjectScore(t *testing.T) {
	const h, w = 8, 8
	images := [][]float32{square(h, w, 2), square(h, w, 4), square(h, w, 8)}
	// Identical checkpoints: VoG 0.
	for i, v := range linearVoG(t, []float64{1.5, 1.5, 1.5, 1.5, 1.5}, images, h, w) {
		if v != 0 {
			t.Fatalf("identical checkpoints, image %d: VoG %v, want 0", i, v)
		}
	}
	// Five checkpoints w = 1…5: per object pixel SD(w)/|B̂|, summed over the |B̂|
	// object pixels and divided by the h·w pixels: SD(w)/(h·w) = √2/64 for every
	// object size (4, 16 and 64 pixels).
	want := math.Sqrt(2) / (h * w)
	for i, v := range linearVoG(t, []float64{1, 2, 3, 4, 5}, images, h, w) {
		if math.Abs(v-want) > 1e-7 {
			t.Fatalf("object %d (side %d): VoG %v, want %v (independent of size)", i, []int{2, 4, 8}[i], v, want)
		}
	}
}
