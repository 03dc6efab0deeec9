package explore

import (
	"encoding/json"
	"fmt"
	"html"
	"os"
	"strconv"
	"strings"
	"time"

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
		initial.Mode = "online"
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
