package explore

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/cpubackend"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/unet"
)

// Size of the test volumes, [D, H, W] with 2 channels.
const volD, volH, volW, volC = 8, 16, 16, 2

// volumeDataset is a hand-built volumetric dataset of test volumes, each with
// an ellipsoid object off the middle (so that the centre slices are not the
// middle ones): channel 0 bright on a slightly smaller ellipsoid (what the fake
// model segments), channel 1 a ramp along w.
func volumeDataset(test int) *data.Dataset {
	ds := &data.Dataset{Name: "vol-synth3d", Channels: volC, Depth: volD, Height: volH, Width: volW}
	ds.Train = []data.Sample{{Image: make([]float32, volD*volH*volW*volC), Mask: make([]uint8, volD*volH*volW)}}
	for i := range test {
		cz, cy, cx := 2+float64(i%4), 5+float64(i), 10-float64(i)
		rz, ry, rx := 2.5, 4.0+float64(i%2), 3.5
		s := data.Sample{Image: make([]float32, volD*volH*volW*volC), Mask: make([]uint8, volD*volH*volW), Subject: string(rune('a' + i))}
		for z := range volD {
			for y := range volH {
				for x := range volW {
					p := (z*volH+y)*volW + x
					r := math.Pow((float64(z)-cz)/rz, 2) + math.Pow((float64(y)-cy)/ry, 2) + math.Pow((float64(x)-cx)/rx, 2)
					v := 0.2 + 0.01*float32((x+2*y+3*z)%7)
					if r < 0.8 {
						v = 0.8 - 0.01*float32((x+y)%5)
					}
					s.Image[p*volC], s.Image[p*volC+1] = v, float32(x)/volW
					if r < 1 {
						s.Mask[p] = 1
					}
				}
			}
		}
		ds.Test = append(ds.Test, s)
	}
	return ds
}

func setupVolume(t *testing.T, test int) (*Explorer, *fakeSource) {
	t.Helper()
	b, err := cpubackend.New("")
	if err != nil {
		t.Fatal(err)
	}
	a, err := protoseg.NewAnalyzer(b, protoseg.Bilinear)
	if err != nil {
		t.Fatal(err)
	}
	src, err := fakeSourceFor(a, volumeDataset(test), 1)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(src, []string{"vol-synth3d"}, b, a)
	if err != nil {
		t.Fatal(err)
	}
	return e, src
}

// fullMaps are a layer's maps of one whole test volume, computed apart from the
// explorer: from a forward pass of that volume alone.
type fullMaps struct {
	sa     float64
	sam    []uint8
	p      []float32 // layer-level p_t
	unitSA []float64
	sams   []protoseg.BitMask
	unitP  []float32 // [D, H, W, C]
	c      int
}

func fullMapsOf(t *testing.T, e *Explorer, src *fakeSource, mode unet.Mode, index, layer int) fullMaps {
	t.Helper()
	images, gt, err := src.ds.Batch(src.ds.Test[index : index+1])
	if err != nil {
		t.Fatal(err)
	}
	out, err := src.models[mode].Forward(images)
	if err != nil {
		t.Fatal(err)
	}
	f := out.Features[layer-1]
	lr, err := e.analyzer.Layer("l", f, out.Mask, gt, nil)
	if err != nil {
		t.Fatal(err)
	}
	ur, err := e.analyzer.Units("l", f, out.Mask, gt, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if lr.EmptyObject[0] || lr.EmptyBackground[0] {
		t.Fatalf("test #%d layer %d: empty object or background", index, layer)
	}
	// The p_t graph is the explorer's own (a pure function), run on this volume.
	outs, err := e.probs.Exec(f, out.Mask)
	if err != nil {
		t.Fatal(err)
	}
	d := f.Shape().Dimensions
	return fullMaps{sa: lr.SA[0], sam: lr.SAM[0], unitSA: ur.SA[0], sams: ur.SAMs[0], c: d[len(d)-1],
		p: tensors.MustCopyFlatData[float32](outs[0]), unitP: tensors.MustCopyFlatData[float32](outs[1])}
}

// cut is slice k along axis a (0 = d, 1 = h, 2 = w) of a [D, H, W, c] map,
// written out per axis, apart from measure.Plane.
func cut[T any](m []T, c, a, k int) (out []T, h, w int) {
	at := func(z, y, x int) int { return ((z*volH+y)*volW + x) * c }
	switch a {
	case 0:
		h, w = volH, volW
	case 1:
		h, w = volD, volW
	default:
		h, w = volD, volH
	}
	for i := range h {
		for j := range w {
			var p int
			switch a {
			case 0:
				p = at(k, i, j)
			case 1:
				p = at(i, k, j)
			default:
				p = at(i, j, k)
			}
			out = append(out, m[p:p+c]...)
		}
	}
	return out, h, w
}

// TestVolumeView checks, for every axis and some slices (the object's centre
// by default, the first, the last, beyond the last), that the view shows the
// slice of the full-volume maps (measure.SlicePlane of them), that the numbers
// are the whole volume's (the study's layer SA), and that moving the slice or
// the axis computes no analysis.
func TestVolumeView(t *testing.T) {
	e, src := setupVolume(t, 4)
	order, err := e.Order("vol-synth3d")
	if err != nil {
		t.Fatal(err)
	}
	dims := []int{volD, volH, volW}
	for _, rank := range []int{0, 3} {
		idx := order[rank]
		g := make([]float32, volD*volH*volW)
		for p, v := range src.ds.Test[idx].Mask {
			g[p] = float32(v)
		}
		centre := measure.ObjectCentre(g, dims)
		if slices.Equal(centre, []int{volD / 2, volH / 2, volW / 2}) {
			t.Fatalf("test #%d: centre %v is the middle", idx, centre)
		}
		for _, layer := range []int{1, 9, 18} {
			fm := fullMapsOf(t, e, src, unet.Online, idx, layer)
			checkVolumeLayer(t, e, src, fm, rank, layer, centre)
		}
	}
}

// checkVolumeLayer checks the views of one layer of the test volume of rank
// against its full maps.
func checkVolumeLayer(t *testing.T, e *Explorer, src *fakeSource, fm fullMaps, rank, layer int, centre []int) {
	t.Helper()
	idx := e.order["vol-synth3d"][rank]
	dims := []int{volD, volH, volW}
	analyses := -1
	for a, axis := range Axes() {
		for _, slice := range []int{CentreSlice, 0, dims[a] - 1, dims[a] + 5} {
			want := min(slice, dims[a]-1)
			if slice == CentreSlice {
				want = centre[a]
			}
			at := make([]int, 3)
			at[a] = want
			planes, err := measure.ViewPlanes(dims, at)
			if err != nil {
				t.Fatal(err)
			}
			p := planes[a]
			for unit := range 2 {
				c := Choice{Dataset: "vol-synth3d", Rank: rank, Mode: unet.Online, Layer: layer, Unit: unit, Axis: axis, Slice: slice}
				v, err := e.View(c)
				if err != nil {
					t.Fatal(err)
				}
				if analyses < 0 {
					analyses = e.analyses
				}
				n := v.Numbers
				if v.Choice.Axis != axis || v.Choice.Slice != want || n.Axis != axis || n.Slice != want ||
					!slices.Equal(n.Volume, dims) || !slices.Equal(n.Centre, centre) || v.H != p.H || v.W != p.W {
					t.Fatalf("%+v: choice %+v, numbers %+v, %d×%d, want slice %d of %d×%d", c, v.Choice, n, v.H, v.W, want, p.H, p.W)
				}
				sam, heat := fm.sam, fm.p
				if unit > 0 {
					sam = fm.sams[n.Unit].Unpack(nil)
					heat = make([]float32, len(fm.p))
					for q := range heat {
						heat[q] = fm.unitP[q*fm.c+n.Unit]
					}
				}
				checkVolumeNumbers(t, src, fm, n, idx, layer, sam)
				gtWant := measure.SlicePlane(src.ds.Test[idx].Mask, p)
				if !slices.Equal(v.GT, gtWant) || !slices.Equal(v.SAM, measure.SlicePlane(sam, p)) || !slices.Equal(v.Heat, measure.SlicePlane(heat, p)) {
					t.Fatalf("%+v: shown maps differ from the full volume's slice", c)
				}
				if g, _, _ := cut(src.ds.Test[idx].Mask, 1, a, want); !slices.Equal(g, gtWant) {
					t.Fatalf("%+v: SlicePlane and cut differ", c)
				}
				img, h, w := cut(src.ds.Test[idx].Image, volC, a, want)
				png, err := renderPNG(img, volC, h, w, gtWant, v.SAM, v.Heat)
				if err != nil || string(png) != string(v.PNG) {
					t.Fatalf("%+v: PNG differs from the slice's rendering (%v)", c, err)
				}
			}
		}
	}
	if e.analyses != analyses {
		t.Errorf("rank %d layer %d: %d analyses after moving the slice, %d before", rank, layer, e.analyses, analyses)
	}
}

// checkVolumeNumbers checks a volume view's numbers against the study's and
// the full maps'.
func checkVolumeNumbers(t *testing.T, src *fakeSource, fm fullMaps, n Numbers, idx, layer int, sam []uint8) {
	t.Helper()
	mr := src.results.Online
	if math.Abs(n.LayerSA-mr.LayerSA[idx][layer-1]) > 1e-9 || math.Abs(n.LayerSA-fm.sa) > 1e-9 {
		t.Errorf("layer %d: SA %v, study %v, full %v", layer, n.LayerSA, mr.LayerSA[idx][layer-1], fm.sa)
	}
	if n.UnitRank > 0 && math.Abs(n.UnitSA-fm.unitSA[n.Unit]) > 1e-9 {
		t.Errorf("layer %d unit %d: SA %v, full %v", layer, n.Unit, n.UnitSA, fm.unitSA[n.Unit])
	}
	if n.SAMPixels != count(sam) || n.GTPixels != count(src.ds.Test[idx].Mask) || (layer == 1 && n.SAMPixels == 0) {
		t.Errorf("layer %d: %d SAM, %d GT voxels, want %d, %d", layer, n.SAMPixels, n.GTPixels, count(sam), count(src.ds.Test[idx].Mask))
	}
	if n.Mu != mr.Mu[idx] || n.Dice != mr.Dice[idx] {
		t.Errorf("μ %v Dice %v, study %v %v", n.Mu, n.Dice, mr.Mu[idx], mr.Dice[idx])
	}
}

// TestVolumeAnswer checks the protocol on a volume: the default axis and slice
// (axial, through the object's centre), an explicit slice 0, a null slice
// (the centre again), and the reply's volume fields.
func TestVolumeAnswer(t *testing.T) {
	e, src := setupVolume(t, 3)
	r := e.Answer(State{Seq: 3, Layer: 9, Compare: CompareModels})
	if r.Error != "" || len(r.Views) != 2 {
		t.Fatalf("reply %+v", r)
	}
	idx := e.order["vol-synth3d"][0]
	g := make([]float32, volD*volH*volW)
	for p, v := range src.ds.Test[idx].Mask {
		g[p] = float32(v)
	}
	dims := []int{volD, volH, volW}
	centre := measure.ObjectCentre(g, dims)
	s := r.State
	if s.Axis != Axial || s.Slice == nil || *s.Slice != centre[0] || !slices.Equal(r.Volume, dims) || !slices.Equal(r.Centre, centre) {
		t.Fatalf("state %+v (slice %v), volume %v, centre %v; want centre %v", s, s.Slice, r.Volume, r.Centre, centre)
	}
	for _, v := range r.Views {
		if v.Attrs["axis"] != Axial || v.Attrs["slice"] != strconv.Itoa(centre[0]) || !strings.HasSuffix(v.Title, " · axial d = "+strconv.Itoa(centre[0])) {
			t.Errorf("view %q attrs %v", v.Title, v.Attrs)
		}
	}
	if want := "d = " + strconv.Itoa(centre[0]) + " of 0–7 (object's centre d = " + strconv.Itoa(centre[0]) + ")"; r.SliceLabel != want ||
		!strings.Contains(r.Views[0].Text, "axial slice "+want) {
		t.Errorf("slice label %q, text\n%s\nwant %q", r.SliceLabel, r.Views[0].Text, want)
	}
	zero := 0
	r = e.Answer(State{Layer: 9, Axis: Sagittal, Slice: &zero})
	b, err := json.Marshal(r.State)
	if err != nil || r.Views[0].Attrs["slice"] != "0" || !strings.Contains(string(b), `"axis":"sagittal","slice":0}`) {
		t.Errorf("slice 0: state %s (%v), attrs %v", b, err, r.Views[0].Attrs)
	}
	var null State
	if err := json.Unmarshal([]byte(`{"seq":4,"cmd":"update","layer":9,"axis":"coronal","slice":null}`), &null); err != nil || null.Slice != nil {
		t.Fatalf("null slice: %+v (%v)", null, err)
	}
	r = e.Answer(null)
	if r.State.Slice == nil || *r.State.Slice != centre[1] || r.Views[0].Attrs["slice"] != strconv.Itoa(centre[1]) {
		t.Errorf("null slice: state %+v, want coronal slice %d", r.State, centre[1])
	}
}

// TestVolumeFieldsIgnoredIn2D checks that 2D data ignores the axis and slice:
// the same view, and replies without the volume fields.
func TestVolumeFieldsIgnoredIn2D(t *testing.T) {
	e, _ := setup(t, 32, 1, 6)
	v0, err := e.View(Choice{Layer: 5})
	if err != nil {
		t.Fatal(err)
	}
	v1, err := e.View(Choice{Layer: 5, Axis: Coronal, Slice: 7})
	if err != nil {
		t.Fatal(err)
	}
	if v1.Choice.Axis != "" || v1.Choice.Slice != 0 || string(v0.PNG) != string(v1.PNG) || v0.Text != v1.Text ||
		v1.Numbers.Axis != "" || v1.Numbers.Volume != nil || v1.H != 32 || v1.W != 32 || strings.Contains(v1.Text, "slice") {
		t.Fatalf("2D with an axis: choice %+v, numbers %+v, %d×%d\n%s", v1.Choice, v1.Numbers, v1.H, v1.W, v1.Text)
	}
	seven := 7
	r := e.Answer(State{Layer: 5, Axis: Coronal, Slice: &seven})
	b, err := json.Marshal(r)
	if err != nil || r.Error != "" || r.State.Axis != "" || r.State.Slice != nil {
		t.Fatalf("reply %+v (%v)", r, err)
	}
	for _, key := range []string{`"axis"`, `"slice"`, `"volume"`, `"centre"`, `"sliceLabel"`} {
		if strings.Contains(string(b), key) {
			t.Errorf("2D reply has %s", key)
		}
	}
}

// TestPageVolume checks that the page of a volume shows the axis and slice
// controls, set to the first reply's.
func TestPageVolume(t *testing.T) {
	e, _ := setupVolume(t, 2)
	r := e.Answer(State{Layer: 3, Axis: Coronal})
	if r.Error != "" {
		t.Fatal(r.Error)
	}
	html := page("v1", "/in", "/out", []string{"vol-synth3d"}, r)
	for _, want := range []string{
		`<label data-field="slice-name">slice of the volume</label><span data-field="slice-box"><select data-control="axis">` +
			`<option value="axial">axial (d)</option><option value="coronal" selected>coronal (h)</option><option value="sagittal">sagittal (w)</option></select>`,
		`<input type="range" data-control="slice" min="0" max="15" value="` + strconv.Itoa(r.Centre[1]) + `"/>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}
