package data

import (
	"errors"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestReadPlane reads the middle and a chosen slice of a 4D NIfTI volume (its two
// frames become channels) and a PNG.
func TestReadPlane(t *testing.T) {
	dir := t.TempDir()
	// dims [i=3, j=2, k=3, t=2]: value = 1000·t + 100·k + 10·j + i.
	vals := make([]float64, 3*2*3*2)
	for n := range vals {
		i, j, k, tt := n%3, n/3%2, n/6%3, n/18
		vals[n] = float64(1000*tt + 100*k + 10*j + i)
	}
	vol := filepath.Join(dir, "v.nii.gz")
	writeNIfTI(t, vol, niftiSpec{dims: []int{3, 2, 3, 2}, datatype: 4}, vals)
	for _, c := range []struct{ k, wantK int }{{-1, 1}, {2, 2}} {
		im, k, err := ReadPlane(vol, c.k)
		if err != nil {
			t.Fatal(err)
		}
		var want []float32
		for j := range 2 {
			for i := range 3 {
				for tt := range 2 {
					want = append(want, float32(1000*tt+100*c.wantK+10*j+i))
				}
			}
		}
		if k != c.wantK || im.Height != 2 || im.Width != 3 || im.Channels != 2 || !slices.Equal(im.Pix, want) {
			t.Errorf("ReadPlane(k=%d): slice %d, %d×%d×%d %v, want slice %d, 2×3×2 %v", c.k, k, im.Height, im.Width, im.Channels, im.Pix, c.wantK, want)
		}
	}
	if _, _, err := ReadPlane(vol, 3); err == nil || !strings.Contains(err.Error(), vol) || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("slice 3 of 3: error %v, want one naming %s", err, vol)
	}
	gray := image.NewGray(image.Rect(0, 0, 2, 1))
	gray.SetGray(1, 0, color.Gray{Y: 7})
	png := filepath.Join(dir, "g.png")
	if err := os.WriteFile(png, encodePNG(t, gray), 0o644); err != nil {
		t.Fatal(err)
	}
	im, k, err := ReadPlane(png, 5)
	if err != nil || k != -1 || !slices.Equal(im.Pix, []float32{0, 7}) {
		t.Errorf("PNG: %v, slice %d, error %v; want [0 7], slice -1", im, k, err)
	}
}

func TestStackChannels(t *testing.T) {
	a := &Image{Height: 1, Width: 2, Channels: 1, Pix: []float32{1, 2}}
	b := &Image{Height: 1, Width: 2, Channels: 2, Pix: []float32{10, 11, 20, 21}}
	got := StackChannels(StackChannels(&Image{Height: 1, Width: 2}, a), b)
	if got.Channels != 3 || !slices.Equal(got.Pix, []float32{1, 10, 11, 2, 20, 21}) {
		t.Errorf("StackChannels: %d channels %v, want 3 channels [1 10 11 2 20 21]", got.Channels, got.Pix)
	}
}

// TestReadStacked stacks two NIfTI files, and checks the NaN policy and the
// size and emptiness checks.
func TestReadStacked(t *testing.T) {
	dir := t.TempDir()
	spec := niftiSpec{dims: []int{2, 2, 3}, datatype: 16}
	a, b, nan, wide := filepath.Join(dir, "a.nii"), filepath.Join(dir, "b.nii"), filepath.Join(dir, "nan.nii"), filepath.Join(dir, "wide.nii")
	writeNIfTI(t, a, spec, ramp(12, func(i int) float64 { return float64(i) }))
	writeNIfTI(t, b, spec, ramp(12, func(i int) float64 { return float64(-i) }))
	writeNIfTI(t, nan, spec, ramp(12, func(i int) float64 { return [2]float64{math.NaN(), math.Inf(-1)}[i%2] + float64(i) }))
	writeNIfTI(t, wide, niftiSpec{dims: []int{3, 2, 3}, datatype: 16}, make([]float64, 18))
	im, k, err := ReadStacked([]string{a, b}, -1, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{4, -4, 5, -5, 6, -6, 7, -7}; k != 1 || im.Channels != 2 || !slices.Equal(im.Pix, want) {
		t.Errorf("slice %d, %d channels %v, want slice 1, 2 channels %v", k, im.Channels, im.Pix, want)
	}
	_, _, err = ReadStacked([]string{a, nan}, 0, false)
	var nf *NonFiniteError
	if !errors.As(err, &nf) || nf.File != nan || nf.Count != 4 || err.Error() != nan+": 4 NaN or Inf values in the 2×2×1 image read" {
		t.Errorf("NaN image: error %v, want a NonFiniteError naming %s and 4 values", err, nan)
	}
	im, _, err = ReadStacked([]string{nan}, 2, true)
	if err != nil || !slices.Equal(im.Pix, []float32{0, 0, 0, 0}) {
		t.Errorf("NaN set to 0: %v, error %v; want [0 0 0 0]", im, err)
	}
	if _, _, err := ReadStacked([]string{a, wide}, 0, false); err == nil || err.Error() != wide+": image is 2×3 but "+a+" is 2×2" {
		t.Errorf("sizes differ: error %v", err)
	}
}

func TestMinMaxChannels(t *testing.T) {
	// Channel 0 spans 2..6, channel 1 is constant.
	im := &Image{Height: 1, Width: 3, Channels: 2, Pix: []float32{2, 9, 6, 9, 3, 9}}
	if got, want := MinMaxChannels(im), []float64{0, 0, 1, 0, 0.25, 0}; !slices.Equal(got, want) {
		t.Errorf("MinMaxChannels: %v, want %v", got, want)
	}
}
