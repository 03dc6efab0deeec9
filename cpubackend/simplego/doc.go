// Package simplego is protoseg-go's fork of GoMLX's pure-Go backend
// (github.com/gomlx/gomlx/backends/simplego v0.26.0, Apache-2.0, see LICENSE),
// constructed directly by package cpubackend. It does not register itself
// with backends.Register (upstream registers "go"; both can coexist).
//
// Changes from upstream:
//
//   - Imports of github.com/gomlx/gomlx/internal/... replaced by small local
//     packages (cpubackend/internal/exceptions; a testify stand-in for tests).
//   - BackendName is "cpu"; no init registration.
package simplego
