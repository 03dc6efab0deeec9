package raster

import (
	"fmt"
	"image"
	"image/color"
)

// DrawContour draws the boundary of mask m (object = non-zero) as a ring of
// width pixels of the up-scaled tile: just outside the object when outer (the
// background pixels within width of it, along a row or a column), otherwise just
// inside it (the object pixels within width of the background; the image edge
// counts as background, so an object touching it is outlined there too). The
// figures draw the ground truth outer and a segmentation inner, so both stay
// visible where they agree.
func (t Tile) DrawContour(dst *image.RGBA, m []uint8, width int, col color.RGBA, outer bool) error {
	if err := t.check(dst, len(m), 1, "contour"); err != nil {
		return err
	}
	if width <= 0 {
		return fmt.Errorf("raster: contour: width %d, want ≥ 1", width)
	}
	W, H := t.W*t.K, t.H*t.K
	in := func(x, y int) bool {
		if x < 0 || y < 0 || x >= W || y >= H {
			return false
		}
		return m[(y/t.K)*t.W+x/t.K] != 0
	}
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			if in(x, y) == outer {
				continue
			}
			if nearSide(in, x, y, width, outer) {
				dst.SetRGBA(t.At.X+x, t.At.Y+y, col)
			}
		}
	}
	return nil
}

// nearSide tells whether a pixel within width of (x, y) along its row or column
// lies on the given side (in the object when object is true).
func nearSide(in func(x, y int) bool, x, y, width int, object bool) bool {
	for d := 1; d <= width; d++ {
		for _, o := range [4]image.Point{{d, 0}, {-d, 0}, {0, d}, {0, -d}} {
			if in(x+o.X, y+o.Y) == object {
				return true
			}
		}
	}
	return false
}
