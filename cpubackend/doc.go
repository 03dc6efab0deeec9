// Package cpubackend is the project's CPU backend for GoMLX, named "cpu".
//
// Selecting it is explicit: importing the package changes nothing in GoMLX's
// backend registry or its default (backends.DefaultConfig). Callers construct
// it with New (as cmd/protoseg does when $GOMLX_BACKEND is unset, and as the
// tests, study, explore and the notebooks do), or call Register to make "cpu"
// selectable through backends.New and $GOMLX_BACKEND (cmd/protoseg registers
// it before honouring GOMLX_BACKEND=cpu, =go or =xla:cuda).
//
// It runs on cpubackend/simplego, a fork of GoMLX's pure-Go backend simplego
// v0.26.0 whose hot ops use the kernels of cpubackend/gemm (see the fork's
// package documentation for the list of changes): float32 DotGeneral as packed
// AVX2/FMA matrix products, GoMLX's DotGeneral gradient fused back into
// products, the im2col convolution of package unet fused into gemm.Conv3x3 and
// its gradient into one col2im pass, strided views instead of copies for
// Slice/Broadcast/Reverse, Pad and Reverse as real ops, and parallel
// contiguous loops for element-wise ops and reductions.
//
// This package adds what stays a wrapper: unit strides and dilations for
// ConvGeneral when the caller (GoMLX's convolution gradient) passes none, and
// unit strides for Slice.
//
// Ops run one after the other ("ops_sequential") and each kernel uses both
// cores with plain goroutines: upstream simplego's parallel executor can stall
// for good when every worker slot is held by an op waiting for a slot of the
// same pool (nested waits in its DotGeneral, docs/design.md §7). TestNoStall runs 200
// training steps of a U-Net-like graph under a deadline and fails with a
// goroutine dump on a stall.
//
// New accepts the fork's configuration keys; "reference" selects upstream's
// kernels (for comparisons). $CPUBACKEND_OPSTATS=file profiles time per op.
//
// # Re-syncing the fork
//
// cpubackend/simplego is kept mechanical to re-sync with upstream. Its files
// are upstream-derived (byte-identical to simplego v0.26.0 after a scripted
// rewrite, plus one-statement hooks that end in a "// fork:" comment and call
// into fork_hooks.go) or fork-only (no upstream file of that name: fork_*.go,
// fast_*.go, fuse_*.go, opstats.go, parallel.go, doc.go, LICENSE). The script
// cpubackend/resync.sh holds the rewrite (imports of GoMLX internals and
// testify pointed at local stand-ins, upstream's package doc, init
// registration and go:generate lines dropped, two printf fixes for go vet) and:
//
//	cpubackend/resync.sh list          # upstream-derived (with hook counts), fork-only, not carried
//	cpubackend/resync.sh diff          # the hooks: the only differences; exit 1 on anything else
//	cpubackend/resync.sh copy          # re-copy the upstream files (drops the hooks)
//	cpubackend/resync.sh update v0.x.y # copy a newer simplego and re-apply the hooks with patch
//
// To move to a newer GoMLX: go get github.com/gomlx/gomlx@v0.x.y, run
// `cpubackend/resync.sh update v0.x.y`, place any hook that did not apply by
// hand (its context moved; the *.rej file shows it), set BASE in the script,
// add new upstream files that should not be carried to NOT_CARRIED, run
// `go generate ./cpubackend/simplego` (fast_binary_gen.go), then
// `cpubackend/resync.sh diff` (must exit 0), go vet ./... and go test ./...,
// including unet's TestFusionsFire, which fails when a fusion stops firing.
// Hooks are kept few; a new fast path goes into a fork-only file and, where
// it must intercept upstream code, into fork_hooks.go behind one new hook.
package cpubackend
