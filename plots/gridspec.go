package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// An image grid: rows of up-scaled panels with column titles, captions, row and
// dataset labels, a legend under the title and an optional colour bar.

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

// Spacing of an image grid, in points.
const (
	gridMargin    = 6   // around the figure
	gridGap       = 2   // between cells
	gridTitlePad  = 6   // under the title
	gridLegendPad = 3   // under the legend
	groupSep      = 5   // between the rows of two datasets
	labelPad      = 4   // width added to a row or group label's height
	labelInset    = 3   // from a row or group label to what it labels
	colTitlePad   = 2   // under a column title
	colTitleLift  = 1.5 // from the cells to a column title's baseline
	captionPad    = 1   // above a caption
)

// Geometry of the colour bar, in points from the grid's right edge.
const (
	barOffset   = 10 // to the bar
	barWidth    = 8
	barTickPad  = 1 // from a tick to its label
	barLabelPad = 3 // from the tick labels to the bar's label
	barRightPad = 6 // after the bar's label
	barMaxSpan  = 2.5 * vg.Inch
)

// gridStyles are the text styles of an image grid.
type gridStyles struct{ title, group, row, col, caption text.Style }

func newGridStyles() gridStyles {
	return gridStyles{title: textStyle(sizeTitle, true), group: textStyle(sizeLabel, true),
		row: textStyle(sizeLabel, false), col: textStyle(sizeTick, false), caption: textStyle(sizeCaption, false)}
}

// rowGeom places one row: its top (from the figure's top), and the heights of
// its column titles and captions (0 when it has none).
type rowGeom struct{ top, titleH, capH vg.Length }

// gridLayout is where everything of an image grid goes.
type gridLayout struct {
	sty            gridStyles
	titleH, legH   vg.Length // title and legend heights
	groupW, labelW vg.Length // widths of the group and row label columns
	gridW          vg.Length // width of the cells
	shift          vg.Length // centres the grid under a wider title
	width, height  vg.Length
	rows           []rowGeom
}

// figure lays the grid out and returns it as a Figure, or the first error
// drawing a cell.
func (g gridSpec) figure() (*Figure, error) {
	for i, r := range g.rows {
		if r.err != nil {
			return nil, fmt.Errorf("plots: %s: row %d: %w", g.name, i, r.err)
		}
	}
	l := g.layout()
	f := &Figure{Name: g.name, Title: g.title, Width: l.width, Height: l.height}
	f.draw = func(c draw.Canvas) { g.draw(c, l) }
	return f, nil
}

// layout measures the grid: its label columns, width, legend and rows.
func (g gridSpec) layout() gridLayout {
	l := gridLayout{sty: newGridStyles()}
	margin, gap := vg.Points(gridMargin), vg.Points(gridGap)
	l.titleH = l.sty.title.Height(g.title) + vg.Points(gridTitlePad)
	ncols := 0
	for _, r := range g.rows {
		ncols = max(ncols, len(r.cells))
	}
	l.groupW, l.labelW = g.labelWidths(l.sty)
	barW := vg.Length(0)
	if g.bar != nil {
		barW = vg.Points(barOffset) + vg.Points(barWidth) + l.sty.col.Width("0.00") + vg.Points(barTickPad+barLabelPad) + l.sty.col.Height("Ag") + vg.Points(barRightPad)
	}
	l.gridW = vg.Length(ncols)*(g.cell+gap) - gap
	l.width = 2*margin + l.groupW + l.labelW + l.gridW + barW
	if tw := l.sty.title.Width(g.title) + 2*margin; tw > l.width {
		l.shift = (tw - l.width) / 2
		l.width = tw
	}
	_, l.legH = legendLayout(g.legend, l.width-2*margin)
	if len(g.legend) > 0 {
		l.legH += vg.Points(gridLegendPad)
	}
	var y vg.Length
	l.rows, y = g.rowGeoms(l.sty, margin+l.titleH+l.legH)
	l.height = y + margin
	if g.bar != nil {
		l.height += l.sty.col.Height("0")
	}
	return l
}

// labelWidths are the widths of the group label column (0 without groups) and
// of the row label column (0 without row labels).
func (g gridSpec) labelWidths(sty gridStyles) (groupW, labelW vg.Length) {
	for _, r := range g.rows {
		if r.group != "" {
			groupW = sty.group.Height("Ag") + vg.Points(labelPad)
		}
		if r.label != "" {
			labelW = max(labelW, sty.row.Height(r.label)+vg.Points(labelPad))
		}
	}
	return groupW, labelW
}

// rowGeoms places the rows from top down and returns them with the bottom of
// the last one.
func (g gridSpec) rowGeoms(sty gridStyles, top vg.Length) ([]rowGeom, vg.Length) {
	capH := sty.caption.Height("Ag") + vg.Points(captionPad)
	for _, r := range g.rows {
		for _, c := range r.cells {
			if c.caption != "" {
				capH = max(capH, sty.caption.Height(c.caption)+vg.Points(captionPad))
			}
		}
	}
	colH := sty.col.Height("Ag") + vg.Points(colTitlePad)
	geoms := make([]rowGeom, len(g.rows))
	y := top
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
			y += vg.Points(groupSep)
		}
		geoms[i].top = y
		y += geoms[i].titleH + g.cell + geoms[i].capH + vg.Points(gridGap)
	}
	return geoms, y
}

// cellTarget is the pixel size image panels are up-scaled to (twice the
// printed size at DefaultDPI so contours stay crisp in both outputs).
func cellTarget(cell vg.Length) int { return int(2 * float64(cell/vg.Inch) * DefaultDPI) }

// fromTop is the canvas y of a distance from the canvas' top.
func fromTop(c draw.Canvas, d vg.Length) vg.Length { return c.Max.Y - d }

// draw draws the title, the legend, the rows and the colour bar.
func (g gridSpec) draw(c draw.Canvas, l gridLayout) {
	margin := vg.Points(gridMargin)
	x0 := c.Min.X + margin + l.shift
	ts := l.sty.title
	ts.XAlign, ts.YAlign = draw.XCenter, draw.YTop
	c.FillText(ts, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: fromTop(c, margin)}, g.title)
	if len(g.legend) > 0 {
		lc := c
		lc.Min = vg.Point{X: c.Min.X + margin, Y: fromTop(c, margin+l.titleH+l.legH)}
		lc.Max = vg.Point{X: c.Max.X - margin, Y: fromTop(c, margin+l.titleH)}
		drawLegend(lc, g.legend)
	}
	gx := x0 + l.groupW + l.labelW
	for i, r := range g.rows {
		cellTop := l.rows[i].top + l.rows[i].titleH
		g.drawColTitles(c, l.sty.col, r.colTitles, gx, cellTop)
		g.drawCells(c, l.sty.caption, r.cells, gx, cellTop)
		if r.label != "" {
			rs := fitStyle(l.sty.row, r.label, g.cell)
			rs.Rotation = math.Pi / 2
			rs.XAlign, rs.YAlign = draw.XCenter, draw.YBottom
			c.FillText(rs, vg.Point{X: gx - vg.Points(labelInset), Y: fromTop(c, cellTop+g.cell/2)}, r.label)
		}
		if r.group != "" && (i == 0 || g.rows[i-1].group != r.group) {
			g.drawGroupLabel(c, l, i, x0+l.groupW)
		}
	}
	if g.bar != nil {
		g.drawBar(c, l, gx+l.gridW+vg.Points(barOffset))
	}
}

// drawColTitles draws a row's column titles above its cells, one title across
// each run of equal ones.
func (g gridSpec) drawColTitles(c draw.Canvas, sty text.Style, titles []string, gx, cellTop vg.Length) {
	gap := vg.Points(gridGap)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
	for j := 0; j < len(titles); {
		k := j
		for k+1 < len(titles) && titles[k+1] == titles[j] {
			k++
		}
		xa := gx + vg.Length(j)*(g.cell+gap)
		xb := gx + vg.Length(k)*(g.cell+gap) + g.cell
		sty = fitStyle(sty, titles[j], xb-xa+gap)
		c.FillText(sty, vg.Point{X: (xa + xb) / 2, Y: fromTop(c, cellTop) + vg.Points(colTitleLift)}, titles[j])
		j = k + 1
	}
}

// drawCells draws a row's panels, each centred in its square cell with its
// aspect ratio kept, and their captions.
func (g gridSpec) drawCells(c draw.Canvas, capSty text.Style, cells []gridCell, gx, cellTop vg.Length) {
	for j, cell := range cells {
		xa := gx + vg.Length(j)*(g.cell+vg.Points(gridGap))
		rect := vg.Rectangle{Min: vg.Point{X: xa, Y: fromTop(c, cellTop+g.cell)}, Max: vg.Point{X: xa + g.cell, Y: fromTop(c, cellTop)}}
		b := cell.img.Bounds()
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
			cs := fitStyle(capSty, cell.caption, g.cell+vg.Points(gridGap))
			cs.XAlign, cs.YAlign = draw.XCenter, draw.YTop
			c.FillText(cs, vg.Point{X: xa + g.cell/2, Y: fromTop(c, cellTop+g.cell) - vg.Points(captionPad)}, cell.caption)
		}
	}
}

// drawGroupLabel draws the label of the group that starts at row i beside all
// its consecutive rows, right-aligned at x.
func (g gridSpec) drawGroupLabel(c draw.Canvas, l gridLayout, i int, x vg.Length) {
	k := i
	for k+1 < len(g.rows) && g.rows[k+1].group == g.rows[i].group {
		k++
	}
	top := l.rows[i].top + l.rows[i].titleH
	bot := l.rows[k].top + l.rows[k].titleH + g.cell
	ls := fitStyle(l.sty.group, g.rows[i].group, bot-top)
	ls.Rotation = math.Pi / 2
	ls.XAlign, ls.YAlign = draw.XCenter, draw.YBottom
	c.FillText(ls, vg.Point{X: x - vg.Points(labelInset), Y: fromTop(c, (top+bot)/2)}, g.rows[i].group)
}

// drawBar draws the vertical viridis colour bar at x beside the grid, at most
// barMaxSpan tall, with its ticks and label.
func (g gridSpec) drawBar(c draw.Canvas, l gridLayout, bx vg.Length) {
	top := l.rows[0].top + l.rows[0].titleH
	last := len(g.rows) - 1
	bot := l.rows[last].top + l.rows[last].titleH + g.cell
	if bot-top > barMaxSpan {
		mid := (top + bot) / 2
		top, bot = mid-barMaxSpan/2, mid+barMaxSpan/2
	}
	grad := image.NewRGBA(image.Rect(0, 0, 1, 256))
	for i := 0; i < 256; i++ {
		grad.SetRGBA(0, 255-i, Viridis(float64(i)/255))
	}
	c.DrawImage(vg.Rectangle{Min: vg.Point{X: bx, Y: fromTop(c, bot)}, Max: vg.Point{X: bx + vg.Points(barWidth), Y: fromTop(c, top)}}, grad)
	ts := l.sty.col
	ts.XAlign, ts.YAlign = draw.XLeft, draw.YCenter
	ls := draw.LineStyle{Color: color.Black, Width: vg.Points(0.5)}
	for _, t := range []float64{0, 0.25, 0.5, 0.75, 1} { // fractions of the span
		yy := fromTop(c, bot) + vg.Length(t)*(bot-top)
		c.StrokeLine2(ls, bx+vg.Points(barWidth), yy, bx+vg.Points(barOffset), yy)
		v := g.bar.min + t*(g.bar.max-g.bar.min)
		c.FillText(ts, vg.Point{X: bx + vg.Points(barOffset+barTickPad), Y: yy}, fmt.Sprintf("%.2f", v))
	}
	bs := l.sty.col
	bs.Rotation = -math.Pi / 2
	bs.XAlign, bs.YAlign = draw.XCenter, draw.YBottom
	c.FillText(bs, vg.Point{X: bx + vg.Points(barOffset+barLabelPad) + l.sty.col.Width("0.00") + vg.Points(barLabelPad), Y: fromTop(c, (top+bot)/2)}, g.bar.label)
}
