//go:build unix

package measure

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) the process has used so
// far, every thread together; zero where it cannot be read.
func processCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
