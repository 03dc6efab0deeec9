package unet

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// killChildEnv names the run folder a child process of TestKillAndResume trains in.
const killChildEnv = "UNET_TEST_KILL_CHILD_DIR"

var killTest = struct {
	cfg Config
	tc  TrainConfig
}{Config{Base: 4, InChannels: 1}, TrainConfig{Epochs: 3, Seed: 21, LearningRate: 3e-3}}

// TestKillAndResume trains 3 epochs in a child process, kills it (SIGKILL) as soon
// as the first epoch is in the history, resumes in this process, and checks that
// the run reaches epoch 3 with its history intact and the same weights as an
// uninterrupted run with the same seed.
func TestKillAndResume(t *testing.T) {
	ds := discs(48, 32, 1)
	if dir := os.Getenv(killChildEnv); dir != "" { // the child: train until killed
		if _, err := Train(testBackend(t), killTest.cfg, killTest.tc, ds, dir, nil); err != nil {
			t.Fatal(err)
		}
		return
	}
	if testing.Short() {
		t.Skip("trains twice")
	}
	dir := filepath.Join(t.TempDir(), "killed")
	child := exec.Command(os.Args[0], "-test.run=^TestKillAndResume$")
	child.Env = append(os.Environ(), killChildEnv+"="+dir)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if hist, _ := ReadHistory(dir); len(hist) >= 1 {
			break
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatal("the child did not finish an epoch in 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	before, err := ReadHistory(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) >= killTest.tc.Epochs {
		t.Skipf("the child finished all %d epochs before the kill", len(before))
	}

	var log bytes.Buffer
	backend := testBackend(t)
	resumed, err := Train(backend, killTest.cfg, killTest.tc, ds, dir, &log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "resuming after epoch") {
		t.Fatalf("no resumption reported:\n%s", log.String())
	}
	hist, err := ReadHistory(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 {
		t.Fatalf("history after resuming: %+v", hist)
	}
	for i, e := range hist {
		if e.Epoch != i+1 {
			t.Fatalf("history line %d is epoch %d: %+v", i, e.Epoch, hist)
		}
	}
	if hist[0] != before[0] {
		t.Fatalf("epoch 1 of the history changed: %+v → %+v", before[0], hist[0])
	}
	whole, err := Train(backend, killTest.cfg, killTest.tc, ds, filepath.Join(t.TempDir(), "whole"), nil)
	if err != nil {
		t.Fatal(err)
	}
	va, vb := variables(t, resumed), variables(t, whole)
	for name, x := range va {
		y := vb[name]
		for i := range x {
			if x[i] != y[i] {
				t.Fatalf("%s[%d]: resumed %v, uninterrupted %v", name, i, x[i], y[i])
			}
		}
	}
	t.Logf("killed after %d epoch(s); resumed to epoch 3 with the uninterrupted run's weights (test Dice %.3f)", len(before), hist[2].TestDice)
}

func TestWatchdog(t *testing.T) {
	dir := t.TempDir()
	w := &watchdog{timeout: 200 * time.Millisecond, dir: dir}
	block := make(chan struct{})
	defer close(block)
	start := time.Now()
	err := w.run(func() error { <-block; return nil })
	if err == nil || !strings.Contains(err.Error(), "stalled") {
		t.Fatalf("stalled function: err = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("stall reported after %v", time.Since(start))
	}
	dumps, _ := filepath.Glob(filepath.Join(dir, "stall-*.txt"))
	if len(dumps) != 1 {
		t.Fatalf("goroutine dumps: %v", dumps)
	}
	// A function that beats keeps running; its error comes back.
	sentinel := errors.New("done")
	err = w.run(func() error {
		for range 5 {
			time.Sleep(100 * time.Millisecond)
			w.beat()
		}
		return sentinel
	})
	if err != sentinel {
		t.Fatalf("beating function: err = %v", err)
	}
}

// TestProgressBarAndWatchdog trains with GoMLX's progress bar and the watchdog on.
func TestProgressBarAndWatchdog(t *testing.T) {
	ds := discs(12, 32, 6)
	tc := TrainConfig{Epochs: 1, Seed: 1, ProgressBar: true, StallTimeout: time.Minute}
	if _, err := Train(testBackend(t), Config{Base: 2, InChannels: 1}, tc, ds, t.TempDir(), nil); err != nil {
		t.Fatal(err)
	}
}
