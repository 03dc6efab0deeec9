package explore

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/protoseg-go/protoseg-go/unet"
)

// Compare modes of the side-by-side view.
const (
	CompareNone   = "none"   // one view
	CompareLayers = "layers" // the chosen layer (and unit) beside a second layer (all units)
	CompareModels = "models" // the offline model beside the online one, same layer and unit
)

// State is what the page's controls hold; the page sends it on every change.
type State struct {
	// Seq numbers the page's requests; the reply carries it back.
	Seq     int       `json:"seq"`
	Cmd     string    `json:"cmd,omitempty"` // "hello", "update" or "close"
	Dataset string    `json:"dataset"`
	Rank    int       `json:"rank"`
	Mode    unet.Mode `json:"mode"`
	Layer   int       `json:"layer"`
	Unit    int       `json:"unit"`
	Compare string    `json:"compare"`
	Layer2  int       `json:"layer2"`
	// Axis and Slice choose the slice of a volume shown (see Choice): the
	// axis, "axial", "coronal" or "sagittal" ("": axial), and the index along
	// it (nil: the slice through the centre of the image's object). 2D data
	// ignores them, and its replies leave both out.
	Axis  string `json:"axis,omitempty"`
	Slice *int   `json:"slice,omitempty"`
}

// Reply is what the page receives: the normalised state and one or two views.
type Reply struct {
	Seq        int         `json:"seq"`
	State      State       `json:"state"`
	Images     int         `json:"images"`
	RankLabel  string      `json:"rankLabel"`
	UnitLabels []string    `json:"unitLabels"`
	Views      []ViewReply `json:"views"`
	Millis     float64     `json:"ms"`
	Error      string      `json:"error,omitempty"`
	// Ping asks the page to greet the program (sent until it does).
	Ping bool `json:"ping,omitempty"`
	// Volume is [D, H, W] of a volumetric dataset, Centre the centre [d, h, w]
	// of the shown image's ground-truth object (each axis's default slice) and
	// SliceLabel describes the shown slice; all absent for 2D data.
	Volume     []int  `json:"volume,omitempty"`
	Centre     []int  `json:"centre,omitempty"`
	SliceLabel string `json:"sliceLabel,omitempty"`
}

// ViewReply is one rendered view for the page.
type ViewReply struct {
	Title string `json:"title"`
	Src   string `json:"src"`
	Text  string `json:"text"`
	// Attrs become data-* attributes of the view's element (for tests and
	// scripts): dataset, rank, index, mode, layer, unit-rank, unit, units,
	// layer-sa, unit-sa, sa (of what is shown), mu, dice, sam-pixels, gt-pixels,
	// png-sha256, and for a volume axis and slice.
	Attrs map[string]string `json:"attrs"`
}

// Choices returns the view choices of a state (one, or two side by side).
func (s State) Choices() []Choice {
	a := Choice{Dataset: s.Dataset, Rank: s.Rank, Mode: s.Mode, Layer: s.Layer, Unit: s.Unit, Axis: s.Axis, Slice: CentreSlice}
	if s.Slice != nil {
		a.Slice = *s.Slice
	}
	switch s.Compare {
	case CompareLayers:
		b := a
		b.Layer, b.Unit = s.Layer2, 0
		return []Choice{a, b}
	case CompareModels:
		a.Mode = unet.Offline
		b := a
		b.Mode = unet.Online
		return []Choice{a, b}
	}
	return []Choice{a}
}

// Answer renders the views of a state.
func (e *Explorer) Answer(s State) Reply {
	t0 := time.Now()
	if s.Dataset == "" {
		s.Dataset = e.datasets[0]
	}
	if s.Compare != CompareLayers && s.Compare != CompareModels {
		s.Compare = CompareNone
	}
	s.Layer2 = min(max(s.Layer2, 1), unet.NumLayers)
	r := Reply{Seq: s.Seq}
	var views []*View
	for _, c := range s.Choices() {
		v, err := e.View(c)
		if err != nil {
			r.State, r.Error = s, err.Error()
			return r
		}
		views = append(views, v)
	}
	v0 := views[0]
	s.Rank, s.Layer, s.Unit = v0.Choice.Rank, v0.Choice.Layer, v0.Choice.Unit
	if s.Compare != CompareModels {
		s.Mode = v0.Choice.Mode
	}
	s.Axis, s.Slice = "", nil
	if n := v0.Numbers; n.Axis != "" {
		slice := n.Slice
		s.Axis, s.Slice = n.Axis, &slice
		r.Volume, r.Centre, r.SliceLabel = n.Volume, n.Centre, n.SliceLabel()
	}
	r.State = s
	r.Images = v0.Numbers.Images
	r.RankLabel = fmt.Sprintf("%d / %d (test #%d, μ %.3f online)", s.Rank+1, r.Images, v0.Numbers.Index, e.results[s.Dataset].Online.Mu[v0.Numbers.Index])
	r.UnitLabels = v0.UnitLabels
	for _, v := range views {
		r.Views = append(r.Views, v.reply())
	}
	r.Millis = float64(time.Since(t0).Microseconds()) / 1000
	return r
}

func (v *View) reply() ViewReply {
	n := v.Numbers
	sum := sha256.Sum256(v.PNG)
	f := func(x float64) string {
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	sa := n.LayerSA
	unit := "all units"
	if n.UnitRank > 0 {
		sa = n.UnitSA
		unit = fmt.Sprintf("unit #%d (channel %d)", n.UnitRank, n.Unit)
	}
	title := fmt.Sprintf("%s · layer %d (%s) · %s", n.Mode, n.Layer, n.Group, unit)
	if a := slices.Index(Axes(), n.Axis); a >= 0 {
		title += fmt.Sprintf(" · %s %s = %d", n.Axis, axisLetters[a], n.Slice)
	}
	r := ViewReply{
		Title: title,
		Src:   "data:image/png;base64," + base64.StdEncoding.EncodeToString(v.PNG),
		Text:  v.Text,
		Attrs: map[string]string{
			"dataset": n.Dataset, "rank": strconv.Itoa(n.Rank), "index": strconv.Itoa(n.Index), "mode": n.Mode.String(),
			"layer": strconv.Itoa(n.Layer), "unit-rank": strconv.Itoa(n.UnitRank), "unit": strconv.Itoa(n.Unit),
			"units": strconv.Itoa(n.Units), "layer-sa": f(n.LayerSA), "unit-sa": f(n.UnitSA), "sa": f(sa),
			"mu": f(n.Mu), "dice": f(n.Dice), "sam-pixels": strconv.Itoa(n.SAMPixels),
			"gt-pixels": strconv.Itoa(n.GTPixels), "png-sha256": hex.EncodeToString(sum[:]),
		},
	}
	if n.Axis != "" {
		r.Attrs["axis"], r.Attrs["slice"] = n.Axis, strconv.Itoa(n.Slice)
	}
	return r
}
