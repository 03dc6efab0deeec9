// Package exceptions is a small local equivalent of GoMLX's internal/exceptions
// package, used by the simplego fork.
package exceptions

import (
	"runtime"

	"github.com/pkg/errors"
)

// Panicf panics with an error built from the format and arguments.
func Panicf(format string, args ...any) {
	panic(errors.Errorf(format, args...))
}

// Try calls fn and returns the value it panicked with (nil if none); runtime
// errors are wrapped into errors.
func Try(fn func()) (exception any) {
	defer func() {
		exception = recover()
		if re, ok := exception.(runtime.Error); ok {
			exception = errors.Wrap(re, "runtime panic: ")
		}
	}()
	fn()
	return nil
}
