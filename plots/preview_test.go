package plots

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRenderAll renders every figure and table from made-up data into a
// temporary folder, or into $PLOTS_PREVIEW when set (for looking at).
func TestRenderAll(t *testing.T) {
	dir := os.Getenv("PLOTS_PREVIEW")
	if dir == "" {
		dir = t.TempDir()
	}
	figs, tables, err := renderAll(makeFixtures())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range figs {
		if err := f.Save(filepath.Join(dir, f.Name)); err != nil {
			t.Fatal(err)
		}
	}
	var md, html string
	for _, tb := range tables {
		md += tb.Markdown() + "\n"
		html += tb.HTML() + "\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "tables.md"), []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tables.html"), []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
}
