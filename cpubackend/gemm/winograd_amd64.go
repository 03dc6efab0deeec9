//go:build amd64 && !purego

package gemm

import "unsafe"

// The assembly transforms of winograd_amd64.s (generated; see
// winograd_transforms.go for their contracts, and the Go versions that
// define their float32 operation order).

//go:noescape
func winoInputAVX512(v, r0, r1, r2, r3 unsafe.Pointer, vs, cin, tw, cv int)

//go:noescape
func winoOutputAVX512(o, m unsafe.Pointer, ms, ldo, cout, tw, cv int)

//go:noescape
func winoWeightsAVX512(u, wt unsafe.Pointer, panel, cin, cout, rows int)

//go:noescape
func winoInputAVX2(v, r0, r1, r2, r3 unsafe.Pointer, vs, cin, tw, cv int)

//go:noescape
func winoOutputAVX2(o, m unsafe.Pointer, ms, ldo, cout, tw, cv int)

//go:noescape
func winoWeightsAVX2(u, wt unsafe.Pointer, panel, cin, cout, rows int)

func init() { selectWinograd(cpuKernels()) }

// selectWinograd installs the Winograd transforms for a CPU with (or
// without) AVX2 and with (or without) AVX-512F; tests call it to force each
// path (never while a convolution is running).
func selectWinograd(avx2, avx512 bool) {
	switch {
	case avx512:
		winoK = winoImpl{lanes: 16, name: "avx512", input: winoInputAVX512, output: winoOutputAVX512, weights: winoWeightsAVX512,
			input8: winoInputAVX2, output8: winoOutputAVX2}
	case avx2:
		winoK = winoImpl{lanes: 8, name: "avx2", input: winoInputAVX2, output: winoOutputAVX2, weights: winoWeightsAVX2}
	default:
		winoK = winoImpl{name: "go"}
	}
}
