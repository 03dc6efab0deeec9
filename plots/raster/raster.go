// Package raster draws the pixel panels shared by the figures (package plots)
// and the explorer (package explore): an input image min–max stretched, a
// binary mask, a heat-map through a colour map, and the ring contour of a mask,
// each up-scaled by an integer factor (nearest neighbour) onto an *image.RGBA.
//
// A Tile says where an H×W raster goes on the destination and how much it is
// up-scaled. Values become bytes by one rule, U8: rounded, clamped to 0…255,
// and NaN is 0 (black). Sizes are checked: a slice of the wrong length or a tile
// outside the destination is an error, never a panic.
package raster

import "math"

// Byte range of a colour channel.
const (
	minByte = 0
	maxByte = 255
)

// contourFraction is the ring thickness of ContourWidth as a fraction of the
// up-scaling; minContour is its least thickness in pixels.
const (
	contourFraction = 0.7
	minContour      = 2
)

// U8 converts a value on the 0…255 scale to a byte: rounded to the nearest
// integer and clamped to 0…255. NaN is 0, so an undefined value shows black.
func U8(v float32) uint8 {
	if v <= minByte || v != v { // v != v: NaN
		return minByte
	}
	if v >= maxByte {
		return maxByte
	}
	return uint8(v + 0.5)
}

// Scale returns the integer up-scaling (at least 1) that brings the longer side
// of an h×w raster to at least target pixels.
func Scale(h, w, target int) int {
	m := max(h, w, 1)
	return max(1, (target+m-1)/m)
}

// ContourWidth is the thickness in pixels of a contour ring on a raster
// up-scaled k×: 0.7 k rounded, at least 2.
func ContourWidth(k int) int {
	return max(minContour, int(math.Round(float64(k)*contourFraction)))
}
