package explore

import (
	"cmp"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"

	"github.com/protoseg-go/protoseg-go/unet"
)

// assets are the page's templates: page.html.tmpl (the controls and views),
// page.css.tmpl (its style) and page.js.tmpl (its script).
//
//go:embed assets/page.html.tmpl assets/page.css.tmpl assets/page.js.tmpl
var assets embed.FS

// pageTemplate is the template that renders the whole page.
const pageTemplate = "page.html.tmpl"

// pageViews is how many view panels the page holds (two side by side).
const pageViews = 2

// pageData is what the page's templates show.
type pageData struct {
	Root                   string // the id of the page's element
	LegendWidth            int    // of a view's legend (its image's width), in pixels
	Datasets, Modes, Units []option
	Compare                []option
	MaxRank, Rank          int
	NumLayers              int
	Layer, Layer2          int
	Views                  []pageView
	// Volume tells whether the first reply is of a volume: the slice controls
	// (Axes, the slice slider up to MaxSlice at Slice) show only then.
	Volume          bool
	Axes            []option
	MaxSlice, Slice int
	Config, First   template.JS // JSON: the comms addresses and layer groups; the first reply
}

// option is one <option> of a <select>.
type option struct {
	Value, Label string
	Selected     bool
}

// pageView is one view panel; Hidden when the first reply has no view for it.
type pageView struct {
	Index         int
	Hidden        bool
	Width, Height int
}

// page is the explorer's HTML and script (the templates in assets), its element
// id "protoseg-explore-"+uid, talking to the program on the comms addresses in
// and out, showing the first reply. Should the page not render, it is an element
// in the page's error state (data-state="error") that says why.
func page(uid, in, out string, datasets []string, first Reply) string {
	d, err := newPageData(uid, in, out, datasets, first)
	if err == nil {
		var b strings.Builder
		var t *template.Template
		if t, err = template.ParseFS(assets, "assets/*.tmpl"); err == nil {
			if err = t.ExecuteTemplate(&b, pageTemplate, d); err == nil {
				return b.String()
			}
		}
	}
	msg := template.HTMLEscapeString(fmt.Sprintf("explore: page: %v", err))
	return `<div data-role="protoseg-explore" data-state="error" data-error="` + msg + `">` + msg + `</div>`
}

// newPageData gathers what the page shows of the first reply.
func newPageData(uid, in, out string, datasets []string, first Reply) (pageData, error) {
	s := first.State
	root := "protoseg-explore-" + uid
	cfg, err := json.Marshal(map[string]any{"in": in, "out": out, "root": root, "groups": unet.LayerGroups()})
	if err != nil {
		return pageData{}, fmt.Errorf("configuration: %w", err)
	}
	firstJSON, err := json.Marshal(first)
	if err != nil {
		return pageData{}, fmt.Errorf("first reply: %w", err)
	}
	d := pageData{Root: root, LegendWidth: 2*PanelSide + gap,
		Datasets: options(datasets, datasets, s.Dataset),
		Modes:    options(modeNames(), modeNames(), s.Mode.String()),
		Compare: options([]string{CompareNone, CompareLayers, CompareModels},
			[]string{"off", "two layers", "offline vs online"}, s.Compare),
		MaxRank: max(0, first.Images-1), Rank: s.Rank, NumLayers: unet.NumLayers, Layer: s.Layer, Layer2: s.Layer2,
		Config: template.JS(cfg), First: template.JS(firstJSON)}
	for i, l := range first.UnitLabels {
		d.Units = append(d.Units, option{Value: strconv.Itoa(i), Label: l, Selected: i == s.Unit})
	}
	if a := slices.Index(Axes(), s.Axis); a >= 0 && a < len(first.Volume) && s.Slice != nil {
		d.Volume, d.MaxSlice, d.Slice = true, first.Volume[a]-1, *s.Slice
	}
	d.Axes = options(Axes(), []string{"axial (d)", "coronal (h)", "sagittal (w)"}, cmp.Or(s.Axis, Axial))
	for i := range pageViews {
		d.Views = append(d.Views, pageView{Index: i, Hidden: i >= len(first.Views), Width: 2*PanelSide + gap, Height: PanelSide})
	}
	return d, nil
}

// options are the choices values, shown as labels, with sel selected.
func options(values, labels []string, sel string) []option {
	o := make([]option, len(values))
	for i, v := range values {
		o[i] = option{Value: v, Label: labels[i], Selected: v == sel}
	}
	return o
}

// modeNames are the names of unet.Modes, the values of the page's model control.
func modeNames() []string {
	var names []string
	for _, m := range unet.Modes() {
		names = append(names, m.String())
	}
	return names
}
