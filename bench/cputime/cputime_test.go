package cputime

import (
	"runtime"
	"testing"
)

// TestProcessGrows checks that busy work on this goroutine adds CPU time
// (on unix; elsewhere Process reads 0).
func TestProcessGrows(t *testing.T) {
	t0 := Process()
	x := 1.0
	for i := range 20_000_000 {
		x += float64(i%7) * 1e-9
	}
	t1 := Process()
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		if t0 != 0 || t1 != 0 {
			t.Fatalf("Process() = %v, %v on %s, want 0", t0, t1, runtime.GOOS)
		}
		return
	}
	if t1 <= t0 {
		t.Fatalf("CPU time did not grow over busy work: %v → %v (x = %g)", t0, t1, x)
	}
}
