package report

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/study/claims"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/stats"
)

// Captions say, for figures 5–16, what each shows and what the paper found, and
// for Figs. 17–18 (beyond the paper) what they show; Captions[n−5] is figure n's.
var Captions = []string{
	"Fig. 5 — Mean SA score of each of the 18 U-Net layers (prototypes from the network output B, scored against the ground truth), offline (cross-entropy only) vs online (with the ProtoSeg term). Paper: SA rises from the early to the late layers, with a dip on the low-resolution abstract layers; online training lifts the late layers.",
	"Fig. 6 — The SAM of every layer on one test image (red contour; ground truth green), offline and online rows. Paper: early layers outline texture and edges, abstract layers give coarse blobs, late layers a clean object.",
	"Fig. 7 — SA of each unit of layer 18 on its own, sorted, averaged over the test images, with the output's Dice as a reference and the split into inertia and active units (Otsu split of the curve). Paper: only 20–50 % of the units are active.",
	"Fig. 8 — SAMs of single layer-18 units with the lowest, middle and highest SA. Paper: weak units mix object and background; the best unit is close to the network output.",
	"Fig. 9 — Heat-map: the fraction of layer-18 units that call each pixel object. Paper: units agree on the object's core and disagree at its boundary.",
	"Fig. 10 — Dice of the output against two label-free quality scores: μ (mean SA of the units of layers 17–18 against the network's own output) and VoG (variance of the input gradient of the mean object logit over K checkpoints spread over training, min–max scaled; images predicted empty at every checkpoint count as the hardest), with Pearson r. Paper: μ correlates positively with Dice and better than VoG, which correlates weakly and negatively.",
	"Fig. 11 — Mean Dice of the test images in each percentile bucket of μ and of VoG (lowest score first). Paper: Dice rises with μ across buckets; VoG buckets are flat or falling.",
	"Fig. 12 — Test images ranked by μ, lowest to highest, with the output (red) and ground-truth (green) contours. Paper: low-μ images are the ones whose segmentations need attention.",
	"Fig. 13 — Input with ground truth, the heat-map of the units of layers 17–18, and the output, for the lowest- and highest-μ image, with μ and Dice printed. Paper: a diffuse heat-map flags a poor output.",
	"Fig. 14 — Images ordered by their input separableness SA(S_x, G), with the SAM of the raw input S_x. Paper (ISIC): separableness varies widely from image to image.",
	"Fig. 15 — Dice of the network output against SA(S_x, G) of the input, with the line y = x. Paper: points lie above the line — the network adds most where the input separates least (pancreas, prostate).",
	"Fig. 16 — Per-layer change of SA when uniform noise U(0, level) is added to the input, for levels 0.1–1.0. Paper: noise hurts early and late layers most; abstract layers are the least sensitive.",
	QCCaption,
	WeightCaption,
}

// WeightCaption describes Fig. 18 for the report.
const WeightCaption = "Fig. 18 — For each unit of the last layer (offline model), the magnitude of its weight in the 1×1 output convolution — for the object logit, the background logit and their difference, which is what moves the decision — against the unit's mean SA, with Spearman ρ and its 95 % bootstrap interval over units. Beyond the paper: its §5 reports finding no relation between unit SA and the learned weights; the finding table judges that claim. With few units (Base 8: 8 units) the interval is wide."

// figureNumber is the number of the figure saved as name ("fig07" → 7), 0 if
// the name has no number.
func figureNumber(name string) int {
	var n int
	if _, err := fmt.Sscanf(name, "fig%d", &n); err != nil {
		return 0
	}
	return n
}

// ReportInfo describes the run for the report's header.
type ReportInfo struct {
	// Config is a one-line description of the configuration (datasets, size, Base, epochs).
	Config string
	// Elapsed is the wall time of the whole run.
	Elapsed time.Duration
	// Backend names the GoMLX backend used.
	Backend string
	// Summary lines are printed under the header (counts the reader needs to
	// weigh the findings, e.g. degenerate images and VoG checkpoints).
	Summary []string
	// CaptionNotes[n] is appended to the caption of figure n.
	CaptionNotes map[int]string
	// Appendix holds Fig. 5 and the re-judged findings per SA metric beyond Dice.
	Appendix []MetricAppendix
}

// RunSummary returns the report's summary lines and caption notes for rs: the
// number of degenerate images per dataset (outputs empty or full, for μ; and
// predicted empty at every VoG checkpoint) and the number K of checkpoints VoG
// was computed from.
func RunSummary(rs []*measure.DatasetResults) (lines []string, notes map[int]string) {
	var deg, ks []string
	for _, r := range rs {
		name := r.Dataset.Name
		d := fmt.Sprintf("%s %d of %d (offline), %d of %d (online)", name, stats.CountTrue(r.Offline.Degenerate), len(r.Offline.Dice),
			stats.CountTrue(r.Online.Degenerate), len(r.Online.Dice))
		if r.VoG != nil {
			d += fmt.Sprintf(", %d predicted empty at every VoG checkpoint", stats.CountTrue(r.VoGDegenerate))
			ks = append(ks, fmt.Sprintf("%s K = %d", name, r.VoGCheckpoints))
		}
		deg = append(deg, d)
	}
	lines = append(lines, "Degenerate test images (output empty or full: no boundary, so μ = 0 by convention and coverage rejects them first): "+strings.Join(deg, "; ")+".")
	notes = map[int]string{13: "An image whose output is degenerate is marked under its output."}
	if len(ks) > 0 {
		k := "VoG checkpoints here: " + strings.Join(ks, ", ") + "."
		lines = append(lines, k)
		notes[10] = k
	}
	return lines, notes
}

// WriteReport writes figNN.png and figNN.svg for every figure, tables.md and
// index.html (a one-page report with captions, the tables with the paper's values
// beside ours, and the paper's qualitative findings checked on our results) into dir.
func WriteReport(dir string, figs []*plots.Figure, tables []*plots.Table, findings []claims.Finding, info ReportInfo) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("study: report folder: %w", err)
	}
	var page strings.Builder
	writeHeader(&page, info)
	if len(findings) > 0 {
		page.WriteString(FindingsHTML(findings))
	}
	if err := writeTables(&page, dir, tables); err != nil {
		return err
	}
	if err := writeFigures(&page, dir, figs, info.CaptionNotes); err != nil {
		return err
	}
	if err := WriteAppendix(&page, dir, info.Appendix); err != nil {
		return err
	}
	page.WriteString("</body></html>\n")
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(page.String()), 0o644); err != nil {
		return fmt.Errorf("study: %w", err)
	}
	return nil
}

// writeHeader writes the page's head, title, run line, the stand-in warning and
// the run summary.
func writeHeader(page *strings.Builder, info ReportInfo) {
	page.WriteString(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ProtoSeg study report</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em} .meta{color:#555}
figure{margin:2em 0;padding:1em;border:1px solid #ddd;border-radius:6px}
figure img{max-width:100%;height:auto;display:block;margin:0 auto}
figcaption{margin-top:.6em;font-size:.95em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em} th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}
th:first-child,td:first-child{text-align:left} .paper{background:#eee;color:#555}
.ok{color:#1a7f37} .no{color:#b3261e} .maybe{color:#8a6d00} .warn{background:#fff4e5;padding:.6em 1em;border-left:4px solid #e69f00}
</style></head><body>
<h1>ProtoSeg: segmentation ability of a U-Net, layer by layer</h1>
`)
	fmt.Fprintf(page, "<p class=\"meta\">%s · backend %s · %s · generated %s</p>\n",
		html.EscapeString(info.Config), html.EscapeString(info.Backend), info.Elapsed.Round(time.Second),
		time.Now().UTC().Format("2006-01-02 15:04 MST"))
	page.WriteString(`<p class="warn">The datasets here are deterministic <b>synthetic stand-ins</b> of the paper's five datasets unless the configuration names real ones: their numbers are ours, never the paper's. Grey table columns are the paper's published values, for comparison.</p>
<p>Reproduces He et al., <i>Segmentation ability map: Interpret deep features for medical image segmentation</i>, Medical Image Analysis 84 (2023).</p>
`)
	for _, l := range info.Summary {
		fmt.Fprintf(page, "<p>%s</p>\n", html.EscapeString(l))
	}
}

// writeTables writes the tables into the page and, as Markdown, into
// dir/tables.md.
func writeTables(page *strings.Builder, dir string, tables []*plots.Table) error {
	var md strings.Builder
	md.WriteString("# ProtoSeg study: tables\n\n")
	page.WriteString("<h2>Tables</h2>\n")
	for _, t := range tables {
		md.WriteString(t.Markdown())
		md.WriteString("\n\n")
		page.WriteString(t.HTML())
		page.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "tables.md"), []byte(md.String()), 0o644); err != nil {
		return fmt.Errorf("study: %w", err)
	}
	return nil
}

// writeFigures saves every figure into dir and writes it into the page with its
// caption and the run's note on it.
func writeFigures(page *strings.Builder, dir string, figs []*plots.Figure, notes map[int]string) error {
	page.WriteString("<h2>Figures</h2>\n")
	for i, f := range figs {
		name := f.Name
		if name == "" {
			name = fmt.Sprintf("fig%02d", i+5)
		}
		if err := saveFigure(dir, f, name); err != nil {
			return err
		}
		caption := ""
		if k := figureNumber(name) - 5; k >= 0 && k < len(Captions) {
			caption = Captions[k]
		}
		if note := notes[figureNumber(name)]; note != "" {
			caption += " " + note
		}
		page.WriteString(figureHTML(name, f.Title, caption))
	}
	return nil
}

// saveFigure writes f as dir/name.png and dir/name.svg.
func saveFigure(dir string, f *plots.Figure, name string) error {
	if err := f.Save(filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("study: %s: %w", name, err)
	}
	return nil
}

// figureHTML is a report's figure: the PNG saved as name, linked to its SVG,
// with its caption.
func figureHTML(name, title, caption string) string {
	return fmt.Sprintf("<figure id=\"%s\"><a href=\"%s.svg\"><img src=\"%s.png\" alt=\"%s\"></a><figcaption>%s</figcaption></figure>\n",
		name, name, name, html.EscapeString(title), html.EscapeString(caption))
}

// verdictClass is the CSS class of a verdict.
func verdictClass(v stats.Verdict) string {
	switch v {
	case stats.Holds:
		return "ok"
	case stats.Fails:
		return "no"
	}
	return "maybe"
}

// FindingsHTML renders the findings as a table: the claim, the verdict over all
// datasets, the pooled effect with its 95 % CI, and the verdict, effect and CI of
// every dataset.
func FindingsHTML(findings []claims.Finding) string {
	var b strings.Builder
	b.WriteString("<h2>The paper's findings, checked on these results</h2>\n")
	fmt.Fprintf(&b, "<p>Effect sizes with 95 %% percentile-bootstrap confidence intervals over the test images (%d resamples, seeded; paired where two models or two scores are compared). A finding <span class=\"ok\">holds</span> when the whole interval lies in the claim's range (a strict claim \"> 0\" excludes the bound, an inclusive one \"≥ 0\" or \"20–50 %%\" includes it), <span class=\"no\">fails</span> when it lies wholly outside, and is <span class=\"maybe\">inconclusive</span> otherwise. The paper states each finding for every dataset, so over datasets a finding holds when it holds on every dataset (an intersection–union test), fails when it fails on at least one, and is inconclusive otherwise; the overall effect and interval are those of the dataset that decides the verdict (named beside it), so that interval, judged by the claim's range, gives the overall verdict. Input separableness S_x is a calibration target of the stand-ins, not a finding: it is in the calibration table.</p>\n", stats.BootstrapResamples)
	b.WriteString("<table><tr><th>claim</th><th>verdict</th><th>effect [95 % CI]</th><th>per dataset</th></tr>\n")
	for _, f := range findings {
		eff := "—"
		if f.Pooled {
			eff = fmt.Sprintf("%.3f [%.3f, %.3f] (%s)", f.Effect, f.CILow, f.CIHigh, html.EscapeString(f.Decider))
		}
		var per []string
		for _, d := range f.PerDataset {
			per = append(per, fmt.Sprintf("<span class=\"%s\">%s</span> %s: %s", verdictClass(d.Verdict), d.Verdict,
				html.EscapeString(d.Name), html.EscapeString(d.Detail)))
		}
		fmt.Fprintf(&b, "<tr><td style=\"text-align:left\">%s</td><td class=\"%s\">%s</td><td>%s</td><td style=\"text-align:left\"><small>%s</small></td></tr>\n",
			html.EscapeString(f.Claim), verdictClass(f.Verdict), f.Verdict, eff, strings.Join(per, "<br>"))
	}
	b.WriteString("</table>\n")
	return b.String()
}
