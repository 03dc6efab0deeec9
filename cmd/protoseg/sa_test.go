package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/data"
)

var update = flag.Bool("update", false, "rewrite the example images in ../../examples")

// examplesDir holds the example images the README's main command runs on.
const examplesDir = "../../examples"

// TestWriteExamples regenerates the shipped examples from the deterministic
// stand-ins (go test ./cmd/protoseg -run WriteExamples -update), and otherwise
// checks that they are still what the generators give.
func TestWriteExamples(t *testing.T) {
	files := map[string]image.Image{}
	isic, err := data.Load("isic-synth", data.Options{Size: 128, Seed: 1, TrainCount: 1, TestCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	files["isic-synth.png"] = toRGBA(isic.Test[0].Image, 128, 128, 3, []int{0, 1, 2})
	files["isic-synth_mask.png"] = maskGray(isic.Test[0].Mask, 128, 128)
	brats, err := data.Load("brats-synth", data.Options{Size: 128, Seed: 1, TrainCount: 1, TestCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	for ch, name := range []string{"flair", "t1", "t1ce", "t2"} {
		files["brats-synth_"+name+".png"] = toGray(brats.Test[0].Image, 128, 128, 4, ch)
	}
	files["brats-synth_seg.png"] = maskGray(brats.Test[0].Mask, 128, 128)
	for name, img := range files {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(examplesDir, name)
		if *update {
			if err := os.MkdirAll(examplesDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (regenerate with -update)", err)
		}
		if !bytes.Equal(old, buf.Bytes()) {
			t.Errorf("%s differs from what the generator gives now (regenerate with -update)", path)
		}
	}
}

func toRGBA(pix []float32, h, w, c int, channels []int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range h * w {
		var rgb [3]uint8
		for k, ch := range channels {
			rgb[k] = uint8(math.Round(float64(pix[i*c+ch]) * 255))
		}
		img.SetNRGBA(i%w, i/w, color.NRGBA{R: rgb[0], G: rgb[1], B: rgb[2], A: 255})
	}
	return img
}

func toGray(pix []float32, h, w, c, ch int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range h * w {
		img.SetGray(i%w, i/w, color.Gray{Y: uint8(math.Round(float64(pix[i*c+ch]) * 255))})
	}
	return img
}

func maskGray(m []uint8, h, w int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i, v := range m {
		if v != 0 {
			img.SetGray(i%w, i/w, color.Gray{Y: 255})
		}
	}
	return img
}

// directSeparableness is an independent plain-Go ProtoSeg of the input scored
// by Dice: see directSAM.
func directSeparableness(x []float64, mask []float64, c int) float64 {
	var inter, sum float64
	for i, s := range directSAM(x, mask, c) {
		inter += float64(s) * mask[i]
		sum += float64(s) + mask[i]
	}
	return 2 * inter / sum
}

// directSAM is an independent plain-Go ProtoSeg of the input x [P·c] with
// prototypes from mask [P]: squared distances to the two prototypes, no linear
// form, no graph; 1 where d_t < d_b.
func directSAM(x []float64, mask []float64, c int) []uint8 {
	n := len(mask)
	ct, cb := make([]float64, c), make([]float64, c)
	var nt, nb float64
	for i := range n {
		for k := range c {
			ct[k] += mask[i] * x[i*c+k]
			cb[k] += (1 - mask[i]) * x[i*c+k]
		}
		nt += mask[i]
		nb += 1 - mask[i]
	}
	for k := range c {
		ct[k] /= nt
		cb[k] /= nb
	}
	sam := make([]uint8, n)
	for i := range n {
		var dt, db float64
		for k := range c {
			dt += (x[i*c+k] - ct[k]) * (x[i*c+k] - ct[k])
			db += (x[i*c+k] - cb[k]) * (x[i*c+k] - cb[k])
		}
		if dt < db {
			sam[i] = 1
		}
	}
	return sam
}

func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

func TestSAOnExamples(t *testing.T) {
	cases := []struct {
		images []string
		mask   string
	}{
		{[]string{"isic-synth.png"}, "isic-synth_mask.png"},
		{[]string{"brats-synth_flair.png", "brats-synth_t1.png", "brats-synth_t1ce.png", "brats-synth_t2.png"}, "brats-synth_seg.png"},
	}
	for _, tc := range cases {
		args := []string{"sa", "--mask", filepath.Join(examplesDir, tc.mask)}
		var imgs []*data.Image
		for _, im := range tc.images {
			args = append(args, filepath.Join(examplesDir, im))
			img, err := data.ReadImage(filepath.Join(examplesDir, im))
			if err != nil {
				t.Fatal(err)
			}
			imgs = append(imgs, img)
		}
		out, errOut, code := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		var rep saReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		stacked := imgs[0]
		for _, im := range imgs[1:] {
			stacked = data.StackChannels(stacked, im)
		}
		maskImg, _ := data.ReadImage(filepath.Join(examplesDir, tc.mask))
		mask := make([]float64, maskImg.Height*maskImg.Width)
		fg := 0.0
		for i := range mask {
			if maskImg.Pix[i*maskImg.Channels] > 0 {
				mask[i], fg = 1, fg+1
			}
		}
		want := directSeparableness(data.MinMaxChannels(stacked), mask, stacked.Channels)
		if math.Abs(rep.SA-want) > 1e-9 || rep.Channels != stacked.Channels || rep.Height != 128 ||
			math.Abs(rep.ForegroundFraction-fg/float64(len(mask))) > 1e-12 {
			t.Fatalf("%v: report %+v, want SA %v with %d channels", tc.images, rep, want, stacked.Channels)
		}
		if rep.SA <= 0 || rep.SAMForegroundFraction <= 0 {
			t.Errorf("%v: S_x = %v with SAM fraction %v, want a partly separable stand-in", tc.images, rep.SA, rep.SAMForegroundFraction)
		}
	}
}

func TestSAErrors(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.png")
	writePNG(t, small, image.NewGray(image.Rect(0, 0, 4, 4)))
	empty := filepath.Join(dir, "empty.png")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(examplesDir, "isic-synth.png")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sa", "--mask", small, img}, "small.png"},
		{[]string{"sa", "--mask", empty, img}, "empty.png"},
		{[]string{"sa", "--mask", filepath.Join(dir, "missing.png"), img}, "missing.png"},
		{[]string{"sa", img}, "--mask"},
	} {
		_, errOut, code := runCLI(t, tc.args...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 naming %q", tc.args, code, errOut, tc.want)
		}
	}
	// An empty mask follows the convention and says so.
	blank := filepath.Join(dir, "blank.png")
	writePNG(t, blank, image.NewGray(image.Rect(0, 0, 128, 128)))
	out, errOut, code := runCLI(t, "sa", img, "--mask", blank, "--sam", filepath.Join(dir, "sam.png"))
	if code != 0 {
		t.Fatalf("empty mask: exit %d: %s", code, errOut)
	}
	var rep saReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.SA != 1 || rep.SAMForegroundFraction != 0 || !strings.Contains(rep.Note, "empty mask") {
		t.Fatalf("empty mask: %+v", rep)
	}
	if _, err := data.ReadImage(filepath.Join(dir, "sam.png")); err != nil {
		t.Fatalf("--sam output: %v", err)
	}
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(fmt.Errorf("writing %s: %w", path, err))
	}
}
