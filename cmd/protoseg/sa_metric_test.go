package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
)

// metricNames are the --metric names, spelled here on their own.
var metricNames = []string{"dice", "jaccard", "sensitivity", "specificity", "accuracy", "nsd"}

// directMetric scores the h×w map s against the mask g by name, computed here on
// its own: confusion counts over all pixels with the documented 0/0 rule (1 when
// s = g, else 0), and for nsd a brute-force surface Dice at 1 pixel (boundary:
// object pixels with a 4-neighbour that is background or off the image; a
// boundary pixel counts when a boundary pixel of the other map lies within
// Euclidean distance 1).
func directMetric(t *testing.T, name string, s []uint8, g []float64, h, w int) float64 {
	t.Helper()
	var tp, fp, fn, tn float64
	for i := range s {
		switch {
		case s[i] == 1 && g[i] == 1:
			tp++
		case s[i] == 1:
			fp++
		case g[i] == 1:
			fn++
		default:
			tn++
		}
	}
	ratio := func(num, den float64) float64 {
		if den == 0 {
			if fp == 0 && fn == 0 {
				return 1
			}
			return 0
		}
		return num / den
	}
	switch name {
	case "dice":
		return ratio(2*tp, 2*tp+fp+fn)
	case "jaccard":
		return ratio(tp, tp+fp+fn)
	case "sensitivity":
		return ratio(tp, tp+fn)
	case "specificity":
		return ratio(tn, tn+fp)
	case "accuracy":
		return ratio(tp+tn, tp+tn+fp+fn)
	case "nsd":
		gm := make([]uint8, len(g))
		for i, v := range g {
			gm[i] = uint8(v)
		}
		return bruteNSD2D(s, gm, h, w)
	}
	t.Fatalf("no direct %s", name)
	return 0
}

// bruteNSD2D is the surface Dice at 1 pixel of two h×w maps by comparing every
// pair of boundary pixels.
func bruteNSD2D(s, g []uint8, h, w int) float64 {
	edge := func(m []uint8) [][2]int {
		var out [][2]int
		at := func(y, x int) bool { return y >= 0 && y < h && x >= 0 && x < w && m[y*w+x] != 0 }
		for y := range h {
			for x := range w {
				if at(y, x) && (!at(y-1, x) || !at(y+1, x) || !at(y, x-1) || !at(y, x+1)) {
					out = append(out, [2]int{y, x})
				}
			}
		}
		return out
	}
	near := func(a, b [][2]int) int {
		n := 0
		for _, p := range a {
			for _, q := range b {
				dy, dx := float64(p[0]-q[0]), float64(p[1]-q[1])
				if math.Hypot(dy, dx) <= 1 {
					n++
					break
				}
			}
		}
		return n
	}
	es, eg := edge(s), edge(g)
	if len(es)+len(eg) == 0 {
		return 1
	}
	return float64(near(es, eg)+near(eg, es)) / float64(len(es)+len(eg))
}

// checkSAMetrics runs `sa --metric NAME` for every metric with args and checks
// each report against directMetric of the directly computed SAM (which must be
// the SAM the command writes with --sam), to 1e-9.
func checkSAMetrics(t *testing.T, args []string, x, mask []float64, c, h, w int, wantSlice int) {
	t.Helper()
	sam := directSAM(x, mask, c)
	for _, name := range metricNames {
		samPath := filepath.Join(t.TempDir(), "sam.png")
		out, errOut, code := runCLI(t, append([]string{"sa", "--metric", name, "--sam", samPath}, args...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errOut)
		}
		var rep saReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		written, err := data.ReadImage(samPath)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]uint8, h*w)
		for i := range got {
			if written.Pix[i*written.Channels] > 0 {
				got[i] = 1
			}
		}
		if !slices.Equal(got, sam) {
			t.Fatalf("%s: the SAM written differs from the direct SAM", name)
		}
		want := directMetric(t, name, sam, mask, h, w)
		if rep.Metric != name || math.Abs(rep.SA-want) > 1e-9 || rep.Height != h || rep.Width != w {
			t.Fatalf("%s: report metric %q SA %v (%d×%d), want %v (%d×%d)", name, rep.Metric, rep.SA, rep.Height, rep.Width, want, h, w)
		}
		if (wantSlice < 0) != (rep.Slice == nil) || (rep.Slice != nil && *rep.Slice != wantSlice) {
			t.Fatalf("%s: slice %v, want %d", name, rep.Slice, wantSlice)
		}
		t.Logf("%s %s = %.6f", strings.Join(args[2:], " "), name, rep.SA)
	}
}

// TestSAMetricsOnExamples: `sa --metric NAME` on the shipped image/mask pairs.
func TestSAMetricsOnExamples(t *testing.T) {
	for _, tc := range []struct {
		images []string
		mask   string
	}{
		{[]string{"isic-synth.png"}, "isic-synth_mask.png"},
		{[]string{"brats-synth_flair.png", "brats-synth_t1.png", "brats-synth_t1ce.png", "brats-synth_t2.png"}, "brats-synth_seg.png"},
	} {
		args := []string{"--mask", filepath.Join(examplesDir, tc.mask)}
		var stacked *data.Image
		for _, im := range tc.images {
			args = append(args, filepath.Join(examplesDir, im))
			img, err := data.ReadImage(filepath.Join(examplesDir, im))
			if err != nil {
				t.Fatal(err)
			}
			if stacked == nil {
				stacked = img
			} else {
				stacked = data.StackChannels(stacked, img)
			}
		}
		maskImg, err := data.ReadImage(filepath.Join(examplesDir, tc.mask))
		if err != nil {
			t.Fatal(err)
		}
		mask := make([]float64, maskImg.Height*maskImg.Width)
		for i := range mask {
			if maskImg.Pix[i*maskImg.Channels] > 0 {
				mask[i] = 1
			}
		}
		checkSAMetrics(t, args, data.MinMaxChannels(stacked), mask, stacked.Channels, stacked.Height, stacked.Width, -1)
	}
}

// TestSAMetricsOnNIfTI: `sa --metric NAME` on slice 2 of a NIfTI volume pair
// (an elliptic lesion brighter than a textured background).
func TestSAMetricsOnNIfTI(t *testing.T) {
	dir := t.TempDir()
	dims := [3]int{24, 20, 5} // i (columns), j (rows), k (slices)
	img := make([]int16, dims[0]*dims[1]*dims[2])
	labels := make([]int16, len(img))
	for k := range dims[2] {
		for y := range dims[1] {
			for x := range dims[0] {
				i := (k*dims[1]+y)*dims[0] + x
				img[i] = int16(200 + (x*7+y*13+k*3)%17*6)
				dy, dx := float64(y-9)/6, float64(x-11)/(4+float64(k))
				if dy*dy+dx*dx <= 1 {
					labels[i] = 1
					img[i] += 60
				}
			}
		}
	}
	ct, seg := filepath.Join(dir, "ct.nii.gz"), filepath.Join(dir, "seg.nii.gz")
	writeNIfTI(t, ct, dims, img)
	writeNIfTI(t, seg, dims, labels)
	const k = 2
	n := dims[0] * dims[1]
	x, mask := make([]float64, n), make([]float64, n)
	lo, hi := math.Inf(1), math.Inf(-1)
	for p := range n {
		x[p] = float64(img[k*n+p])
		lo, hi = min(lo, x[p]), max(hi, x[p])
		if labels[k*n+p] > 0 {
			mask[p] = 1
		}
	}
	for p := range x {
		x[p] = (x[p] - lo) / (hi - lo)
	}
	checkSAMetrics(t, []string{"--slice", "2", "--mask", seg, ct}, x, mask, 1, dims[1], dims[0], k)
}

// TestSAMetricUnknown: an unknown metric is an error naming it and listing the
// known ones, with nothing on stdout.
func TestSAMetricUnknown(t *testing.T) {
	out, errOut, code := runCLI(t, "sa", "--metric", "hd95", "--mask", filepath.Join(examplesDir, "isic-synth_mask.png"),
		filepath.Join(examplesDir, "isic-synth.png"))
	if code != 1 || out != "" || !strings.Contains(errOut, `"hd95"`) || !strings.Contains(errOut, strings.Join(metricNames, ", ")) {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 naming hd95 and listing %v", code, out, errOut, metricNames)
	}
}
