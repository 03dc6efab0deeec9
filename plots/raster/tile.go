package raster

import (
	"fmt"
	"image"
	"image/color"
	"math"
)

// Tile places an H×W raster (row-major) on a destination image, up-scaled K×
// (each raster pixel a K×K block) with its top-left corner at At.
type Tile struct {
	H, W, K int
	At      image.Point
}

// Bounds is the rectangle the tile covers on the destination.
func (t Tile) Bounds() image.Rectangle {
	return image.Rectangle{Min: t.At, Max: t.At.Add(image.Pt(t.W*t.K, t.H*t.K))}
}

// check reports a tile of no size, one that does not fit in dst, or n values
// that are not per H×W pixels channels each.
func (t Tile) check(dst *image.RGBA, n, channels int, what string) error {
	if t.H <= 0 || t.W <= 0 || t.K <= 0 || channels <= 0 {
		return fmt.Errorf("raster: %s: tile %d×%d up-scaled %d×, %d channels", what, t.H, t.W, t.K, channels)
	}
	if n != t.H*t.W*channels {
		return fmt.Errorf("raster: %s: %d values, want %d (%d×%d×%d)", what, n, t.H*t.W*channels, t.H, t.W, channels)
	}
	if dst == nil || !t.Bounds().In(dst.Bounds()) {
		return fmt.Errorf("raster: %s: tile %v outside the destination", what, t.Bounds())
	}
	return nil
}

// fill paints the block of raster pixel (x, y).
func (t Tile) fill(dst *image.RGBA, x, y int, col color.RGBA) {
	x0, y0 := t.At.X+x*t.K, t.At.Y+y*t.K
	for yy := y0; yy < y0+t.K; yy++ {
		o := dst.PixOffset(x0, yy)
		for xx := 0; xx < t.K; xx++ {
			p := dst.Pix[o+4*xx : o+4*xx+4 : o+4*xx+4]
			p[0], p[1], p[2], p[3] = col.R, col.G, col.B, col.A
		}
	}
}

// DrawImage draws an image of the given channels (channels last:
// pix[(y*W+x)*channels+c]) min–max stretched to 0…255 over the shown channels:
// RGB when it has 3 channels, channel 0 in grey otherwise. A constant image is
// black; bytes follow U8 (a NaN anywhere makes the stretch, so the image, black).
func (t Tile) DrawImage(dst *image.RGBA, pix []float32, channels int) error {
	if err := t.check(dst, len(pix), channels, "image"); err != nil {
		return err
	}
	shown := 1
	if channels == 3 {
		shown = 3
	}
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for i := 0; i < t.H*t.W; i++ {
		for c := 0; c < shown; c++ {
			v := pix[i*channels+c]
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	scale := float32(0)
	if hi > lo {
		scale = maxByte / (hi - lo)
	}
	for y := 0; y < t.H; y++ {
		for x := 0; x < t.W; x++ {
			i := (y*t.W + x) * channels
			var col color.RGBA
			if shown == 3 {
				col = color.RGBA{U8((pix[i] - lo) * scale), U8((pix[i+1] - lo) * scale), U8((pix[i+2] - lo) * scale), maxByte}
			} else {
				g := U8((pix[i] - lo) * scale)
				col = color.RGBA{g, g, g, maxByte}
			}
			t.fill(dst, x, y, col)
		}
	}
	return nil
}

// DrawMask draws a binary mask: object (non-zero) white, background black.
func (t Tile) DrawMask(dst *image.RGBA, m []uint8) error {
	if err := t.check(dst, len(m), 1, "mask"); err != nil {
		return err
	}
	black, white := color.RGBA{0, 0, 0, maxByte}, color.RGBA{maxByte, maxByte, maxByte, maxByte}
	for y := 0; y < t.H; y++ {
		for x := 0; x < t.W; x++ {
			col := black
			if m[y*t.W+x] != 0 {
				col = white
			}
			t.fill(dst, x, y, col)
		}
	}
	return nil
}

// DrawHeat draws a map through a colour map (e.g. plots.Viridis), which gets
// each value as it is.
func (t Tile) DrawHeat(dst *image.RGBA, v []float32, cmap func(float64) color.RGBA) error {
	if err := t.check(dst, len(v), 1, "heat-map"); err != nil {
		return err
	}
	if cmap == nil {
		return fmt.Errorf("raster: heat-map: no colour map")
	}
	for y := 0; y < t.H; y++ {
		for x := 0; x < t.W; x++ {
			t.fill(dst, x, y, cmap(float64(v[y*t.W+x])))
		}
	}
	return nil
}
