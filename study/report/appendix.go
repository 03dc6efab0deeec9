package report

import (
	"fmt"
	"html"
	"strings"

	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/claims"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/stats"
)

// byMetric returns, per dataset that has results scored by m, a copy of its
// results whose models are scored by m.
func byMetric(rs []*measure.DatasetResults, m protoseg.Metric) []*measure.DatasetResults {
	var out []*measure.DatasetResults
	for _, r := range rs {
		for _, mr := range r.ByMetric {
			if mr.Metric == m {
				v := *r
				v.Offline, v.Online = mr.Offline, mr.Online
				out = append(out, &v)
			}
		}
	}
	return out
}

// appendixMetrics returns the metrics of the appendix, in the order of rs[0].
func appendixMetrics(rs []*measure.DatasetResults) []protoseg.Metric {
	var ms []protoseg.Metric
	if len(rs) > 0 {
		for _, mr := range rs[0].ByMetric {
			ms = append(ms, mr.Metric)
		}
	}
	return ms
}

// MetricAppendix is one metric of the report's appendix: Fig. 5 by that metric
// and the findings re-judged with it.
type MetricAppendix struct {
	Metric   string
	Figure   *plots.Figure
	Findings []claims.Finding
}

// Appendix returns the report's appendix: per metric scored in rs, Fig. 5 and
// the re-judged findings.
func Appendix(rs []*measure.DatasetResults) ([]MetricAppendix, error) {
	var out []MetricAppendix
	for _, m := range appendixMetrics(rs) {
		views := byMetric(rs, m)
		var f5 []plots.LayerSA
		for _, v := range views {
			f5 = append(f5, plots.LayerSA{Dataset: v.Dataset.Name, Offline: stats.MeanColumns(v.Offline.LayerSA), Online: stats.MeanColumns(v.Online.LayerSA)})
		}
		fig, err := plots.Fig5LayerSAMetric(f5, m.String())
		if err != nil {
			return nil, fmt.Errorf("study: appendix %v: %w", m, err)
		}
		out = append(out, MetricAppendix{Metric: m.String(), Figure: fig, Findings: claims.MetricFindings(views)})
	}
	return out, nil
}

// WriteAppendix saves the appendix's figures into dir and adds the appendix to
// page: its verdict table (claims × metrics) and its figures.
func WriteAppendix(page *strings.Builder, dir string, app []MetricAppendix) error {
	if len(app) == 0 {
		return nil
	}
	b := page
	b.WriteString("<h2 id=\"appendix\">Appendix: SA scored by metrics beyond Dice</h2>\n")
	b.WriteString("<p>The paper's §5 names other SA metrics as future work: \"Jaccard index, pixelwise accuracy, sensitivity and specificity\"; we add the normalised surface Dice at 1 pixel (nsd). Each column re-runs the analysis with the SA of layers, units and μ scored by that metric (Dice(B, G) stays Dice) and re-judges the findings that depend on SA, with the same intervals and rules as the main table. Each cell: verdict, then the deciding dataset's effect and 95 % CI.</p>\n")
	b.WriteString("<table><tr><th>claim</th>")
	for _, a := range app {
		fmt.Fprintf(b, "<th>%s</th>", html.EscapeString(a.Metric))
	}
	b.WriteString("</tr>\n")
	for i, f := range app[0].Findings {
		fmt.Fprintf(b, "<tr><td style=\"text-align:left\"><small>%s</small></td>", html.EscapeString(f.Claim))
		for _, a := range app {
			if i >= len(a.Findings) {
				b.WriteString("<td>—</td>")
				continue
			}
			g := a.Findings[i]
			eff := ""
			if g.Pooled {
				eff = fmt.Sprintf("<br><small>%.3f [%.3f, %.3f] (%s)</small>", g.Effect, g.CILow, g.CIHigh, html.EscapeString(g.Decider))
			}
			fmt.Fprintf(b, "<td class=\"%s\">%s%s</td>", verdictClass(g.Verdict), g.Verdict, eff)
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n")
	for _, a := range app {
		if err := saveFigure(dir, a.Figure, a.Figure.Name); err != nil {
			return err
		}
		b.WriteString(figureHTML(a.Figure.Name, a.Figure.Title, "Fig. 5 with the SA scored by "+a.Metric+"."))
	}
	return nil
}

// SeedsAppendix is the appendix of a multi-seed summary: per metric, Fig. 5
// with the spread over seeds and the findings combined over seeds
// ([CombineSeeds]). perSeed[s] holds seed s's results.
func SeedsAppendix(perSeed [][]*measure.DatasetResults) ([]MetricAppendix, error) {
	if len(perSeed) == 0 {
		return nil, nil
	}
	var out []MetricAppendix
	for _, m := range appendixMetrics(perSeed[0]) {
		var findings [][]claims.Finding
		var views [][]*measure.DatasetResults
		for _, rs := range perSeed {
			v := byMetric(rs, m)
			views, findings = append(views, v), append(findings, claims.MetricFindings(v))
		}
		var f5 []plots.LayerSA
		for d := range views[0] {
			seeds := make([]*measure.DatasetResults, len(views))
			for s := range views {
				seeds[s] = views[s][d]
			}
			l, err := layerSpread(seeds)
			if err != nil {
				return nil, err
			}
			f5 = append(f5, l)
		}
		fig, err := plots.Fig5LayerSAMetric(f5, m.String())
		if err != nil {
			return nil, fmt.Errorf("study: appendix %v over seeds: %w", m, err)
		}
		out = append(out, MetricAppendix{Metric: m.String(), Figure: fig, Findings: claims.CombineSeeds(findings)})
	}
	return out, nil
}
