//go:build cgo

package main

// XLA ("xla", e.g. GOMLX_BACKEND=xla:cuda) needs cgo; where a C compiler is missing
// (CGO_ENABLED=0) the command builds without it and runs on the CPU backends.
import _ "github.com/gomlx/gomlx/backends/xla"
