package simplego

import "github.com/gomlx/gomlx/backends"

// The upstream tests (simplego_test.go's TestMain) create their backend with
// backends.MustNew() and GOMLX_BACKEND=go (or whatever the environment says);
// the fork registers nothing on import, so the test binary registers it under
// upstream's name and under "cpu" (the name the README documents).
func init() {
	backends.Register(BackendName, New)
	backends.Register("cpu", New)
}
