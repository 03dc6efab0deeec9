package main

import (
	"os"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // stock pure Go ("go")
	"github.com/protoseg-go/protoseg-go/cpubackend"
)

// newBackend returns the GoMLX backend chosen by $GOMLX_BACKEND (e.g. "cpu",
// "go", or "xla:cuda" on a GPU machine with the PJRT plugin installed — see
// backend_xla.go) or, when unset, the project's CPU backend.
func newBackend() (backends.Backend, error) {
	if _, ok := os.LookupEnv(backends.ConfigEnvVar); ok {
		cpubackend.Register()
		return backends.New()
	}
	return cpubackend.New("")
}
