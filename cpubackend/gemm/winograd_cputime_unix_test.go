//go:build unix

package gemm

import (
	"syscall"
	"time"
)

// winoCPUTime returns the process's user+system CPU time (0 if unknown).
func winoCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
