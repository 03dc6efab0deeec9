package data

import (
	"fmt"
	"math"
)

// A NonFiniteError reports NaN or ±Inf values in an image read from a file (float
// NIfTI volumes often carry NaN outside the head).
type NonFiniteError struct {
	// File is the file the image was read from.
	File string
	// Count is the number of NaN and ±Inf values.
	Count int
	// Height, Width and Channels are the image's shape.
	Height, Width, Channels int
}

// Error returns "<file>: <count> NaN or Inf values in the H×W×C image read".
func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("%s: %d NaN or Inf values in the %d×%d×%d image read", e.File, e.Count, e.Height, e.Width, e.Channels)
}

// CheckFinite sets the NaN and ±Inf values of im, read from file, to 0. Unless
// zero is set, finding any is a [*NonFiniteError] naming the file and the count.
func CheckFinite(file string, im *Image, zero bool) error {
	n := 0
	for i, v := range im.Pix {
		if nonFinite(float64(v)) {
			n++
			im.Pix[i] = 0
		}
	}
	if n > 0 && !zero {
		return &NonFiniteError{File: file, Count: n, Height: im.Height, Width: im.Width, Channels: im.Channels}
	}
	return nil
}

// nonFinite reports whether v is NaN or ±Inf.
func nonFinite(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
