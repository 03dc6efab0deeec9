package plots

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"

	stdfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// DefaultDPI is the resolution of PNG output: a 7-inch wide figure is
// 1400 pixels wide, sharp when printed at paper size.
const DefaultDPI = 200

// Figure is a rendered-on-demand figure: the same drawing code produces
// the PNG (raster, via vgimg) and the SVG (vector, via vgsvg; image
// panels are embedded as PNG). Width and Height are the physical size
// at which fonts are readable (9–11 pt text).
type Figure struct {
	// Name is the file stem used by the CLI, e.g. "fig05".
	Name string
	// Title is the one-line title drawn on top of the figure.
	Title string
	// Width and Height are the figure size.
	Width, Height vg.Length
	// DPI is the PNG resolution; 0 means DefaultDPI.
	DPI int

	draw func(c draw.Canvas)
}

// WritePNG writes the figure as a PNG image.
func (f *Figure) WritePNG(w io.Writer) error {
	dpi := f.DPI
	if dpi <= 0 {
		dpi = DefaultDPI
	}
	c := vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	f.draw(draw.New(c))
	_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
	return err
}

// WriteSVG writes the figure as an SVG document.
func (f *Figure) WriteSVG(w io.Writer) error {
	c := vgsvg.New(f.Width, f.Height)
	dc := draw.New(c)
	// White background so the SVG reads the same as the PNG on dark pages.
	dc.FillPolygon(color.White, []vg.Point{{X: 0, Y: 0}, {X: f.Width, Y: 0}, {X: f.Width, Y: f.Height}, {X: 0, Y: f.Height}})
	f.draw(dc)
	_, err := c.WriteTo(w)
	return err
}

// PNG returns the PNG bytes, e.g. for GoNB's display.PNG.
func (f *Figure) PNG() ([]byte, error) {
	var b bytes.Buffer
	err := f.WritePNG(&b)
	return b.Bytes(), err
}

// SVG returns the SVG document, e.g. for GoNB's display.SVG.
func (f *Figure) SVG() (string, error) {
	var b bytes.Buffer
	err := f.WriteSVG(&b)
	return b.String(), err
}

// Save writes pathWithoutExt+".png" and pathWithoutExt+".svg",
// creating the parent folder if needed.
func (f *Figure) Save(pathWithoutExt string) error {
	if dir := filepath.Dir(pathWithoutExt); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	write := func(ext string, fn func(io.Writer) error) (err error) {
		file, err := os.Create(pathWithoutExt + ext)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := file.Close(); err == nil {
				err = cerr
			}
		}()
		return fn(file)
	}
	if err := write(".png", f.WritePNG); err != nil {
		return fmt.Errorf("plots: saving %s.png: %w", pathWithoutExt, err)
	}
	if err := write(".svg", f.WriteSVG); err != nil {
		return fmt.Errorf("plots: saving %s.svg: %w", pathWithoutExt, err)
	}
	return nil
}

// ---- fonts, colours, text -------------------------------------------------

var textHandler = text.Plain{Fonts: font.DefaultCache}

// Font sizes (points) chosen to stay readable when the figure is printed
// at its nominal Width.
const (
	sizeTitle   = 11
	sizeLabel   = 9.5
	sizeTick    = 8.5
	sizeCaption = 7.5
)

func sans(size float64, bold bool) font.Font {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(size)}
	if bold {
		f.Weight = stdfont.WeightBold
	}
	return f
}

func textStyle(size float64, bold bool) text.Style {
	return text.Style{Color: color.Black, Font: sans(size, bold), Handler: textHandler}
}

// Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008), without its yellow,
// which is too light for lines on white.
var (
	oiBlack      = color.RGBA{0, 0, 0, 255}
	oiOrange     = color.RGBA{0xE6, 0x9F, 0x00, 255}
	oiSkyBlue    = color.RGBA{0x56, 0xB4, 0xE9, 255}
	oiGreen      = color.RGBA{0x00, 0x9E, 0x73, 255}
	oiBlue       = color.RGBA{0x00, 0x72, 0xB2, 255}
	oiVermillion = color.RGBA{0xD5, 0x5E, 0x00, 255}
	oiPurple     = color.RGBA{0xCC, 0x79, 0xA7, 255}
	grey         = color.RGBA{0x80, 0x80, 0x80, 255}
)

// Contour colours of image panels: the paper's convention (ground truth
// green, segmentation red). To stay distinguishable without colour
// vision, GT is drawn as a ring just outside the object and the
// segmentation as a ring just inside its object.
var (
	ContourGT  = color.RGBA{0, 230, 0, 255}
	ContourSeg = color.RGBA{235, 0, 0, 255}
)

// ErrEmpty is wrapped by the errors for empty inputs.
var ErrEmpty = errors.New("plots: empty input")

// ---- plots ----------------------------------------------------------------

// newPlot returns a gonum plot with Liberation Sans text at paper sizes.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(sizeLabel+0.5, true)
	p.Title.Padding = vg.Points(4)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(sizeLabel, false)
		a.Tick.Label.Font = sans(sizeTick, false)
		a.Label.Padding = vg.Points(2)
		a.Label.Position = draw.PosCenter
	}
	p.Legend.TextStyle.Font = sans(sizeTick, false)
	return p
}

// ---- legends --------------------------------------------------------------

type legendEntry struct {
	label string
	line  *draw.LineStyle
	glyph *draw.GlyphStyle
	fill  color.Color
}

func lineEntry(label string, ls draw.LineStyle, gs *draw.GlyphStyle) legendEntry {
	return legendEntry{label: label, line: &ls, glyph: gs}
}

const legendThumb = vg.Length(18)

// legendLayout flows entries into lines no wider than width; it returns
// the lines and the total height.
func legendLayout(entries []legendEntry, width vg.Length) ([][]legendEntry, vg.Length) {
	sty := textStyle(sizeTick, false)
	lineH := sty.Height("Ag") + vg.Points(3)
	var lines [][]legendEntry
	var cur []legendEntry
	var x vg.Length
	for _, e := range entries {
		w := legendThumb + vg.Points(3) + sty.Width(e.label) + vg.Points(10)
		if len(cur) > 0 && x+w > width {
			lines = append(lines, cur)
			cur, x = nil, 0
		}
		cur = append(cur, e)
		x += w
	}
	if len(cur) > 0 {
		lines = append(lines, cur)
	}
	return lines, vg.Length(len(lines)) * lineH
}

func legendEntryWidth(e legendEntry) vg.Length {
	return legendThumb + vg.Points(3) + textStyle(sizeTick, false).Width(e.label) + vg.Points(10)
}

// drawLegend draws the entries centred in c, flowing onto several lines.
func drawLegend(c draw.Canvas, entries []legendEntry) {
	sty := textStyle(sizeTick, false)
	sty.YAlign = draw.YCenter
	lineH := sty.Height("Ag") + vg.Points(3)
	lines, _ := legendLayout(entries, c.Max.X-c.Min.X)
	y := c.Max.Y - lineH/2
	for _, ln := range lines {
		var total vg.Length
		for _, e := range ln {
			total += legendEntryWidth(e)
		}
		total -= vg.Points(10)
		x := c.Min.X + (c.Max.X-c.Min.X-total)/2
		for _, e := range ln {
			if e.fill != nil {
				h := lineH * 0.6
				box := []vg.Point{{X: x, Y: y - h/2}, {X: x + legendThumb, Y: y - h/2}, {X: x + legendThumb, Y: y + h/2}, {X: x, Y: y + h/2}}
				c.FillPolygon(e.fill, box)
				c.StrokeLines(draw.LineStyle{Color: grey, Width: vg.Points(0.4)}, append(box, box[0]))
			}
			if e.line != nil {
				c.StrokeLine2(*e.line, x, y, x+legendThumb, y)
			}
			if e.glyph != nil {
				c.DrawGlyphNoClip(*e.glyph, vg.Point{X: x + legendThumb/2, Y: y})
			}
			c.FillText(sty, vg.Point{X: x + legendThumb + vg.Points(3), Y: y}, e.label)
			x += legendEntryWidth(e)
		}
		y -= lineH
	}
}

// ---- multi-panel chart figures --------------------------------------------

type chartPanel struct {
	p      *plot.Plot
	legend []legendEntry // drawn under this panel (e.g. Pearson r)
}

// chartFigure lays out up to a few panels: one row for ≤ 3 panels,
// otherwise 3 per row (2 for 4 panels) with the last row centred. A
// shared legend goes under the title.
func chartFigure(name, title string, panels []chartPanel, shared []legendEntry, panelW, panelH vg.Length) *Figure {
	n := len(panels)
	cols := chartColumns(n)
	rows := (n + cols - 1) / cols
	margin := vg.Points(6)
	titleSty := textStyle(sizeTitle, true)
	titleH := titleSty.Height(title) + vg.Points(6)
	width := vg.Length(cols)*panelW + 2*margin
	_, sharedH := legendLayout(shared, width-2*margin)
	if len(shared) > 0 {
		sharedH += vg.Points(4)
	}
	var panelLegH vg.Length
	for _, p := range panels {
		if _, h := legendLayout(p.legend, panelW-vg.Points(8)); h > panelLegH {
			panelLegH = h
		}
	}
	cellH := panelH + panelLegH + vg.Points(8)
	height := titleH + sharedH + vg.Length(rows)*cellH + 2*margin
	f := &Figure{Name: name, Title: title, Width: width, Height: height}
	f.draw = func(c draw.Canvas) {
		top := c.Max.Y - margin
		titleSty.XAlign = draw.XCenter
		titleSty.YAlign = draw.YTop
		c.FillText(titleSty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: top}, title)
		top -= titleH
		if len(shared) > 0 {
			lc := c
			lc.Min = vg.Point{X: c.Min.X + margin, Y: top - sharedH}
			lc.Max = vg.Point{X: c.Max.X - margin, Y: top}
			drawLegend(lc, shared)
			top -= sharedH
		}
		g := chartGrid{cols: cols, rows: rows, panelW: panelW, panelH: panelH, cellH: cellH}
		g.draw(c, panels, c.Min.X+margin, top)
	}
	return f
}

// chartColumns is how many of n panels a row holds: all up to 3, 2 of 4, else 3.
func chartColumns(n int) int {
	switch {
	case n == 4:
		return 2
	case n > 3:
		return 3
	}
	return n
}

// chartGrid is the layout of a chart figure's panels: cols × rows cells of
// panelW × cellH, each a panel panelH tall above its legend.
type chartGrid struct {
	cols, rows            int
	panelW, panelH, cellH vg.Length
}

// draw draws the panels in rows from top down, starting at left, with the last
// row centred.
func (g chartGrid) draw(c draw.Canvas, panels []chartPanel, left, top vg.Length) {
	for i, p := range panels {
		r, col := i/g.cols, i%g.cols
		inRow := g.cols
		if r == g.rows-1 {
			inRow = len(panels) - r*g.cols
		}
		x0 := left + (vg.Length(g.cols-inRow)*g.panelW)/2 + vg.Length(col)*g.panelW
		y1 := top - vg.Length(r)*g.cellH
		pc := c
		pc.Min = vg.Point{X: x0 + vg.Points(2), Y: y1 - g.panelH}
		pc.Max = vg.Point{X: x0 + g.panelW - vg.Points(4), Y: y1}
		p.p.Draw(pc)
		if len(p.legend) > 0 {
			lc := c
			lc.Min = vg.Point{X: x0 + vg.Points(4), Y: y1 - g.cellH + vg.Points(8)}
			lc.Max = vg.Point{X: x0 + g.panelW - vg.Points(4), Y: y1 - g.panelH}
			drawLegend(lc, p.legend)
		}
	}
}

// fitStyle shrinks the font of sty (down to 6 pt) until every line of
// txt fits in maxW.
func fitStyle(sty text.Style, txt string, maxW vg.Length) text.Style {
	for sty.Width(txt) > maxW && sty.Font.Size > vg.Points(6) {
		sty.Font.Size -= vg.Points(0.25)
	}
	return sty
}
