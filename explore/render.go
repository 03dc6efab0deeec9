package explore

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/plots/raster"
)

// PanelSide is the displayed side of each panel in pixels (images are up-scaled by
// an integer factor to at least this).
const PanelSide = 256

// gap between the two panels of a view, in pixels.
const gap = 8

// background is the grey level of the gap between the panels (white).
const background = 255

// renderPNG draws the input (channels last, min–max stretched; RGB when it has 3
// channels, channel 0 in grey otherwise) with the GT contour outside the object
// (green) and the SAM contour inside its object (red), and beside it the p_t
// heat-map (viridis) with the GT contour.
func renderPNG(pix []float32, channels, h, w int, gt, sam []uint8, heat []float32) ([]byte, error) {
	if len(pix) != h*w*channels || len(gt) != h*w || len(sam) != h*w || len(heat) != h*w {
		return nil, fmt.Errorf("explore: render: sizes differ (image %d, gt %d, sam %d, heat %d for %d×%d×%d)",
			len(pix), len(gt), len(sam), len(heat), h, w, channels)
	}
	k := raster.Scale(h, w, PanelSide)
	input := raster.Tile{H: h, W: w, K: k}
	right := raster.Tile{H: h, W: w, K: k, At: image.Pt(w*k+gap, 0)}
	out := image.NewRGBA(image.Rect(0, 0, 2*w*k+gap, h*k))
	for i := range out.Pix {
		out.Pix[i] = background
	}
	t := raster.ContourWidth(k)
	for _, draw := range []func() error{
		func() error { return input.DrawImage(out, pix, channels) },
		func() error { return input.DrawContour(out, gt, t, plots.ContourGT, true) },
		func() error { return input.DrawContour(out, sam, t, plots.ContourSeg, false) },
		func() error { return right.DrawHeat(out, heat, plots.Viridis) },
		func() error { return right.DrawContour(out, gt, max(1, t/2), plots.ContourGT, true) },
	} {
		if err := draw(); err != nil {
			return nil, fmt.Errorf("explore: render: %w", err)
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, out); err != nil {
		return nil, fmt.Errorf("explore: render: %w", err)
	}
	return buf.Bytes(), nil
}
