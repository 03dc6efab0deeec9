package cpubackend

import (
	"fmt"
	"slices"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/protoseg-go/protoseg-go/cpubackend/simplego"
)

// BackendName is the name of this backend, in GoMLX's registry (after
// Register) and in $GOMLX_BACKEND.
const BackendName = "cpu"

var registerOnce sync.Once

// Register adds the backend to GoMLX's registry under BackendName, so that
// backends.New and backends.NewWithConfig accept "cpu" (e.g. from
// $GOMLX_BACKEND). It leaves backends.DefaultConfig alone, and importing the
// package registers nothing: a caller selects the backend explicitly, with
// New or with Register. Calling it again does nothing.
func Register() {
	registerOnce.Do(func() { backends.Register(BackendName, New) })
}

// Backend is simplego with the op gaps filled; see the package documentation.
type Backend struct {
	backends.Backend
}

// New returns a new CPU backend. The configuration is passed on to simplego
// (e.g. "dotgeneral_large"); ops always run sequentially.
func New(config string) (backends.Backend, error) {
	cfg := "ops_sequential"
	if config != "" {
		cfg += "," + config
	}
	inner, err := simplego.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("cpubackend: %w", err)
	}
	return &Backend{Backend: inner}, nil
}

// Name implements backends.Backend.
func (b *Backend) Name() string { return BackendName }

// String implements backends.Backend.
func (b *Backend) String() string { return BackendName }

// Description implements backends.Backend.
func (b *Backend) Description() string {
	return "protoseg CPU backend (fork of simplego with gemm kernels, fast paths and stall-free execution)"
}

// Builder implements backends.Backend.
func (b *Backend) Builder(name string) backends.Builder {
	return &Builder{Builder: b.Backend.Builder(name)}
}

// Builder wraps simplego's builder, adding the ops it lacks.
type Builder struct {
	backends.Builder
}

// Slice implements backends.Builder, filling in unit strides when none are given.
func (b *Builder) Slice(x backends.Op, starts, limits, strides []int) (backends.Op, error) {
	strides = slices.Clone(strides)
	if len(strides) == 0 {
		strides = make([]int, len(starts))
		for i := range strides {
			strides[i] = 1
		}
	}
	return b.Builder.Slice(x, slices.Clone(starts), slices.Clone(limits), strides)
}

// ConvGeneral implements backends.Builder, filling in unit strides and dilations
// where the caller (e.g. GoMLX's convolution gradient) passes none.
func (b *Builder) ConvGeneral(input, kernel backends.Op, axes backends.ConvolveAxesConfig, strides []int,
	paddings [][2]int, inputDilations, kernelDilations []int, channelGroupCount, batchGroupCount int) (backends.Op, error) {
	spatial := len(axes.InputSpatial)
	ones := func(v []int) []int {
		if len(v) != 0 {
			return slices.Clone(v)
		}
		v = make([]int, spatial)
		for i := range v {
			v[i] = 1
		}
		return v
	}
	if len(paddings) == 0 {
		paddings = make([][2]int, spatial)
	}
	return b.Builder.ConvGeneral(input, kernel, axes, ones(strides), slices.Clone(paddings),
		ones(inputDilations), ones(kernelDilations), max(channelGroupCount, 1), max(batchGroupCount, 1))
}
