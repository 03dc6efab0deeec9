// Package cputime reads the CPU time a process has used, for benchmarks: on a
// machine shared with other jobs, the work of a step is measured better by
// its CPU time than by its wall time, which swings with the load.
package cputime

import "time"

// Process returns the CPU time (user and system, every thread together) the
// process has used so far; zero where the platform does not say (see
// cputime_unix.go).
func Process() time.Duration { return process() }
