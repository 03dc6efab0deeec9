package main

import (
	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
)

// newBackend returns the GoMLX backend chosen by $GOMLX_BACKEND, or the default.
func newBackend() (backends.Backend, error) {
	return backends.New()
}
