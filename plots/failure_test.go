package plots

import (
	"math"
	"strings"
	"testing"
)

func TestTable4BestInBold(t *testing.T) {
	rows := []FailureRow{
		{Dataset: "a", Method: "mu", AURC: 0.10, EAURC: 0.02, AUGRC: 0.05, Spearman: 0.8, AUROC: math.NaN()},
		{Dataset: "a", Method: "vog", AURC: 0.20, EAURC: 0.12, AUGRC: 0.04, Spearman: 0.9, AUROC: math.NaN()},
		{Dataset: "b", Method: "mu", AURC: 0.30, EAURC: 0.05, AUGRC: 0.15, Spearman: -0.1, AUROC: 0.4},
		{Dataset: "b", Method: "vog", AURC: 0.25, EAURC: 0.01, AUGRC: 0.16, Spearman: 0.2, AUROC: 0.7},
	}
	tb, err := Table4(rows, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"a", "mu", "**0.100**", "**0.020**", "0.050", "0.800", "—"},
		{"a", "vog", "0.200", "0.120", "**0.040**", "**0.900**", "—"},
		{"b", "mu", "0.300", "0.050", "**0.150**", "-0.100", "0.400"},
		{"b", "vog", "**0.250**", "**0.010**", "0.160", "**0.200**", "**0.700**"},
	}
	for i, r := range want {
		if strings.Join(tb.Rows[i], "|") != strings.Join(r, "|") {
			t.Errorf("row %d: %q, want %q", i, tb.Rows[i], r)
		}
	}
	if h := tb.HTML(); !strings.Contains(h, "<b>0.250</b>") || strings.Contains(h, "**") {
		t.Error("HTML does not render the bold cells")
	}
	if _, err := Table4(append(rows, FailureRow{Dataset: "a", Method: "tta"}), 0.5); err == nil {
		t.Error("non-adjacent dataset rows: no error")
	}
	if _, err := Table4(nil, 0.5); err == nil {
		t.Error("no rows: no error")
	}
}

func TestFig17RiskCoverage(t *testing.T) {
	rc := RiskCoverage{Dataset: "a", Methods: []string{"mu", "vog"},
		Risk: [][]float64{{0.1, 0.2, 0.3}, {0.5, 0.4, 0.3}}, Oracle: []float64{0.05, 0.1, 0.3}}
	f, err := Fig17RiskCoverage([]RiskCoverage{rc, rc})
	if err != nil {
		t.Fatal(err)
	}
	png, err := f.PNG()
	if err != nil || len(png) < 1000 {
		t.Fatalf("PNG: %d bytes, %v", len(png), err)
	}
	svg, err := f.SVG()
	if err != nil || !strings.Contains(svg, "oracle") {
		t.Fatalf("SVG without the oracle legend (%v)", err)
	}
	bad := rc
	bad.Risk = [][]float64{{0.1, 0.2}, {0.5, 0.4, 0.3}}
	if _, err := Fig17RiskCoverage([]RiskCoverage{bad}); err == nil {
		t.Error("curve of the wrong length: no error")
	}
	bad = rc
	bad.Oracle = []float64{0.1, math.NaN(), 0.3}
	if _, err := Fig17RiskCoverage([]RiskCoverage{bad}); err == nil {
		t.Error("NaN risk: no error")
	}
}
