package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/protoseg-go/protoseg-go/plots/raster"
)

// Image is one input image, channels last: Pix[(y*W+x)*C+c], values
// normalised to [0,1] (as the data package produces them). C == 3 is
// shown as RGB; any other channel count shows channel 0 (e.g. FLAIR for
// BraTS, T2 for prostate) in grey. Each panel is min–max stretched for
// display.
type Image struct {
	Pix     []float32
	H, W, C int
}

func (im Image) check(what string) error {
	if im.H <= 0 || im.W <= 0 || im.C <= 0 {
		return fmt.Errorf("plots: %s: image size %dx%dx%d", what, im.H, im.W, im.C)
	}
	if len(im.Pix) != im.H*im.W*im.C {
		return fmt.Errorf("plots: %s: image has %d values, want H*W*C = %d", what, len(im.Pix), im.H*im.W*im.C)
	}
	for _, v := range im.Pix {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("plots: %s: image has NaN or Inf", what)
		}
	}
	return nil
}

// checkMask accepts nil only when optional.
func checkMask(m []uint8, h, w int, what string, optional bool) error {
	if m == nil && optional {
		return nil
	}
	if len(m) != h*w {
		return fmt.Errorf("plots: %s: mask has %d pixels, want %d (%dx%d)", what, len(m), h*w, h, w)
	}
	return nil
}

func checkHeat(hm []float32, h, w int, what string) error {
	if len(hm) != h*w {
		return fmt.Errorf("plots: %s: heat-map has %d pixels, want %d (%dx%d)", what, len(hm), h*w, h, w)
	}
	for _, v := range hm {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("plots: %s: heat-map has NaN or Inf", what)
		}
	}
	return nil
}

// overlay draws the GT contour (green, outside) and the segmentation
// contour (red, inside) on an up-scaled panel; nil masks are skipped.
func overlay(dst *image.RGBA, t raster.Tile, gt, seg []uint8) error {
	w := raster.ContourWidth(t.K)
	if gt != nil {
		if err := t.DrawContour(dst, gt, w, ContourGT, true); err != nil {
			return fmt.Errorf("ground truth: %w", err)
		}
	}
	if seg != nil {
		if err := t.DrawContour(dst, seg, w, ContourSeg, false); err != nil {
			return fmt.Errorf("segmentation: %w", err)
		}
	}
	return nil
}

// viridis anchor colours at 0, 0.1, …, 1 (matplotlib's viridis);
// linear interpolation between them.
var viridisStops = [11]color.RGBA{
	{0x44, 0x01, 0x54, 255}, {0x48, 0x24, 0x75, 255}, {0x41, 0x44, 0x87, 255},
	{0x35, 0x5f, 0x8d, 255}, {0x2a, 0x78, 0x8e, 255}, {0x21, 0x91, 0x8c, 255},
	{0x22, 0xa8, 0x84, 255}, {0x44, 0xbf, 0x70, 255}, {0x7a, 0xd1, 0x51, 255},
	{0xbd, 0xdf, 0x26, 255}, {0xfd, 0xe7, 0x25, 255},
}

// Viridis maps v in [0,1] (clamped) to the perceptually uniform,
// colour-blind-safe viridis colormap.
func Viridis(v float64) color.RGBA {
	if math.IsNaN(v) || v <= 0 {
		return viridisStops[0]
	}
	if v >= 1 {
		return viridisStops[10]
	}
	f := v * 10
	i := int(f)
	t := f - float64(i)
	a, b := viridisStops[i], viridisStops[i+1]
	mix := func(p, q uint8) uint8 { return uint8(float64(p)*(1-t) + float64(q)*t + 0.5) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 255}
}
