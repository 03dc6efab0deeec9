package data

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// The keys of a case file's non-feature arrays (the layout nnU-Net's predictor
// writes, plus the feature maps): the softmax "probabilities" K × [D ×] H × W, or
// a binary (or foreground-probability) "output" [D ×] H × W, and an optional
// integer ground truth "label" [D ×] H × W.
const (
	ProbabilitiesKey = "probabilities"
	OutputKey        = "output"
	LabelKey         = "label"
)

// ErrNoCases is returned by [ListCases] for a directory without .npz files.
var ErrNoCases = errors.New("no .npz case files")

// ListCases returns the .npz files of dir sorted by file name (one case each).
func ListCases(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("data: cases: %w", err)
	}
	var paths []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".npz") && !strings.HasPrefix(e.Name(), "._") {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("data: %s: %w (want one <case>.npz per case)", dir, ErrNoCases)
	}
	sort.Strings(paths)
	return paths, nil
}

// InFile returns err naming path once: wrapped as "path: err" unless its text
// already names path.
func InFile(path string, err error) error {
	if err == nil || strings.Contains(err.Error(), path) {
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}

// Case is one open per-case .npz file: its feature layers (every array but
// probabilities/output/label, in file order) and its network output. Arrays are
// read one at a time, on demand. Close it when done.
type Case struct {
	// Name is the file name without ".npz"; Path the file.
	Name, Path string
	// Output is the key of the network output: [ProbabilitiesKey] or [OutputKey].
	Output string
	// HasLabel reports a "label" array.
	HasLabel bool
	// Layers are the feature arrays' names in file (zip directory) order.
	Layers []string
	z      *NPZ
}

// OpenCase opens the case file at path and sorts its arrays into output, label and
// layers. A file with neither or both of probabilities and output, or without
// feature layers, is an error naming the file.
func OpenCase(path string) (*Case, error) {
	z, err := OpenNPZ(path)
	if err != nil {
		return nil, InFile(path, err)
	}
	return newCase(z, path)
}

// newCase sorts the arrays of the open archive z; it closes z on error.
func newCase(z *NPZ, path string) (*Case, error) {
	c := &Case{Name: strings.TrimSuffix(filepath.Base(path), ".npz"), Path: path, z: z}
	for _, name := range z.Names() {
		switch name {
		case ProbabilitiesKey, OutputKey:
			if c.Output != "" {
				z.Close()
				return nil, fmt.Errorf("data: %s: holds both %q and %q (want one network output)", path, c.Output, name)
			}
			c.Output = name
		case LabelKey:
			c.HasLabel = true
		default:
			c.Layers = append(c.Layers, name)
		}
	}
	if c.Output == "" {
		z.Close()
		return nil, fmt.Errorf("data: %s: no %q or %q array (the file holds %s)", path, ProbabilitiesKey, OutputKey, strings.Join(z.Names(), ", "))
	}
	if len(c.Layers) == 0 {
		z.Close()
		return nil, fmt.Errorf("data: %s: no feature arrays besides %q", path, c.Output)
	}
	return c, nil
}

// Close closes the case file.
func (c *Case) Close() error { return c.z.Close() }

// read reads one array and refuses NaN or ±Inf values, naming the first.
func (c *Case) read(name string) (*Array, error) {
	a, err := c.z.Read(name)
	if err != nil {
		return nil, InFile(c.Path, err)
	}
	if n := a.CountNonFinite(); n > 0 {
		i := 0
		for ; i < a.Len(); i++ {
			if v := a.At(i); math.IsNaN(v) || math.IsInf(v, 0) {
				break
			}
		}
		return nil, fmt.Errorf("data: %s: array %q (%s, shape %v): %d NaN or Inf values (the first, %g, at flat index %d)",
			c.Path, name, a.DType, a.Shape, n, a.At(i), i)
	}
	return a, nil
}

// Layer reads the feature array name, which must be C × spatial... with spatial
// no larger than the output's (smaller features are up-sampled; larger ones are an
// error).
func (c *Case) Layer(name string, spatial []int) (*Array, error) {
	a, err := c.read(name)
	if err != nil {
		return nil, err
	}
	if a.DType != "float16" && a.DType != "float32" && a.DType != "float64" {
		return nil, fmt.Errorf("data: %s: array %q: dtype %s (features must be float16, float32 or float64)", c.Path, name, a.DType)
	}
	if len(a.Shape) != len(spatial)+1 {
		return nil, fmt.Errorf("data: %s: array %q shaped %v: want C × %s, %d axes, like the %q shaped %v",
			c.Path, name, a.Shape, axesWord(len(spatial)), len(spatial)+1, c.Output, spatial)
	}
	for i, d := range a.Shape[1:] {
		if d > spatial[i] {
			return nil, fmt.Errorf("data: %s: array %q shaped %v: spatial size %v is larger than the output's %v (features may be smaller, they are up-sampled, never larger)",
				c.Path, name, a.Shape, a.Shape[1:], spatial)
		}
	}
	return a, nil
}

func axesWord(rank int) string {
	if rank == 3 {
		return "D × H × W"
	}
	return "H × W"
}

// CaseOutput is the network output (and ground truth) of one case, as ProtoSeg
// uses it: a foreground map for the prototypes and a binary truth for the score.
type CaseOutput struct {
	// Spatial is the output's spatial shape, [H, W] or [D, H, W].
	Spatial []int
	// Classes is K, the number of probability channels (2 for a binary output).
	Classes int
	// Foreground is B, shaped [1, spatial...] in [0,1]: 1 − probabilities[0],
	// probabilities[class] for class ≥ 1, or the output itself.
	Foreground *Array
	// Truth is G, shaped [1, spatial...], 0/1: label > 0, or label == class for
	// class ≥ 1; nil without a label.
	Truth *Array
	// Predicted is the argmax over the probability channels per voxel (ties to the
	// lower class), nil for a binary output; Label the label map, nil without one.
	Predicted, Label []int32
}

// ReadOutput reads the case's output and label. class 0 takes everything but
// class 0 as the foreground; class k ≥ 1 takes class k (it must be < K).
func (c *Case) ReadOutput(class int) (*CaseOutput, error) {
	a, err := c.read(c.Output)
	if err != nil {
		return nil, err
	}
	out := &CaseOutput{Classes: 2}
	if c.Output == ProbabilitiesKey {
		err = c.probabilities(a, class, out)
	} else {
		err = c.binaryOutput(a, out)
	}
	if err != nil {
		return nil, err
	}
	if c.HasLabel {
		if err := c.readLabel(class, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// inUnit checks that every value of a lies in [0,1].
func (c *Case) inUnit(a *Array) error {
	for i := range a.Len() {
		if v := a.At(i); v < 0 || v > 1 {
			return fmt.Errorf("data: %s: array %q shaped %v: value %g at flat index %d is outside [0,1]", c.Path, a.Name, a.Shape, v, i)
		}
	}
	return nil
}

func (c *Case) binaryOutput(a *Array, out *CaseOutput) error {
	if r := len(a.Shape); r != 2 && r != 3 {
		return fmt.Errorf("data: %s: array %q shaped %v: want [D ×] H × W", c.Path, a.Name, a.Shape)
	}
	if err := c.inUnit(a); err != nil {
		return err
	}
	out.Spatial = a.Shape
	out.Foreground = &Array{Name: a.Name, Shape: append([]int{1}, a.Shape...), DType: "float32", Float32: make([]float32, a.Len())}
	for i := range a.Len() {
		out.Foreground.Float32[i] = float32(a.At(i))
	}
	return nil
}

func (c *Case) probabilities(a *Array, class int, out *CaseOutput) error {
	if r := len(a.Shape); (r != 3 && r != 4) || a.Shape[0] < 2 {
		return fmt.Errorf("data: %s: array %q shaped %v: want K × [D ×] H × W with K ≥ 2 classes", c.Path, a.Name, a.Shape)
	}
	k := a.Shape[0]
	if class < 0 || class >= k {
		return fmt.Errorf("data: %s: array %q shaped %v has %d classes: no class %d", c.Path, a.Name, a.Shape, k, class)
	}
	if err := c.inUnit(a); err != nil {
		return err
	}
	out.Spatial, out.Classes = a.Shape[1:], k
	n := a.Len() / k
	fg := make([]float32, n)
	out.Predicted = make([]int32, n)
	for p := range n {
		if class == 0 {
			fg[p] = float32(1 - a.At(p))
		} else {
			fg[p] = float32(a.At(class*n + p))
		}
		best := 0
		for j := 1; j < k; j++ {
			if a.At(j*n+p) > a.At(best*n+p) {
				best = j
			}
		}
		out.Predicted[p] = int32(best)
	}
	out.Foreground = &Array{Name: a.Name, Shape: append([]int{1}, out.Spatial...), DType: "float32", Float32: fg}
	return nil
}

// readLabel reads the label map: integers in 0…K−1 (any integer ≥ 0 beside a
// binary output), shaped like the output's spatial axes.
func (c *Case) readLabel(class int, out *CaseOutput) error {
	a, err := c.read(LabelKey)
	if err != nil {
		return err
	}
	if !slices.Equal(a.Shape, out.Spatial) {
		return fmt.Errorf("data: %s: array %q shaped %v differs from the output's spatial shape %v", c.Path, LabelKey, a.Shape, out.Spatial)
	}
	limit := math.Inf(1)
	if c.Output == ProbabilitiesKey {
		limit = float64(out.Classes - 1)
	}
	out.Label = make([]int32, a.Len())
	g := make([]float32, a.Len())
	for i := range a.Len() {
		v := a.At(i)
		if v != math.Trunc(v) || v < 0 || v > limit || v > math.MaxInt32 {
			want := "an integer ≥ 0"
			if !math.IsInf(limit, 1) {
				want = fmt.Sprintf("a class 0…%g of the %d in %q", limit, out.Classes, ProbabilitiesKey)
			}
			return fmt.Errorf("data: %s: array %q shaped %v: value %g at flat index %d is not %s", c.Path, LabelKey, a.Shape, v, i, want)
		}
		out.Label[i] = int32(v)
		if (class == 0 && v > 0) || (class > 0 && int(v) == class) {
			g[i] = 1
		}
	}
	out.Truth = &Array{Name: LabelKey, Shape: append([]int{1}, out.Spatial...), DType: "float32", Float32: g}
	return nil
}
