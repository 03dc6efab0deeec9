//go:build unix

package unet

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user + system) this process has used: on a machine
// shared with other jobs it measures the work of a step better than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
