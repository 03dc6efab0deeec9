package main

import (
	"os"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/default" // pure Go ("go") and, when a PJRT plugin is installed, XLA ("xla").
	"github.com/protoseg-go/protoseg-go/cpubackend"
)

// newBackend returns the GoMLX backend chosen by $GOMLX_BACKEND (e.g. "xla:cuda"
// on a GPU machine with the PJRT plugin installed) or, when unset, the project's
// CPU backend.
func newBackend() (backends.Backend, error) {
	if _, ok := os.LookupEnv(backends.ConfigEnvVar); ok {
		return backends.New()
	}
	return cpubackend.New("")
}
