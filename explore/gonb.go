package explore

import (
	"encoding/json"
	"fmt"
	"html"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/protoseg-go/protoseg-go/unet"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/comms"
	"github.com/protoseg-go/protoseg-go/study"
)

// Environment variables read by Show.
const (
	// EnvWait is how many seconds Show waits for the page to answer before it
	// decides no browser is attached (e.g. the notebook runs under nbconvert) and
	// leaves a static view instead (default 15).
	EnvWait = "PROTOSEG_EXPLORE_WAIT"
	// EnvIdle is how many seconds without any change end the explorer, leaving
	// the last view in the notebook (default 1800).
	EnvIdle = "PROTOSEG_EXPLORE_IDLE"
)

// Show opens the explorer of a study session in the GoNB cell that calls it; see
// [Explorer.Show].
func Show(s *study.Session) error {
	e, err := FromSession(s)
	if err != nil {
		return err
	}
	return e.Show(State{})
}

// Show draws the controls (dataset, test image ranked by μ, model, layer,
// unit, side-by-side mode) and a view that updates in place on every change, in
// the output of the running GoNB cell. It returns when "Done" is pressed, after
// EnvIdle seconds without a change, or at once (after EnvWait seconds) when no
// browser answers; it then leaves the last view as static output, so the saved
// notebook shows it.
//
// The controls are plain HTML elements driven through GoNB's comms (the protocol
// its widgets use), not gonbui/widgets: a widget's Done waits for the browser,
// which never answers when the notebook runs headless, and the unit selector's
// choices change with the layer. Every element carries data-* attributes
// (data-control, data-role, data-field, and the numbers of each view) for
// scripts and browser tests.
func (e *Explorer) Show(initial State) error {
	if !gonbui.IsNotebook {
		return fmt.Errorf("explore: Show needs a GoNB notebook; use Explorer.View outside one")
	}
	if initial.Dataset == "" {
		initial.Dataset = e.datasets[0]
	}
	if initial.Layer == 0 {
		initial.Layer = 18
	}
	if initial.Layer2 == 0 {
		initial.Layer2 = 1
	}
	if initial.Mode == "" {
		initial.Mode = unet.Online
	}
	// Results (training what is missing) and the first image's analyses of every
	// layer, which compiles the graphs of every layer shape once.
	if _, err := e.Results(initial.Dataset); err != nil {
		return err
	}
	if err := e.Warm(Choice{Dataset: initial.Dataset, Rank: initial.Rank, Mode: initial.Mode}); err != nil {
		return err
	}
	first := e.Answer(initial)
	if first.Error != "" {
		return fmt.Errorf("explore: %s", first.Error)
	}

	uid := gonbui.UniqueId()
	in, out := "/protoseg-explore/"+uid+"/in", "/protoseg-explore/"+uid+"/out"
	msgs := make(chan string, 256)
	sub := comms.Subscribe(in, func(_ string, v string) {
		select {
		case msgs <- v:
		default: // the page sends far faster than we render: drop, a later state follows
		}
	})
	defer comms.Unsubscribe(sub)
	displayID := "protoseg-explore-" + uid
	gonbui.UpdateHtml(displayID, page(uid, in, out, e.datasets, first))

	wait := envSeconds(EnvWait, 15)
	idle := envSeconds(EnvIdle, 1800)
	last := first
	timer := time.NewTimer(wait)
	defer timer.Stop()
	// Until the page answers, ping it now and then: each message makes the kernel
	// (re)install its browser connection if the last try failed (its 500 ms
	// handshake can miss while the kernel is busy running this cell).
	ping := time.NewTicker(2 * time.Second)
	defer ping.Stop()
	greeted := false
loop:
	for {
		select {
		case <-timer.C:
			break loop
		case <-ping.C:
			if greeted {
				ping.Stop()
				continue
			}
			send(out, Reply{Seq: -1, Ping: true})
		case m := <-msgs:
			// Coalesce: keep the newest state of what is queued.
		drain:
			for {
				select {
				case m2 := <-msgs:
					m = m2
				default:
					break drain
				}
			}
			var s State
			if err := json.Unmarshal([]byte(m), &s); err != nil {
				continue
			}
			greeted = true
			timer.Reset(idle)
			if s.Cmd == "close" {
				break loop
			}
			if s.Cmd == "hello" {
				// Send the first view again with the page's sequence number.
				r := last
				r.Seq = s.Seq
				send(out, r)
				continue
			}
			r := e.Answer(s)
			if r.Error == "" {
				last = r
			}
			send(out, r)
		}
	}
	gonbui.UpdateHtml(displayID, "")
	gonbui.DisplayHtml(static(last, greeted))
	return nil
}

func send(address string, r Reply) {
	b, err := json.Marshal(r)
	if err != nil {
		b, _ = json.Marshal(Reply{Seq: r.Seq, Error: err.Error()})
	}
	comms.Send(address, string(b))
}

func envSeconds(name string, def float64) time.Duration {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil && v > 0 {
		def = v
	}
	return time.Duration(def * float64(time.Second))
}

// static is the view left in the notebook when the explorer ends.
func static(r Reply, interactive bool) string {
	var b strings.Builder
	b.WriteString(`<div class="protoseg-explore-static" data-role="protoseg-explore-static" style="display:flex;gap:16px;flex-wrap:wrap;font-family:sans-serif">`)
	for _, v := range r.Views {
		fmt.Fprintf(&b, `<figure style="margin:0"><figcaption style="font-weight:bold;margin-bottom:4px">%s</figcaption><img src="%s" alt="%s"/><pre style="margin:4px 0">%s</pre></figure>`,
			html.EscapeString(v.Title), v.Src, html.EscapeString(v.Title), html.EscapeString(v.Text))
	}
	b.WriteString(`</div>`)
	if !interactive {
		b.WriteString(`<p style="font-family:sans-serif;color:#666">(No browser answered, so the explorer shows its first view only; open the notebook in Jupyter and run the cell to explore.)</p>`)
	}
	return b.String()
}

// modeNames are the names of unet.Modes, the values of the page's model control.
func modeNames() []string {
	var names []string
	for _, m := range unet.Modes() {
		names = append(names, m.String())
	}
	return names
}

// page is the explorer's HTML and script.
func page(uid, in, out string, datasets []string, first Reply) string {
	s := first.State
	opts := func(values, labels []string, sel string) string {
		var b strings.Builder
		for i, v := range values {
			selected := ""
			if v == sel {
				selected = " selected"
			}
			fmt.Fprintf(&b, `<option value="%s"%s>%s</option>`, html.EscapeString(v), selected, html.EscapeString(labels[i]))
		}
		return b.String()
	}
	var units strings.Builder
	for i, l := range first.UnitLabels {
		selected := ""
		if i == s.Unit {
			selected = " selected"
		}
		fmt.Fprintf(&units, `<option value="%d"%s>%s</option>`, i, selected, html.EscapeString(l))
	}
	view := func(i int) string {
		hidden := ""
		if i >= len(first.Views) {
			hidden = ` style="display:none"`
		}
		return fmt.Sprintf(`<div class="pe-view" data-role="view" data-panel="%d"%s>
  <div class="pe-title" data-role="title"></div>
  <img data-role="image" alt="input with GT (green) and SAM (red) contours; p_t heat-map" width="%d" height="%d"/>
  <div class="pe-legend"><span>input · <b style="color:#00b000">GT</b> · <b style="color:#e00000">SAM</b></span><span>p<sub>t</sub>: 0 <span class="pe-bar"></span> 1</span></div>
  <pre data-role="numbers"></pre>
</div>`, i, hidden, 2*PanelSide+gap, PanelSide)
	}
	firstJSON, _ := json.Marshal(first)
	cfg, _ := json.Marshal(map[string]any{"in": in, "out": out, "root": "protoseg-explore-" + uid, "groups": unet.LayerGroups()})
	return fmt.Sprintf(`<style>
#protoseg-explore-%[1]s { font-family: sans-serif; font-size: 14px; }
#protoseg-explore-%[1]s .pe-controls { display: grid; grid-template-columns: max-content auto; gap: 6px 12px; align-items: center; max-width: 760px; margin-bottom: 8px; }
#protoseg-explore-%[1]s .pe-controls label { font-weight: bold; }
#protoseg-explore-%[1]s input[type=range] { width: 360px; vertical-align: middle; }
#protoseg-explore-%[1]s .pe-views { display: flex; gap: 24px; flex-wrap: wrap; }
#protoseg-explore-%[1]s .pe-title { font-weight: bold; margin: 4px 0; }
#protoseg-explore-%[1]s img { image-rendering: pixelated; display: block; }
#protoseg-explore-%[1]s pre { margin: 4px 0; font-size: 13px; background: #f6f6f6; padding: 6px; }
#protoseg-explore-%[1]s .pe-legend { display: flex; justify-content: space-between; width: %[2]dpx; font-size: 12px; color: #444; }
#protoseg-explore-%[1]s .pe-bar { display: inline-block; width: 100px; height: 10px; vertical-align: middle; background: linear-gradient(to right, #440154, #414487, #2a788e, #22a884, #7ad151, #fde725); }
#protoseg-explore-%[1]s .pe-status { color: #666; font-size: 12px; min-height: 1.2em; }
</style>
<div id="protoseg-explore-%[1]s" data-role="protoseg-explore" data-seq="-1" data-state="connecting">
<div class="pe-controls">
  <label>dataset</label><span><select data-control="dataset">%[3]s</select></span>
  <label>test image (by μ)</label><span><input type="range" data-control="rank" min="0" max="%[4]d" value="%[5]d"/> <span data-field="rank-label"></span></span>
  <label>model</label><span><select data-control="mode">%[6]s</select></span>
  <label>layer</label><span><input type="range" data-control="layer" min="1" max="18" value="%[7]d"/> <span data-field="layer-label"></span></span>
  <label>unit</label><span><select data-control="unit">%[8]s</select></span>
  <label>side by side</label><span><select data-control="compare">%[9]s</select>
    <span data-field="layer2-box"> second layer <input type="range" data-control="layer2" min="1" max="18" value="%[10]d"/> <span data-field="layer2-label"></span></span></span>
  <label></label><span><button data-control="close" title="end the explorer and keep the current view in the notebook">Done</button> <span class="pe-status" data-field="status">connecting to the kernel…</span></span>
</div>
<div class="pe-views">%[11]s%[12]s</div>
</div>
<script>
(() => {
  const cfg = %[13]s;
  const first = %[14]s;
  const root = document.getElementById(cfg.root);
  const q = (sel) => root.querySelector(sel);
  const ctl = (name) => q('[data-control="' + name + '"]');
  const field = (name) => q('[data-field="' + name + '"]');
  let seq = 0, latest = 0, applied = -1, unitKey = '', closed = false;
  const group = (l) => (cfg.groups.find((g) => l >= g.First && l <= g.Last) || {Name: ''}).Name;
  function labels() {
    field('layer-label').textContent = ctl('layer').value + ' (' + group(+ctl('layer').value) + ')';
    field('layer2-label').textContent = ctl('layer2').value + ' (' + group(+ctl('layer2').value) + ')';
    field('layer2-box').style.display = ctl('compare').value === 'layers' ? '' : 'none';
    ctl('mode').disabled = ctl('compare').value === 'models';
  }
  function state(cmd) {
    return {seq: ++seq, cmd: cmd, dataset: ctl('dataset').value, rank: +ctl('rank').value, mode: ctl('mode').value,
            layer: +ctl('layer').value, unit: +ctl('unit').value, compare: ctl('compare').value, layer2: +ctl('layer2').value};
  }
  function apply(r) {
    if (r.seq < applied) return;
    if (r.error) { field('status').textContent = 'error: ' + r.error; root.dataset.state = 'error'; root.dataset.error = r.error; return; }
    const s = r.state, current = (r.seq === latest);
    ctl('rank').max = Math.max(0, r.images - 1);
    const key = r.unitLabels.join('|');
    if (key !== unitKey) {
      unitKey = key;
      const sel = ctl('unit');
      sel.innerHTML = '';
      r.unitLabels.forEach((l, i) => { const o = document.createElement('option'); o.value = i; o.textContent = l; sel.appendChild(o); });
    }
    if (current) {
      ctl('dataset').value = s.dataset; ctl('rank').value = s.rank; ctl('layer').value = s.layer;
      ctl('unit').value = s.unit; ctl('compare').value = s.compare; ctl('layer2').value = s.layer2;
      if (s.compare !== 'models') ctl('mode').value = s.mode;
    }
    field('rank-label').textContent = r.rankLabel;
    labels();
    const panels = root.querySelectorAll('[data-role="view"]');
    const loads = r.views.map((v, i) => {
      const im = new Image();
      im.src = v.src;
      return (im.decode ? im.decode() : Promise.resolve()).catch(() => {}).then(() => v);
    });
    Promise.all(loads).then((views) => {
      if (r.seq < applied) return;
      applied = r.seq;
      panels.forEach((p, i) => {
        const v = views[i];
        if (!v) { p.style.display = 'none'; return; }
        p.style.display = '';
        p.querySelector('[data-role="image"]').src = v.src;
        p.querySelector('[data-role="title"]').textContent = v.title;
        p.querySelector('[data-role="numbers"]').textContent = v.text;
        for (const [k, val] of Object.entries(v.attrs)) p.setAttribute('data-' + k, val);
      });
      root.dataset.seq = r.seq;
      root.dataset.state = current ? 'ready' : 'busy';
      field('status').textContent = current ? ('updated in ' + r.ms.toFixed(0) + ' ms') : 'computing…';
    });
  }
  // GoNB's connection (globalThis.gonb_comm) may fail and be replaced by a new
  // one: attach to whichever is current, and greet the program on each.
  let comm = null, greeted = false, sentAt = 0;
  const send = (cmd) => {
    if (closed || !comm) return;
    const s = state(cmd);
    latest = s.seq;
    sentAt = Date.now();
    if (cmd !== 'hello') { root.dataset.state = 'busy'; field('status').textContent = 'computing…'; }
    comm.send(cfg.in, JSON.stringify(s));
  };
  const receive = (address, value) => {
    let r;
    try { r = JSON.parse(value); } catch (err) { console.error('protoseg-explore', err); return; }
    if (r.ping) { if (!greeted) send('hello'); return; }
    greeted = true;
    apply(r);
  };
  for (const name of ['dataset', 'rank', 'mode', 'layer', 'unit', 'compare', 'layer2']) {
    const el = ctl(name);
    el.addEventListener(el.tagName === 'SELECT' ? 'change' : 'input', () => { labels(); send('update'); });
  }
  ctl('close').addEventListener('click', () => { send('close'); closed = true; root.dataset.state = 'closed'; field('status').textContent = 'done'; });
  apply(Object.assign({}, first, {seq: 0}));
  labels();
  root.dataset.state = 'connecting';
  let waited = 0;
  const watch = setInterval(() => {
    const c = globalThis.gonb_comm;
    if (closed) { clearInterval(watch); return; }
    // On a replaced connection, resend the controls' state: a change sent on the
    // old one may have been lost.
    if (c && c !== comm) { comm = c; c.subscribe(cfg.out, receive); send(greeted ? 'update' : 'hello'); }
    // A request or its reply can be lost while the kernel is busy: when no answer
    // came within 2 s (a view takes tens of ms), send the latest state again.
    else if (greeted && root.dataset.state === 'busy' && Date.now() - sentAt > 2000) { send('update'); }
    if (!greeted && ++waited === 600) { field('status').textContent = 'no connection to the GoNB kernel yet: the view will not update'; }
  }, 100);
})();
</script>`,
		uid, 2*PanelSide+gap,
		opts(datasets, datasets, s.Dataset), max(0, first.Images-1), s.Rank,
		opts(modeNames(), modeNames(), s.Mode.String()), s.Layer, units.String(),
		opts([]string{CompareNone, CompareLayers, CompareModels}, []string{"off", "two layers", "offline vs online"}, s.Compare),
		s.Layer2, view(0), view(1), cfg, firstJSON)
}
