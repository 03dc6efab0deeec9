//go:build !unix

package gemm

import "time"

// winoCPUTime returns 0: no CPU time on this platform.
func winoCPUTime() time.Duration { return 0 }
