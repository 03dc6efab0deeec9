//go:build !amd64 || purego

package gemm

// selectWinograd installs the Go transforms whatever it is asked for (no
// assembly on this platform).
func selectWinograd(avx2, avx512 bool) { winoK = winoImpl{name: "go"} }
