package main

import (
	"os"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/default" // pure Go ("go") and, when a PJRT plugin is installed, XLA ("xla").
)

// newBackend returns the GoMLX backend chosen by $GOMLX_BACKEND (e.g. "xla:cuda"
// on a GPU machine with the PJRT plugin installed) or, when unset, the pure-Go
// backend with its ops run one after the other, which avoids simplego's nested-pool
// stall (DESIGN §7).
func newBackend() (backends.Backend, error) {
	if _, ok := os.LookupEnv(backends.ConfigEnvVar); ok {
		return backends.New()
	}
	return backends.NewWithConfig("go:ops_sequential")
}
