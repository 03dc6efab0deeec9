package cpubackend

import (
	"fmt"
	"os"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/protoseg-go/protoseg-go/cpubackend/simplego"
)

// BackendName is the name to use in GOMLX_BACKEND for this backend.
const BackendName = "cpu"

func init() {
	backends.Register(BackendName, New)
	if _, set := os.LookupEnv(backends.ConfigEnvVar); !set {
		backends.DefaultConfig = BackendName
	}
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
	return "protoseg CPU backend (simplego with Pad, Reverse and stall-free execution)"
}

// Builder implements backends.Backend.
func (b *Backend) Builder(name string) backends.Builder {
	return &Builder{Builder: b.Backend.Builder(name)}
}

// Builder wraps simplego's builder, adding the ops it lacks.
type Builder struct {
	backends.Builder
}

// Slice implements backends.Builder, copying the index slices (simplego keeps them)
// and filling in unit strides when none are given.
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

// zeros returns a block of fillValue with the given shape.
func (b *Builder) fill(fillValue backends.Op, shape shapes.Shape) (backends.Op, error) {
	return b.Builder.BroadcastInDim(fillValue, shape, nil)
}

// Pad implements backends.Builder: low/high padding (negative values crop) and
// interior padding along each axis.
func (b *Builder) Pad(x, fillValue backends.Op, axesConfig ...backends.PadAxis) (backends.Op, error) {
	shape, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	if len(axesConfig) > shape.Rank() {
		return nil, fmt.Errorf("cpubackend: Pad of rank-%d operand with %d axes", shape.Rank(), len(axesConfig))
	}
	for axis, cfg := range axesConfig {
		if cfg.Interior > 0 {
			if x, err = b.interior(x, fillValue, axis, cfg.Interior); err != nil {
				return nil, err
			}
		}
		if x, err = b.padEdges(x, fillValue, axis, cfg.Start, cfg.End); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// padEdges adds (or, when negative, crops) start and end elements along axis.
func (b *Builder) padEdges(x, fillValue backends.Op, axis, start, end int) (backends.Op, error) {
	if start == 0 && end == 0 {
		return x, nil
	}
	shape, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	if start < 0 || end < 0 { // crop first
		starts, limits := make([]int, shape.Rank()), slices.Clone(shape.Dimensions)
		if start < 0 {
			starts[axis], start = -start, 0
		}
		if end < 0 {
			limits[axis] += end
			end = 0
		}
		if x, err = b.Slice(x, starts, limits, nil); err != nil {
			return nil, err
		}
		if shape, err = b.OpShape(x); err != nil {
			return nil, err
		}
	}
	parts := make([]backends.Op, 0, 3)
	for _, n := range []int{start, -1, end} {
		if n == -1 {
			parts = append(parts, x)
			continue
		}
		if n == 0 {
			continue
		}
		dims := slices.Clone(shape.Dimensions)
		dims[axis] = n
		block, err := b.fill(fillValue, shapes.Make(shape.DType, dims...))
		if err != nil {
			return nil, err
		}
		parts = append(parts, block)
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return b.Builder.Concatenate(axis, parts...)
}

// interior inserts k fill values between consecutive elements along axis: reshape
// to add a unit axis after it, concatenate k fill blocks there, reshape back and
// drop the trailing fill.
func (b *Builder) interior(x, fillValue backends.Op, axis, k int) (backends.Op, error) {
	shape, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	n := shape.Dimensions[axis]
	expanded := slices.Insert(slices.Clone(shape.Dimensions), axis+1, 1)
	xe, err := b.Builder.Reshape(x, expanded...)
	if err != nil {
		return nil, err
	}
	blockDims := slices.Clone(expanded)
	blockDims[axis+1] = k
	block, err := b.fill(fillValue, shapes.Make(shape.DType, blockDims...))
	if err != nil {
		return nil, err
	}
	joined, err := b.Builder.Concatenate(axis+1, xe, block)
	if err != nil {
		return nil, err
	}
	flatDims := slices.Clone(shape.Dimensions)
	flatDims[axis] = n * (k + 1)
	flat, err := b.Builder.Reshape(joined, flatDims...)
	if err != nil {
		return nil, err
	}
	return b.padEdges(flat, fillValue, axis, 0, -k)
}

// Reverse implements backends.Builder by slicing every element of the reversed
// axes and concatenating them in reverse order.
func (b *Builder) Reverse(x backends.Op, axes ...int) (backends.Op, error) {
	for _, axis := range axes {
		shape, err := b.OpShape(x)
		if err != nil {
			return nil, err
		}
		n := shape.Dimensions[axis]
		if n <= 1 {
			continue
		}
		parts := make([]backends.Op, n)
		for i := range n {
			starts, limits := make([]int, shape.Rank()), slices.Clone(shape.Dimensions)
			starts[axis], limits[axis] = i, i+1
			if parts[n-1-i], err = b.Slice(x, starts, limits, nil); err != nil {
				return nil, err
			}
		}
		if x, err = b.Builder.Concatenate(axis, parts...); err != nil {
			return nil, err
		}
	}
	return x, nil
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
