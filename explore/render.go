package explore

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"

	"github.com/protoseg-go/protoseg-go/plots"
)

// PanelSide is the displayed side of each panel in pixels (images are up-scaled by
// an integer factor to at least this).
const PanelSide = 256

// gap between the two panels of a view, in pixels.
const gap = 8

var encoder = png.Encoder{CompressionLevel: png.BestSpeed}

// renderPNG draws the input (channels last, min–max stretched; RGB when it has 3
// channels, channel 0 in grey otherwise) with the GT contour outside the object
// (green) and the SAM contour inside its object (red), and beside it the p_t
// heat-map (viridis) with the GT contour.
func renderPNG(pix []float32, channels, h, w int, gt, sam []uint8, heat []float32) ([]byte, error) {
	if len(pix) != h*w*channels || len(gt) != h*w || len(sam) != h*w || len(heat) != h*w {
		return nil, fmt.Errorf("explore: render: sizes differ (image %d, gt %d, sam %d, heat %d for %d×%d×%d)",
			len(pix), len(gt), len(sam), len(heat), h, w, channels)
	}
	k := max(1, (PanelSide+max(h, w)-1)/max(h, w))
	W, H := w*k, h*k
	out := image.NewRGBA(image.Rect(0, 0, 2*W+gap, H))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	drawInput(out, pix, channels, h, w, k)
	t := max(2, int(math.Round(float64(k)*0.7)))
	drawContour(out, 0, gt, h, w, k, t, plots.ContourGT, true)
	drawContour(out, 0, sam, h, w, k, t, plots.ContourSeg, false)
	x0 := W + gap
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fill(out, x0+x*k, y*k, k, plots.Viridis(float64(heat[y*w+x])))
		}
	}
	drawContour(out, x0, gt, h, w, k, max(1, t/2), plots.ContourGT, true)
	var buf bytes.Buffer
	if err := encoder.Encode(&buf, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func drawInput(out *image.RGBA, pix []float32, channels, h, w, k int) {
	nch := 1
	if channels == 3 {
		nch = 3
	}
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for i := 0; i < h*w; i++ {
		for c := 0; c < nch; c++ {
			v := pix[i*channels+c]
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	scale := float32(0)
	if hi > lo {
		scale = 255 / (hi - lo)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := (y*w + x) * channels
			var col color.RGBA
			if nch == 3 {
				col = color.RGBA{u8((pix[i] - lo) * scale), u8((pix[i+1] - lo) * scale), u8((pix[i+2] - lo) * scale), 255}
			} else {
				g := u8((pix[i] - lo) * scale)
				col = color.RGBA{g, g, g, 255}
			}
			fill(out, x*k, y*k, k, col)
		}
	}
}

func u8(v float32) uint8 {
	if v <= 0 || v != v {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}

// fill paints a k×k block whose top-left corner is (x, y).
func fill(out *image.RGBA, x, y, k int, col color.RGBA) {
	for yy := y; yy < y+k; yy++ {
		o := out.PixOffset(x, yy)
		for xx := 0; xx < k; xx++ {
			p := out.Pix[o+4*xx : o+4*xx+4 : o+4*xx+4]
			p[0], p[1], p[2], p[3] = col.R, col.G, col.B, col.A
		}
	}
}

// drawContour draws the boundary of mask m (h×w, object = non-zero), up-scaled
// k× with its left edge at x0, as a ring of t pixels: just outside the object
// (outer) or just inside it (a border pixel of an object touching the image edge
// is an edge too). The same convention as the plots package's figures.
func drawContour(dst *image.RGBA, x0 int, m []uint8, h, w, k, t int, col color.RGBA, outer bool) {
	W, H := w*k, h*k
	in := func(x, y int) bool {
		if x < 0 || y < 0 || x >= W || y >= H {
			return false
		}
		return m[(y/k)*w+x/k] != 0
	}
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			if in(x, y) == outer {
				continue
			}
			edge := false
			for d := 1; d <= t && !edge; d++ {
				for _, o := range [4][2]int{{d, 0}, {-d, 0}, {0, d}, {0, -d}} {
					if in(x+o[0], y+o[1]) == outer {
						edge = true
						break
					}
				}
			}
			if edge {
				dst.SetRGBA(x0+x, y, col)
			}
		}
	}
}
