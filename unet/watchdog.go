package unet

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"
)

// watchdog turns a stalled training run into an error: run calls fn in its own
// goroutine, and fn calls beat after every step; if timeout passes without a beat,
// run writes a dump of every goroutine's stack to dir and returns an error naming
// it, without waiting for fn (whose goroutine is left behind: a stalled step cannot
// be cancelled). A timeout ≤ 0 runs fn directly.
type watchdog struct {
	timeout time.Duration
	dir     string
	last    atomic.Int64 // time of the last beat, in Unix nanoseconds
}

// beat records that training made progress.
func (w *watchdog) beat() { w.last.Store(time.Now().UnixNano()) }

// run runs fn under the watchdog.
func (w *watchdog) run(fn func() error) error {
	if w.timeout <= 0 {
		return fn()
	}
	w.beat()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	tick := time.NewTicker(min(w.timeout/4, time.Second))
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
			idle := time.Since(time.Unix(0, w.last.Load()))
			if idle < w.timeout {
				continue
			}
			stacks := make([]byte, 1<<20)
			stacks = stacks[:runtime.Stack(stacks, true)]
			path := filepath.Join(w.dir, fmt.Sprintf("stall-%s.txt", time.Now().UTC().Format("20060102T150405")))
			if err := os.WriteFile(path, stacks, 0o644); err != nil {
				return fmt.Errorf("unet: no training step finished in %v (stalled); writing the goroutine dump: %w", idle.Round(time.Second), err)
			}
			return fmt.Errorf("unet: no training step finished in %v (stalled); goroutine dump in %s", idle.Round(time.Second), path)
		}
	}
}
