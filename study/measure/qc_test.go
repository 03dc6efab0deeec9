package measure

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
)

func TestTTATransforms(t *testing.T) {
	// 2×2 image [a b; c d]: rot90 (counter-clockwise) is [b d; a c].
	x := []int{'a', 'b', 'c', 'd'}
	want := map[string]string{"identity": "abcd", "hflip": "badc", "vflip": "cdab", "rot90": "bdac", "rot180": "dcba", "rot270": "cadb"}
	for _, tr := range ttaTransforms(1) {
		y := transformHWC(tr, x, 1, 2, 1)
		got := string([]rune{rune(y[0]), rune(y[1]), rune(y[2]), rune(y[3])})
		if got != want[tr] {
			t.Errorf("%s: %s, want %s", tr, got, want[tr])
		}
	}
	// Round trip on 2 images of 3×3×2.
	z := make([]float32, 2*3*3*2)
	for i := range z {
		z[i] = float32(i)
	}
	for _, tr := range ttaTransforms(1) {
		back := transformHWC(ttaInverse(tr), transformHWC(tr, z, 2, 3, 2), 2, 3, 2)
		for i := range z {
			if back[i] != z[i] {
				t.Fatalf("%s then its inverse moved value %d to %v", tr, i, back[i])
			}
		}
	}
}

// TestTTAVolumes: volumes get the flip along D beside the in-plane transforms,
// which act on every slice; every transform's inverse restores the volume.
func TestTTAVolumes(t *testing.T) {
	if got := len(ttaTransforms(2)); got != 7 || ttaTransforms(2)[6] != "dflip" {
		t.Fatalf("volume transforms %v, want the 6 image ones and dflip", ttaTransforms(2))
	}
	// One volume of 2 slices [a b; c d] and [e f; g h].
	x := []int{'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}
	want := map[string]string{"dflip": "efghabcd", "rot90": "bdacfheg", "hflip": "badcfehg"}
	for tr, w := range want {
		y := transformVolume(tr, x, 1, 2, 2, 1)
		got := make([]rune, len(y))
		for i, v := range y {
			got[i] = rune(v)
		}
		if string(got) != w {
			t.Errorf("%s: %s, want %s", tr, string(got), w)
		}
	}
	z := make([]float32, 2*3*4*4*2) // 2 volumes of 3 slices of 4×4×2
	for i := range z {
		z[i] = float32(i)
	}
	for _, tr := range ttaTransforms(3) {
		back := transformVolume(ttaInverse(tr), transformVolume(tr, z, 2, 3, 4, 2), 2, 3, 4, 2)
		for i := range z {
			if back[i] != z[i] {
				t.Fatalf("%s then its inverse moved value %d to %v", tr, i, back[i])
			}
		}
	}
}

// leftModel predicts foreground where channel 0 > 0.5 in the left half only, with
// probability 0.75 there and 0.1 elsewhere: not flip- or rotation-equivariant.
type leftModel struct{}

func (leftModel) Forward(images *tensors.Tensor) (*Output, error) {
	d := images.Shape().Dimensions
	n, h, w, c := d[0], d[1], d[2], d[3]
	x := tensors.MustCopyFlatData[float32](images)
	mask := make([]float32, n*h*w)
	prob := make([]float32, n*h*w)
	for i := range mask {
		prob[i] = 0.1
		if x[i*c] > 0.5 && i%w < w/2 {
			mask[i], prob[i] = 1, 0.75
		}
	}
	return &Output{Mask: tensors.FromFlatDataAndDimensions(mask, n, h, w), Prob: tensors.FromFlatDataAndDimensions(prob, n, h, w)}, nil
}

func TestQCScoresClosedForm(t *testing.T) {
	const s = 4
	ds := &data.Dataset{Name: "qc", Channels: 1, Height: s, Width: s}
	full := data.Sample{Image: make([]float32, s*s), Mask: make([]uint8, s*s)}
	for i := range full.Image {
		full.Image[i], full.Mask[i] = 1, 1
	}
	empty := data.Sample{Image: make([]float32, s*s), Mask: make([]uint8, s*s)}
	ds.Test = []data.Sample{full, empty, full}
	res := &ModelResults{Dice: []float64{0.4, 1, 0.3}, Mu: []float64{0.5, 0.9, 0.2}}
	// The identity pass, as Analyze makes it: the output and the entropy scores.
	images, _, err := ds.Batch(ds.Test)
	if err != nil {
		t.Fatal(err)
	}
	out, err := leftModel{}.Forward(images)
	if err != nil {
		t.Fatal(err)
	}
	res.Output = protoseg.BinaryMaps(out.Mask)
	if err := res.addEntropy(out); err != nil {
		t.Fatal(err)
	}
	q, err := QCScores(leftModel{}, ds, res, []float64{2, 1, 3}, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Full image: masks mapped back are L, R, L, T, R, B (halves): pairwise Dice
	// 1 (L–L, R–R), 0 (4 L–R pairs, T–B), ½ (8 pairs across axes): 6/15.
	// Empty image: every mask empty, Dice 1.
	h75, h10 := binaryEntropy(0.75), binaryEntropy(float64(float32(0.1)))
	want := map[string][]float64{
		"mu":         {0.5, 0.9, 0.2},
		"vog":        {-2, -1, -3},
		"tta":        {0.4, 1, 0.4},
		"entropy":    {-(h75 + h10) / 2, -h10, -(h75 + h10) / 2},
		"entropy_fg": {-h75, -h10, -h75}, // empty prediction: whole-image entropy
	}
	for m, w := range want {
		for i := range w {
			if math.Abs(q.Scores[m][i]-w[i]) > 1e-12 {
				t.Errorf("%s[%d] = %v, want %v", m, i, q.Scores[m][i], w[i])
			}
		}
	}
	if h := binaryEntropy(0.1); math.Abs(h-(-0.1*math.Log(0.1)-0.9*math.Log(0.9))) > 1e-15 || binaryEntropy(0) != 0 || binaryEntropy(1) != 0 {
		t.Error("binary entropy")
	}
	// VoG ranks image 1 > 0 > 2 as Dice does: E-AURC 0, AUROC 1 (images 0, 2 fail).
	if fd := q.Metrics["vog"]; math.Abs(fd.EAURC) > 1e-12 || fd.AUROC != 1 || math.Abs(fd.Spearman-1) > 1e-12 {
		t.Errorf("vog metrics %+v", fd)
	}
	// TTA ties images 0 and 2: AUROC still 1, ρ defined.
	if fd := q.Metrics["tta"]; fd.AUROC != 1 {
		t.Errorf("tta metrics %+v", fd)
	}
	if len(q.Undefined) != 0 {
		t.Errorf("undefined metrics: %v", q.Undefined)
	}
}

func TestQCScoresEquivariantModel(t *testing.T) {
	ds := fixture.TinyDataset(4)
	res, err := Analyze(fixture.Analyzer(t), ThresholdModel{Layers: 2}, ds, AnalyzeOptions{BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	q, err := QCScores(ThresholdModel{Layers: 2}, ds, res, nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range q.Scores["tta"] {
		if v != 1 {
			t.Errorf("image %d: TTA agreement of a pixel-wise model %v, want 1", i, v)
		}
	}
	if _, ok := q.Scores["vog"]; ok {
		t.Error("vog scored without VoG")
	}
	// Every Dice is 1: AUROC undefined (no failure), and reported so, not as 0.
	if !math.IsNaN(q.Metrics["tta"].AUROC) || q.Undefined["tta"] == "" {
		t.Errorf("tta: AUROC %v, undefined %q", q.Metrics["tta"].AUROC, q.Undefined["tta"])
	}
	ds.Width = 9
	if _, err := QCScores(ThresholdModel{Layers: 2}, ds, res, nil, 3); err == nil {
		t.Error("non-square images: no error")
	}
}
