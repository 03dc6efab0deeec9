package study

import (
	"strings"
	"sync"
	"testing"
)

// Lines are written whole with their prefix; a progress bar keeps its last state.
func TestLineLog(t *testing.T) {
	var b strings.Builder
	l := &lineLog{mu: &sync.Mutex{}, w: &b, prefix: "[seed 2] "}
	for _, p := range []string{"epoch 1 step 1\repoch 1 st", "ep 2\repoch 1 done\nnext", " line\nunfinished"} {
		if _, err := l.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	l.flush()
	want := "[seed 2] epoch 1 done\n[seed 2] next line\n[seed 2] unfinished\n"
	if b.String() != want {
		t.Fatalf("log %q, want %q", b.String(), want)
	}
}
