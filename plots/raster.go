package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/protoseg-go/protoseg-go/plots/raster"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
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

// ---- image grid layout ------------------------------------------------------

type gridCell struct {
	img     image.Image
	caption string
}

type gridRow struct {
	group string // dataset; consecutive equal groups share one label
	label string // e.g. "offline"
	cells []gridCell
	// colTitles, if set on the first row of a group, are drawn above
	// that group's row (consecutive equal titles span).
	colTitles []string
	// err is the first error drawing a cell (see addCell).
	err error
}

type colorBar struct {
	label    string
	min, max float64
}

type gridSpec struct {
	name, title string
	rows        []gridRow
	cell        vg.Length // cell side
	legend      []legendEntry
	bar         *colorBar
}

func (g gridSpec) figure() (*Figure, error) {
	for i, r := range g.rows {
		if r.err != nil {
			return nil, fmt.Errorf("plots: %s: row %d: %w", g.name, i, r.err)
		}
	}
	margin := vg.Points(6)
	gap := vg.Points(2)
	titleSty := textStyle(sizeTitle, true)
	labSty := textStyle(sizeLabel, true)
	rowSty := textStyle(sizeLabel, false)
	colSty := textStyle(sizeTick, false)
	capSty := textStyle(sizeCaption, false)
	titleH := titleSty.Height(g.title) + vg.Points(6)

	ncols := 0
	hasGroup, hasLabel := false, false
	for _, r := range g.rows {
		ncols = max(ncols, len(r.cells))
		hasGroup = hasGroup || r.group != ""
		hasLabel = hasLabel || r.label != ""
	}
	lineH := func(s string, sty vg.Length) vg.Length { return sty }
	_ = lineH
	capH := capSty.Height("Ag") + vg.Points(1)
	for _, r := range g.rows {
		for _, c := range r.cells {
			if c.caption != "" {
				capH = max(capH, capSty.Height(c.caption)+vg.Points(1))
			}
		}
	}
	colH := colSty.Height("Ag") + vg.Points(2)
	groupW := vg.Length(0)
	if hasGroup {
		groupW = labSty.Height("Ag") + vg.Points(4)
	}
	labelW := vg.Length(0)
	for _, r := range g.rows {
		if r.label != "" {
			labelW = max(labelW, rowSty.Height(r.label)+vg.Points(4))
		}
	}
	_ = hasLabel
	barW := vg.Length(0)
	if g.bar != nil {
		barW = vg.Points(10) + vg.Points(8) + colSty.Width("0.00") + vg.Points(4) + colSty.Height("Ag") + vg.Points(6)
	}
	gridW := vg.Length(ncols)*(g.cell+gap) - gap
	width := 2*margin + groupW + labelW + gridW + barW
	shift := vg.Length(0) // centres the grid under a wider title
	if tw := titleSty.Width(g.title) + 2*margin; tw > width {
		shift = (tw - width) / 2
		width = tw
	}
	_, legH := legendLayout(g.legend, width-2*margin)
	if len(g.legend) > 0 {
		legH += vg.Points(3)
	}
	// per-row heights
	type rowGeom struct{ top, titleH, capH vg.Length }
	geoms := make([]rowGeom, len(g.rows))
	y := margin + titleH + legH
	for i, r := range g.rows {
		if len(r.colTitles) > 0 {
			geoms[i].titleH = colH
		}
		for _, c := range r.cells {
			if c.caption != "" {
				geoms[i].capH = capH
			}
		}
		if i > 0 && r.group != g.rows[i-1].group {
			y += vg.Points(5) // gap between datasets
		}
		geoms[i].top = y
		y += geoms[i].titleH + g.cell + geoms[i].capH + gap
	}
	height := y + margin
	if g.bar != nil {
		height += colSty.Height("0")
	}
	f := &Figure{Name: g.name, Title: g.title, Width: width, Height: height}
	f.draw = func(c draw.Canvas) {
		Y := func(fromTop vg.Length) vg.Length { return c.Max.Y - fromTop }
		x0 := c.Min.X + margin + shift
		ts := titleSty
		ts.XAlign, ts.YAlign = draw.XCenter, draw.YTop
		c.FillText(ts, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: Y(margin)}, g.title)
		if len(g.legend) > 0 {
			lc := c
			lc.Min = vg.Point{X: c.Min.X + margin, Y: Y(margin + titleH + legH)}
			lc.Max = vg.Point{X: c.Max.X - margin, Y: Y(margin + titleH)}
			drawLegend(lc, g.legend)
		}
		gx := x0 + groupW + labelW
		for i, r := range g.rows {
			gm := geoms[i]
			cellTop := gm.top + gm.titleH
			// column titles, merging runs of equal strings
			if len(r.colTitles) > 0 {
				cs := colSty
				cs.XAlign, cs.YAlign = draw.XCenter, draw.YBottom
				for j := 0; j < len(r.colTitles); {
					k := j
					for k+1 < len(r.colTitles) && r.colTitles[k+1] == r.colTitles[j] {
						k++
					}
					xa := gx + vg.Length(j)*(g.cell+gap)
					xb := gx + vg.Length(k)*(g.cell+gap) + g.cell
					cs = fitStyle(cs, r.colTitles[j], xb-xa+gap)
					c.FillText(cs, vg.Point{X: (xa + xb) / 2, Y: Y(cellTop) + vg.Points(1.5)}, r.colTitles[j])
					j = k + 1
				}
			}
			for j, cell := range r.cells {
				xa := gx + vg.Length(j)*(g.cell+gap)
				rect := vg.Rectangle{Min: vg.Point{X: xa, Y: Y(cellTop + g.cell)}, Max: vg.Point{X: xa + g.cell, Y: Y(cellTop)}}
				b := cell.img.Bounds()
				// keep aspect ratio inside the square cell
				iw, ih := float64(b.Dx()), float64(b.Dy())
				if iw > ih {
					h := g.cell * vg.Length(ih/iw)
					rect.Min.Y += (g.cell - h) / 2
					rect.Max.Y = rect.Min.Y + h
				} else if ih > iw {
					w := g.cell * vg.Length(iw/ih)
					rect.Min.X += (g.cell - w) / 2
					rect.Max.X = rect.Min.X + w
				}
				c.DrawImage(rect, cell.img)
				if cell.caption != "" {
					cs := fitStyle(capSty, cell.caption, g.cell+gap)
					cs.XAlign, cs.YAlign = draw.XCenter, draw.YTop
					c.FillText(cs, vg.Point{X: xa + g.cell/2, Y: Y(cellTop+g.cell) - vg.Points(1)}, cell.caption)
				}
			}
			if r.label != "" {
				rs := fitStyle(rowSty, r.label, g.cell)
				rs.Rotation = math.Pi / 2
				rs.XAlign, rs.YAlign = draw.XCenter, draw.YBottom
				c.FillText(rs, vg.Point{X: gx - vg.Points(3), Y: Y(cellTop + g.cell/2)}, r.label)
			}
			// group label spanning consecutive rows of the same group
			if r.group != "" && (i == 0 || g.rows[i-1].group != r.group) {
				k := i
				for k+1 < len(g.rows) && g.rows[k+1].group == r.group {
					k++
				}
				top := gm.top + gm.titleH
				bot := geoms[k].top + geoms[k].titleH + g.cell
				ls := fitStyle(labSty, r.group, bot-top)
				ls.Rotation = math.Pi / 2
				ls.XAlign, ls.YAlign = draw.XCenter, draw.YBottom
				c.FillText(ls, vg.Point{X: x0 + groupW - vg.Points(3), Y: Y((top + bot) / 2)}, r.group)
			}
		}
		if g.bar != nil {
			// vertical colour bar spanning the grid
			top := geoms[0].top + geoms[0].titleH
			last := len(g.rows) - 1
			bot := geoms[last].top + geoms[last].titleH + g.cell
			if bot-top > 2.5*vg.Inch {
				mid := (top + bot) / 2
				top, bot = mid-1.25*vg.Inch, mid+1.25*vg.Inch
			}
			bx := gx + gridW + vg.Points(10)
			grad := image.NewRGBA(image.Rect(0, 0, 1, 256))
			for i := 0; i < 256; i++ {
				grad.SetRGBA(0, 255-i, Viridis(float64(i)/255))
			}
			c.DrawImage(vg.Rectangle{Min: vg.Point{X: bx, Y: Y(bot)}, Max: vg.Point{X: bx + vg.Points(8), Y: Y(top)}}, grad)
			ts := colSty
			ts.XAlign, ts.YAlign = draw.XLeft, draw.YCenter
			ls := draw.LineStyle{Color: color.Black, Width: vg.Points(0.5)}
			for _, t := range []float64{0, 0.25, 0.5, 0.75, 1} {
				yy := Y(bot) + vg.Length(t)*(bot-top)
				c.StrokeLine2(ls, bx+vg.Points(8), yy, bx+vg.Points(10), yy)
				v := g.bar.min + t*(g.bar.max-g.bar.min)
				c.FillText(ts, vg.Point{X: bx + vg.Points(11), Y: yy}, fmt.Sprintf("%.2f", v))
			}
			bs := colSty
			bs.Rotation = -math.Pi / 2
			bs.XAlign, bs.YAlign = draw.XCenter, draw.YBottom
			c.FillText(bs, vg.Point{X: bx + vg.Points(13) + colSty.Width("0.00") + vg.Points(3), Y: Y((top + bot) / 2)}, g.bar.label)
		}
	}
	return f, nil
}

// cellTarget is the pixel size image panels are up-scaled to (twice the
// printed size at DefaultDPI so contours stay crisp in both outputs).
func cellTarget(cell vg.Length) int { return int(2 * float64(cell/vg.Inch) * DefaultDPI) }
