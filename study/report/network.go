package report

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/measure"
)

// NetworkReport is what `protoseg analyze --out DIR` writes for any network: the
// analysis (its JSON as analyze prints it), the maps of the shown cases, and where
// the features came from.
type NetworkReport struct {
	// Source names the input (the case folder or the feature file).
	Source string
	// JSON is results.json, byte for byte what analyze prints.
	JSON   []byte
	Report *measure.FeatureReport
	Maps   *measure.FigureMaps
}

// networkFigure is one rendered figure with its caption.
type networkFigure struct {
	fig     *plots.Figure
	caption string
}

// Write writes index.html, results.json and the figures (figNN.png and .svg)
// into dir. Every figure is rendered in memory first and the files are written
// into a new folder beside dir, which then becomes dir (or whose files replace
// those of the same name in an existing dir), so a failure leaves no half-written
// report.
func (r *NetworkReport) Write(dir string) error {
	figs, err := r.figures()
	if err != nil {
		return err
	}
	files := map[string][]byte{ResultsFile: r.JSON, "index.html": []byte(r.page(figs))}
	for _, f := range figs {
		var png, svg bytes.Buffer
		if err := f.fig.WritePNG(&png); err != nil {
			return fmt.Errorf("study: rendering %s.png: %w", f.fig.Name, err)
		}
		if err := f.fig.WriteSVG(&svg); err != nil {
			return fmt.Errorf("study: rendering %s.svg: %w", f.fig.Name, err)
		}
		files[f.fig.Name+".png"], files[f.fig.Name+".svg"] = png.Bytes(), svg.Bytes()
	}
	return writeFolder(dir, files)
}

// writeFolder writes files into a temporary folder in dir's parent and moves it
// to dir; when dir exists, each file is moved into it (replacing a file of the
// same name, leaving others alone).
func writeFolder(dir string, files map[string][]byte) error {
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("study: report folder %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(filepath.Clean(dir))+".tmp-")
	if err != nil {
		return fmt.Errorf("study: report folder %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(tmp, name), b, 0o644); err != nil {
			return fmt.Errorf("study: writing %s: %w", name, err)
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("study: report folder %s: %w", dir, err)
	}
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		if err := os.Rename(tmp, dir); err != nil {
			return fmt.Errorf("study: report folder %s: %w", dir, err)
		}
		return nil
	}
	for name := range files {
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("study: report folder %s: %w", dir, err)
		}
	}
	return nil
}

// figures builds Figs. 5, 6, 7, 9 and 12 in the paper's style.
func (r *NetworkReport) figures() ([]networkFigure, error) {
	var out []networkFigure
	for _, build := range []func() (networkFigure, error){r.layerSAFigure, r.samFigure, r.unitFigure, r.heatFigure, r.rankedFigure} {
		f, err := build()
		if err != nil {
			return nil, fmt.Errorf("study: figures: %w", err)
		}
		out = append(out, f)
	}
	return out, nil
}

// LayerSASeries returns the Fig. 5 input: the mean SA of each layer in file
// order and, with more than one case, its range over cases.
func LayerSASeries(rep *measure.FeatureReport) plots.NetworkSA {
	s := plots.NetworkSA{}
	r := &plots.Range{}
	for _, l := range rep.Layers {
		s.Mean = append(s.Mean, l.MeanSA)
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range l.SA {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		r.Lo, r.Hi = append(r.Lo, lo), append(r.Hi, hi)
	}
	if rep.Images > 1 {
		s.Range = r
	}
	return s
}

func (r *NetworkReport) layerSAFigure() (networkFigure, error) {
	s := LayerSASeries(r.Report)
	s.Title = filepath.Base(r.Source)
	f, err := plots.NetworkLayerSA(s)
	var groups []string
	for _, g := range plots.LayerThirds(len(s.Mean)) {
		groups = append(groups, g.String())
	}
	c := fmt.Sprintf("Mean SA score of each layer in file order (prototypes from the network output B, scored against %s), with the range over the %d cases shaded. "+
		"The early / middle / late groups are the thirds of the layers by index (%s): a network other than the project's 18-layer U-Net (groups 1–4 / 5–14 / 15–18) has no fixed groups. "+
		"The layer names are in the table above.", r.against(), r.Report.Images, strings.Join(groups, ", "))
	return networkFigure{f, c}, err
}

// against says what SA is scored against.
func (r *NetworkReport) against() string {
	if r.Report.Against == "gt" {
		return "the label G"
	}
	return "B itself (no label given)"
}

// shownLayerNames lists the shown layers as "L3 = name".
func (r *NetworkReport) shownLayerNames() (cols, names []string) {
	for _, l := range r.Maps.Layers {
		cols = append(cols, fmt.Sprintf("L%d", l+1))
		names = append(names, fmt.Sprintf("L%d = %s", l+1, r.Report.Layers[l].Name))
	}
	return cols, names
}

// viewImage is a view's output probability as a grey image.
func viewImage(v measure.CaseView) plots.Image {
	return plots.Image{Pix: v.Output, H: v.H, W: v.W, C: 1}
}

// viewsNote says how a case is shown: whole (2D) or by three slices (3D).
func (r *NetworkReport) viewsNote() string {
	if len(r.Maps.Detail) > 0 && len(r.Maps.Detail[0].Views) == 3 {
		return "3D cases are shown as three orthogonal slices (axial: fixed d, coronal: fixed h, sagittal: fixed w) through the object's centre: the centre of mass of B, or the middle of the volume when B is empty."
	}
	return ""
}

func (r *NetworkReport) samFigure() (networkFigure, error) {
	cols, names := r.shownLayerNames()
	var cases []plots.NetworkCase
	var which []string
	for _, c := range r.Maps.Detail {
		nc := plots.NetworkCase{Name: fmt.Sprintf("%s (μ = %.2f)", c.Name, c.Mu)}
		for _, v := range c.Views {
			nc.Views = append(nc.Views, plots.NetworkView{Name: v.Name, Output: viewImage(v), B: v.B, Ref: v.Ref(), SAMs: v.SAMs, Heat: v.Heat})
		}
		cases = append(cases, nc)
		which = append(which, c.Name)
	}
	f, err := plots.NetworkSAMs(cols, cases)
	shown := "every layer"
	if len(r.Maps.Layers) < len(r.Report.Layers) {
		shown = fmt.Sprintf("%d of the %d layers, spread evenly from the first to the last", len(r.Maps.Layers), len(r.Report.Layers))
	}
	c := fmt.Sprintf("Layer SAMs (white, red contour) of the cases with the lowest, median and highest μ (%s), beside the output B (grey: probability; red: B; green: %s). Shown: %s (%s). %s",
		strings.Join(which, ", "), r.refWord(), shown, strings.Join(names, ", "), r.viewsNote())
	return networkFigure{f, strings.TrimSpace(c)}, err
}

// refWord names the green contour.
func (r *NetworkReport) refWord() string {
	if r.Report.Against == "gt" {
		return "the label"
	}
	return "B, as no label was given"
}

func (r *NetworkReport) unitFigure() (networkFigure, error) {
	last := r.Report.Layers[len(r.Report.Layers)-1]
	u := plots.UnitSA{Dataset: last.Name, SA: last.UnitMeanSA, Threshold: protoseg.ActiveThreshold(last.UnitMeanSA)}
	f, err := plots.NetworkUnitSA(u)
	c := fmt.Sprintf("SA of each unit (channel) of the last layer, %s, on its own, averaged over the %d cases and sorted, split into inertia and active units where the sorted curve separates best (Otsu's criterion, protoseg.ActiveThreshold): %d of %d units active. Paper: only 20–50 %% of the units are active.",
		last.Name, r.Report.Images, last.ActiveUnits, len(last.UnitMeanSA))
	return networkFigure{f, c}, err
}

func (r *NetworkReport) heatFigure() (networkFigure, error) {
	var hs []plots.HeatMap
	for _, c := range r.Maps.Detail {
		for _, v := range c.Views {
			title := c.Name
			if v.Name != "" {
				title += " " + strings.Fields(v.Name)[0]
			}
			hs = append(hs, plots.HeatMap{Dataset: title, Image: viewImage(v), GT: v.Ref(), Heat: v.Heat})
		}
	}
	f, err := plots.NetworkHeatMaps(hs)
	last := r.Report.Layers[len(r.Report.Layers)-1].Name
	c := fmt.Sprintf("Heat-map: the fraction of the units of the last layer, %s, that call each pixel object, for the cases with the lowest, median and highest μ (green: %s). Paper: units agree on the object's core and disagree at its boundary. %s",
		last, r.refWord(), r.viewsNote())
	return networkFigure{f, strings.TrimSpace(c)}, err
}

func (r *NetworkReport) rankedFigure() (networkFigure, error) {
	views := len(r.Maps.Ranked[0].Views)
	rs := make([]plots.RankedPanels, views)
	for vi := range rs {
		rs[vi].Dataset = "cases"
		if views == 3 {
			rs[vi].Dataset = measure.ViewNames[vi]
		}
		for _, c := range r.Maps.Ranked {
			v := c.Views[vi]
			rs[vi].Panels = append(rs[vi].Panels, plots.Panel{Image: viewImage(v), GT: v.Ref(), Mask: v.B, Label: c.Name})
			rs[vi].Scores = append(rs[vi].Scores, c.Mu)
		}
	}
	f, err := plots.NetworkRankedByMu(rs)
	c := fmt.Sprintf("%d of the %d cases, spread evenly over the ranking by μ (the mean SA of the units of %s against B; no label needed), lowest to highest, with B (red) and %s (green). Paper: low-μ cases are the ones whose segmentations need attention. %s",
		len(r.Maps.Ranked), r.Report.Images, strings.Join(r.Report.MuLayers, " and "), r.refWord(), r.viewsNote())
	return networkFigure{f, strings.TrimSpace(c)}, err
}

// page renders index.html: the layer table, then each figure with its caption.
func (r *NetworkReport) page(figs []networkFigure) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ProtoSeg: segmentation ability of your network</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
figure{margin:2em 0;padding:1em;border:1px solid #ddd;border-radius:6px}
figure img{max-width:100%;height:auto;display:block;margin:0 auto}
figcaption{margin-top:.6em;font-size:.95em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em} th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}
td:nth-child(2){text-align:left;font-family:monospace}
</style></head><body>
<h1>ProtoSeg: segmentation ability of your network, layer by layer</h1>
`)
	metric := r.Report.Metric
	if metric == "" {
		metric = "dice"
	}
	fmt.Fprintf(&b, "<p>%s · %d cases · SA (%s) scored against %s · μ over %s · every number in <a href=\"%s\">%s</a>.</p>\n",
		html.EscapeString(r.Source), r.Report.Images, html.EscapeString(metric), html.EscapeString(r.against()),
		html.EscapeString(strings.Join(r.Report.MuLayers, ", ")), ResultsFile, ResultsFile)
	b.WriteString("<p>Method: He et al., <i>Segmentation ability map: Interpret deep features for medical image segmentation</i>, Medical Image Analysis 84 (2023).</p>\n")
	b.WriteString("<table><tr><th>layer</th><th>name</th><th>shape</th><th>mean SA</th><th>active units</th></tr>\n")
	for i, l := range r.Report.Layers {
		fmt.Fprintf(&b, "<tr><td>%d</td><td>%s</td><td>%v</td><td>%.3f</td><td>%d of %d</td></tr>\n",
			i+1, html.EscapeString(l.Name), l.Shape, l.MeanSA, l.ActiveUnits, len(l.UnitMeanSA))
	}
	b.WriteString("</table>\n")
	for _, f := range figs {
		b.WriteString(figureHTML(f.fig.Name, f.fig.Title, f.caption))
	}
	b.WriteString("</body></html>\n")
	return b.String()
}
