package explore

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/unet"
)

// onePanelReply is a first reply with one view and two unit choices.
func onePanelReply() Reply {
	return Reply{State: State{Dataset: "isic-synth", Rank: 2, Mode: unet.Online, Layer: 7, Unit: 1, Compare: CompareNone, Layer2: 1},
		Images: 5, UnitLabels: []string{"all 4 units (2 active)", "#1 · unit 3 · SA 0.912"},
		Views: []ViewReply{{Title: "online · layer 7 (abstract) · unit #1", Src: "data:image/png;base64,AAAA", Text: "a </script> b",
			Attrs: map[string]string{"layer": "7"}}}}
}

func TestPage(t *testing.T) {
	html := page("0a1b2c3d", "/in", "/out", []string{"isic-synth", `x"><script>`}, onePanelReply())
	if strings.Contains(html, "explore: page:") {
		t.Fatalf("page did not render: %s", html)
	}
	for _, want := range []string{
		`<div id="protoseg-explore-0a1b2c3d" data-role="protoseg-explore" data-seq="-1" data-state="connecting">`,
		`#protoseg-explore-0a1b2c3d .pe-legend { display: flex; justify-content: space-between; width: 520px;`,
		`<option value="isic-synth" selected>isic-synth</option><option value="x&#34;&gt;&lt;script&gt;">x&#34;&gt;&lt;script&gt;</option>`,
		`data-control="rank" min="0" max="4" value="2"/>`,
		`data-control="layer" min="1" max="18" value="7"/>`,
		`data-control="layer2" min="1" max="18" value="1"/>`,
		`<option value="0">all 4 units (2 active)</option><option value="1" selected>#1 · unit 3 · SA 0.912</option>`,
		`<option value="none" selected>off</option><option value="layers">two layers</option><option value="models">offline vs online</option>`,
		`<div class="pe-view" data-role="view" data-panel="0">`,
		`<div class="pe-view" data-role="view" data-panel="1" style="display:none">`,
		`width="520" height="256"/>`,
		// 2D data: the slice controls are there, hidden.
		`<label data-field="slice-name" style="display:none">slice of the volume</label><span data-field="slice-box" style="display:none">`,
		`<input type="range" data-control="slice" min="0" max="0" value="0"/>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if n := strings.Count(html, "</script>"); n != 1 || !strings.HasSuffix(html, "</script>") {
		t.Errorf("%d </script>, want 1 at the end", n)
	}
	cfg := regexp.MustCompile(`const cfg = (.*);\n`).FindStringSubmatch(html)
	first := regexp.MustCompile(`const first = (.*);\n`).FindStringSubmatch(html)
	if cfg == nil || first == nil {
		t.Fatal("page lacks its configuration or first reply")
	}
	var c struct {
		In, Out, Root string
		Groups        []unet.LayerGroup
	}
	if err := json.Unmarshal([]byte(cfg[1]), &c); err != nil || c.In != "/in" || c.Out != "/out" || c.Root != "protoseg-explore-0a1b2c3d" ||
		len(c.Groups) != 3 || c.Groups[0] != unet.EarlyLayers || c.Groups[2].Last != unet.NumLayers {
		t.Errorf("configuration %+v (%v)", c, err)
	}
	var r Reply
	if err := json.Unmarshal([]byte(first[1]), &r); err != nil || r.Views[0].Text != "a </script> b" || r.State.Layer != 7 {
		t.Errorf("first reply %+v (%v)", r, err)
	}
}
