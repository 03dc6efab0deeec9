//go:build !unix

package measure

import "time"

// processCPU: not measured on this platform.
func processCPU() time.Duration { return 0 }
