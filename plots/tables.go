package plots

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// MeanSD is a mean with its standard deviation.
type MeanSD struct{ Mean, SD float64 }

// String prints "mean ± SD" (4 and 2 decimals), or "—" for an undefined mean.
func (m MeanSD) String() string {
	if math.IsNaN(m.Mean) {
		return "—"
	}
	return fmt.Sprintf("%.4f ± %.2f", m.Mean, m.SD)
}

// Table is a rendered table: Markdown for tables.md and the README,
// HTML for index.html and GoNB.
type Table struct {
	Name   string // e.g. "table1"
	Title  string
	Header []string
	Rows   [][]string
	Notes  []string
}

// Markdown renders the table with its title (bold) and notes.
func (t *Table) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n", t.Title)
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + esc(c) + " |")
		}
		b.WriteString("\n")
	}
	row(t.Header)
	b.WriteString("|")
	for i := range t.Header {
		if i == 0 {
			b.WriteString("---|")
		} else {
			b.WriteString("---:|")
		}
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		row(r)
	}
	for _, n := range t.Notes {
		b.WriteString("\n" + n + "\n")
	}
	return b.String()
}

// String is Markdown.
func (t *Table) String() string { return t.Markdown() }

// HTML renders the table as a self-contained <table> with a caption;
// columns holding the paper's values have class "paper" and a grey
// background so they cannot be mistaken for ours.
func (t *Table) HTML() string {
	var b strings.Builder
	b.WriteString(`<table class="protoseg-table" style="border-collapse:collapse;font-family:sans-serif;font-size:90%">` + "\n")
	fmt.Fprintf(&b, "<caption style=\"font-weight:bold;text-align:left;padding:4px\">%s</caption>\n<thead><tr>", html.EscapeString(t.Title))
	paper := make([]bool, len(t.Header))
	for i, h := range t.Header {
		paper[i] = strings.Contains(h, "paper")
		style := "border-bottom:2px solid #444;padding:3px 8px"
		cls := ""
		if paper[i] {
			style += ";background:#eee;font-style:italic"
			cls = ` class="paper"`
		}
		fmt.Fprintf(&b, `<th%s style="%s">%s</th>`, cls, style, html.EscapeString(h))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, r := range t.Rows {
		b.WriteString("<tr>")
		for i, c := range r {
			style := "padding:3px 8px;border-bottom:1px solid #ccc"
			if i > 0 {
				style += ";text-align:right"
			}
			cls := ""
			if i < len(paper) && paper[i] {
				style += ";background:#eee;font-style:italic"
				cls = ` class="paper"`
			}
			cell := html.EscapeString(c)
			if len(c) > 4 && strings.HasPrefix(c, "**") && strings.HasSuffix(c, "**") {
				cell = "<b>" + html.EscapeString(c[2:len(c)-2]) + "</b>" // Markdown bold (Table 4's best values)
			}
			fmt.Fprintf(&b, `<td%s style="%s">%s</td>`, cls, style, cell)
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n")
	for _, n := range t.Notes {
		fmt.Fprintf(&b, "<p style=\"font-size:85%%;margin:2px 0\">%s</p>\n", html.EscapeString(n))
	}
	return b.String()
}

// ---- the paper's values (docs/design.md §8) -------------------------------------------

// These are the numbers printed in the paper (Tables 1–3, MedIA 2023).
// They are used only for the clearly labelled "paper" columns beside
// ours; never as results.

// PaperTable1 maps dataset → offline B, offline S_18, online B, online
// S_18 (mean ± SD of Dice / SA over the test set).
var PaperTable1 = map[string][4]MeanSD{
	"BraTS":    {{0.8471, 0.23}, {0.7944, 0.25}, {0.8428, 0.24}, {0.8514, 0.23}},
	"ISIC":     {{0.8330, 0.18}, {0.8260, 0.17}, {0.8353, 0.17}, {0.8445, 0.16}},
	"COVID":    {{0.4862, 0.22}, {0.5123, 0.21}, {0.4840, 0.22}, {0.5597, 0.17}},
	"Prostate": {{0.7232, 0.28}, {0.6365, 0.34}, {0.7557, 0.20}, {0.7585, 0.21}},
	"Pancreas": {{0.6475, 0.25}, {0.3439, 0.22}, {0.6441, 0.23}, {0.6635, 0.22}},
}

// PaperTable2Coverage are the coverages (%) of PaperTable2's columns.
// The paper's table header says 70 % for the third column, its caption
// 75 %; we show that column beside both our 70 % and 75 %.
var PaperTable2Coverage = [4]float64{100, 90, 70, 50}

// PaperTable2 maps dataset → mean ± SD Dice of the online model at the
// coverages of PaperTable2Coverage (rejecting the lowest-μ images).
var PaperTable2 = map[string][4]MeanSD{
	"BraTS":    {{0.8428, 0.24}, {0.9102, 0.11}, {0.9344, 0.06}, {0.9446, 0.04}},
	"ISIC":     {{0.8353, 0.17}, {0.8457, 0.16}, {0.8421, 0.16}, {0.8551, 0.15}},
	"COVID":    {{0.4880, 0.22}, {0.5400, 0.17}, {0.5778, 0.15}, {0.6229, 0.13}},
	"Prostate": {{0.7557, 0.20}, {0.7959, 0.16}, {0.8344, 0.14}, {0.8660, 0.08}},
	"Pancreas": {{0.6441, 0.23}, {0.6850, 0.19}, {0.7255, 0.16}, {0.7529, 0.15}},
}

// PaperTable3 maps dataset → mean SA(S_x,G), mean Dice(B,G), m(d).
var PaperTable3 = map[string][3]float64{
	"BraTS":    {0.657, 0.842, 0.185},
	"ISIC":     {0.667, 0.835, 0.168},
	"COVID":    {0.411, 0.484, 0.072},
	"Prostate": {0.230, 0.757, 0.525},
	"Pancreas": {0.030, 0.644, 0.613},
}

var paperNames = []string{"BraTS", "ISIC", "COVID", "Prostate", "Pancreas"}

// PaperDataset returns the paper's dataset name that ds refers to
// (case-insensitive prefix or substring, e.g. "brats", "isic-standin",
// "Pancreas (stand-in)"), or "" when none does.
func PaperDataset(ds string) string {
	l := strings.ToLower(ds)
	for _, n := range paperNames {
		if strings.Contains(l, strings.ToLower(n)) {
			return n
		}
	}
	return ""
}

const paperNote = "Columns marked \"paper\" are the values printed in the paper (ProtoSeg, Medical Image Analysis 2023) on the real datasets; they are shown for comparison only and were not computed here."

func oursLabel(s string) string {
	if s == "" {
		return "ours"
	}
	return s
}

func f3(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.3f", v)
}

// ---- Table 1 --------------------------------------------------------------

// Table1Row is one dataset's mean ± SD over the test images of the
// output's Dice(B,G) and the layer-18 SA(S_18,G), offline and online.
type Table1Row struct {
	Dataset                                  string
	OfflineB, OfflineS18, OnlineB, OnlineS18 MeanSD
}

// Table1 renders our Table 1 with the paper's values beside each
// column. ours labels our columns (e.g. "ours (stand-in)"; "" = "ours").
func Table1(rows []Table1Row, ours string) (*Table, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: Table1: no rows", ErrEmpty)
	}
	o := oursLabel(ours)
	t := &Table{Name: "table1", Title: "Table 1 — Dice(B, G) of the output and SA(S₁₈, G) of layer 18, mean ± SD over test images"}
	t.Header = []string{"dataset"}
	for _, c := range []string{"offline B", "offline S₁₈", "online B", "online S₁₈"} {
		t.Header = append(t.Header, c+" — "+o, c+" — paper")
	}
	for _, r := range rows {
		if r.Dataset == "" {
			return nil, fmt.Errorf("plots: Table1: row without dataset name")
		}
		p, ok := PaperTable1[PaperDataset(r.Dataset)]
		cells := []string{r.Dataset}
		for i, v := range []MeanSD{r.OfflineB, r.OfflineS18, r.OnlineB, r.OnlineS18} {
			pv := "—"
			if ok {
				pv = p[i].String()
			}
			cells = append(cells, v.String(), pv)
		}
		t.Rows = append(t.Rows, cells)
	}
	t.Notes = []string{paperNote}
	return t, nil
}

// ---- Table 2 --------------------------------------------------------------

// CoverageRow is one dataset's mean ± SD Dice(B,G) of the test images
// kept at each coverage (percent, e.g. 100, 90, 75, 70, 50) after
// rejecting those with the lowest μ.
type CoverageRow struct {
	Dataset  string
	Coverage []float64
	Dice     []MeanSD
}

// Table2 renders the coverage table with the paper's values beside ours
// (the paper's third column, labelled 70 % in its table and 75 % in its
// caption, is shown beside both 70 % and 75 %, marked †). All rows
// must list the same coverages.
func Table2(rows []CoverageRow, ours string) (*Table, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: Table2: no rows", ErrEmpty)
	}
	cov := rows[0].Coverage
	if len(cov) == 0 {
		return nil, fmt.Errorf("%w: Table2 %q: no coverages", ErrEmpty, rows[0].Dataset)
	}
	o := oursLabel(ours)
	t := &Table{Name: "table2", Title: "Table 2 — Mean Dice(B, G) ± SD of the online model at coverage c: the (100 − c) % of test images with the lowest μ rejected"}
	t.Header = []string{"dataset"}
	paperCol := make([]int, len(cov))
	dagger := false
	for i, c := range cov {
		paperCol[i] = -1
		mark := ""
		for j, pc := range PaperTable2Coverage {
			if c == pc {
				paperCol[i] = j
			}
		}
		if c == 75 {
			paperCol[i], mark, dagger = 2, "†", true
		}
		if c == 70 {
			mark, dagger = "†", true
		}
		t.Header = append(t.Header, fmt.Sprintf("%g %% — %s", c, o), fmt.Sprintf("%g %% — paper%s", c, mark))
	}
	for _, r := range rows {
		if len(r.Coverage) != len(cov) || len(r.Dice) != len(cov) {
			return nil, fmt.Errorf("plots: Table2 %q: %d coverages and %d values, want %d", r.Dataset, len(r.Coverage), len(r.Dice), len(cov))
		}
		for i := range cov {
			if r.Coverage[i] != cov[i] {
				return nil, fmt.Errorf("plots: Table2 %q: coverage %g, other rows have %g", r.Dataset, r.Coverage[i], cov[i])
			}
		}
		p, ok := PaperTable2[PaperDataset(r.Dataset)]
		cells := []string{r.Dataset}
		for i, v := range r.Dice {
			pv := "—"
			if ok && paperCol[i] >= 0 {
				pv = p[paperCol[i]].String()
			}
			cells = append(cells, v.String(), pv)
		}
		t.Rows = append(t.Rows, cells)
	}
	t.Notes = []string{paperNote}
	if dagger {
		t.Notes = append(t.Notes, "† The paper's third coverage column is labelled 70 % in its table and 75 % in its caption; its value is shown beside both.")
	}
	return t, nil
}

// ---- Table 3 --------------------------------------------------------------

// SeparablenessRow is one dataset's mean SA(S_x,G) of the input's own
// SAM, mean Dice(B,G) of the output, and m(d), the mean of
// d = Dice(B,G) − SA(S_x,G).
type SeparablenessRow struct {
	Dataset     string
	SASx, DiceB float64
	MD          float64
}

// Table3 renders the separableness table with the paper's values beside
// ours.
func Table3(rows []SeparablenessRow, ours string) (*Table, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: Table3: no rows", ErrEmpty)
	}
	o := oursLabel(ours)
	t := &Table{Name: "table3", Title: "Table 3 — Separableness: mean SA(Sₓ, G) of the input, mean Dice(B, G) of the output, and their mean distance m(d)"}
	t.Header = []string{"dataset"}
	for _, c := range []string{"Sₓ", "B", "m(d)"} {
		t.Header = append(t.Header, c+" — "+o, c+" — paper")
	}
	for _, r := range rows {
		p, ok := PaperTable3[PaperDataset(r.Dataset)]
		cells := []string{r.Dataset}
		for i, v := range []float64{r.SASx, r.DiceB, r.MD} {
			pv := "—"
			if ok {
				pv = f3(p[i])
			}
			cells = append(cells, f3(v), pv)
		}
		t.Rows = append(t.Rows, cells)
	}
	t.Notes = []string{paperNote}
	return t, nil
}
