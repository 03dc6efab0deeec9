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
	"github.com/protoseg-go/protoseg-go/unet"
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

// Show draws the controls (dataset, test image ranked by μ, for a volume the
// axis and slice shown, model, layer, unit, side-by-side mode) and a view that updates in place on every change, in
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
	first, err := e.Initial(initial)
	if err != nil {
		return err
	}
	uid := gonbui.UniqueId()
	c := openConn(uid)
	defer c.close()
	displayID := "protoseg-explore-" + uid
	gonbui.UpdateHtml(displayID, page(uid, c.in, c.out, e.datasets, first))
	last, greeted := e.serve(c, first)
	gonbui.UpdateHtml(displayID, "")
	gonbui.DisplayHtml(static(last, greeted))
	return nil
}

// Initial is the reply Show opens with: the views of initial with what it
// leaves unset filled in (the first dataset, layer 18, second layer 1, the
// online model). It first computes the dataset's results (training what is
// missing) and the analyses of the chosen image at every layer, which compiles
// the graphs of every layer shape once, so later changes are quick.
func (e *Explorer) Initial(initial State) (Reply, error) {
	s := initial.withDefaults(e.datasets[0])
	if _, err := e.Results(s.Dataset); err != nil {
		return Reply{}, err
	}
	if err := e.Warm(Choice{Dataset: s.Dataset, Rank: s.Rank, Mode: s.Mode}); err != nil {
		return Reply{}, err
	}
	first := e.Answer(s)
	if first.Error != "" {
		return Reply{}, fmt.Errorf("explore: %s", first.Error)
	}
	return first, nil
}

// withDefaults fills in what s leaves unset: dataset, the last layer, the first
// layer as the second one, and the online model.
func (s State) withDefaults(dataset string) State {
	if s.Dataset == "" {
		s.Dataset = dataset
	}
	if s.Layer == 0 {
		s.Layer = unet.NumLayers
	}
	if s.Layer2 == 0 {
		s.Layer2 = 1
	}
	if s.Mode == "" {
		s.Mode = unet.Online
	}
	return s
}

// Defaults of the page's connection.
const (
	defaultWait = 15   // seconds, see EnvWait
	defaultIdle = 1800 // seconds, see EnvIdle
	// pingEvery is how often Show pings the page until it answers.
	pingEvery = 2 * time.Second
	// queueLen is how many of the page's messages wait to be read; more are dropped.
	queueLen = 256
)

// conn is the page's connection: the comms address it sends to (in), the one
// it listens on (out), and the queue of what it sent.
type conn struct {
	in, out string
	msgs    chan string
	sub     comms.SubscriptionId
}

// openConn subscribes to the page's messages.
func openConn(uid string) *conn {
	c := &conn{in: "/protoseg-explore/" + uid + "/in", out: "/protoseg-explore/" + uid + "/out", msgs: make(chan string, queueLen)}
	c.sub = comms.Subscribe(c.in, func(_ string, v string) {
		select {
		case c.msgs <- v:
		default: // the page sends far faster than we render: drop, a later state follows
		}
	})
	return c
}

func (c *conn) close() { comms.Unsubscribe(c.sub) }

// latest coalesces the queue: the newest of m and what is queued after it.
func (c *conn) latest(m string) string {
	for {
		select {
		case m2 := <-c.msgs:
			m = m2
		default:
			return m
		}
	}
}

// serve answers the page until it closes, EnvIdle passes without a change, or,
// before it ever answered, EnvWait passes. It returns the last view shown and
// whether the page answered.
//
// Until the page answers, it pings it now and then: each message makes the
// kernel (re)install its browser connection if the last try failed (its 500 ms
// handshake can miss while the kernel is busy running the cell).
func (e *Explorer) serve(c *conn, first Reply) (last Reply, greeted bool) {
	last = first
	idle := envSeconds(EnvIdle, defaultIdle)
	timer := time.NewTimer(envSeconds(EnvWait, defaultWait))
	defer timer.Stop()
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-timer.C:
			return last, greeted
		case <-ping.C:
			if greeted {
				ping.Stop()
				continue
			}
			send(c.out, Reply{Seq: -1, Ping: true})
		case m := <-c.msgs:
			var s State
			if err := json.Unmarshal([]byte(c.latest(m)), &s); err != nil {
				continue
			}
			greeted = true
			timer.Reset(idle)
			if s.Cmd == "close" {
				return last, greeted
			}
			last = e.respond(c.out, s, last)
		}
	}
}

// respond answers one state of the page and returns the last view shown: to
// "hello", the last view again with the page's sequence number; to a change,
// its views (or the error).
func (e *Explorer) respond(out string, s State, last Reply) Reply {
	if s.Cmd == "hello" {
		r := last
		r.Seq = s.Seq
		send(out, r)
		return last
	}
	r := e.Answer(s)
	if r.Error == "" {
		last = r
	}
	send(out, r)
	return last
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
