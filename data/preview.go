package data

import (
	"image"
	"image/color"
)

// Preview draws samples of d as a grid of cols columns, each cell scale× the
// sample size with a 2-pixel gap: RGB for 3-channel data, the first channel in
// grey otherwise, with the mask's contour (object pixels with a background
// 4-neighbour) in green. A volumetric dataset shows each volume's middle slice
// (Depth/2).
func (d *Dataset) Preview(samples []Sample, cols, scale int) *image.RGBA {
	if d.Volumetric() {
		mid := make([]Sample, 0, len(samples))
		for _, s := range samples {
			if m, err := d.SliceOf(s, d.Depth/2); err == nil {
				mid = append(mid, m)
			} else {
				mid = append(mid, Sample{}) // wrong size: an empty cell, as in 2D
			}
		}
		samples = mid
	}
	cols = max(cols, 1)
	scale = max(scale, 1)
	rows := (len(samples) + cols - 1) / cols
	const gap = 2
	cw, ch := d.Width*scale, d.Height*scale
	out := image.NewRGBA(image.Rect(0, 0, cols*(cw+gap)+gap, max(rows, 1)*(ch+gap)+gap))
	for i := range out.Pix {
		out.Pix[i] = 255 // white gaps
	}
	nc, w, h := d.Channels, d.Width, d.Height
	to8 := func(v float32) uint8 { return uint8(min(max(v, 0), 1)*255 + 0.5) }
	for n, s := range samples {
		if len(s.Image) != h*w*nc || len(s.Mask) != h*w {
			continue
		}
		ox, oy := gap+(n%cols)*(cw+gap), gap+(n/cols)*(ch+gap)
		for y := range h {
			for x := range w {
				i := y*w + x
				var c color.RGBA
				if nc == 3 {
					c = color.RGBA{to8(s.Image[i*3]), to8(s.Image[i*3+1]), to8(s.Image[i*3+2]), 255}
				} else {
					g := to8(s.Image[i*nc])
					c = color.RGBA{g, g, g, 255}
				}
				if s.Mask[i] != 0 && ((x > 0 && s.Mask[i-1] == 0) || (x < w-1 && s.Mask[i+1] == 0) ||
					(y > 0 && s.Mask[i-w] == 0) || (y < h-1 && s.Mask[i+w] == 0)) {
					c = color.RGBA{0, 255, 0, 255}
				}
				for dy := range scale {
					for dx := range scale {
						out.SetRGBA(ox+x*scale+dx, oy+y*scale+dy, c)
					}
				}
			}
		}
	}
	return out
}
