package measure

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/gomlx/gomlx/backends"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/stats"
)

// CaseOptions are the choices of [AnalyzeCases].
type CaseOptions struct {
	// Class selects the foreground: 0 is everything but class 0 (1 − the
	// background probability; label > 0), k ≥ 1 is class k alone.
	Class int
	// MuLayers are the layers μ is taken over (default: the last two).
	MuLayers []string
}

// CaseReport is the analysis of a directory of per-case files: the shape of
// [FeatureReport] (Images is the number of cases; per layer SA[i] is case i's SA
// and UnitMeanSA the mean over cases of each unit's SA; Shape is the array's
// shape in the first case), plus the case names, and per-class layer SA when the
// output has more than two classes.
type CaseReport struct {
	FeatureReport
	// Cases is the number of cases; CaseNames their file names without .npz, in
	// the (sorted) order of every per-case list.
	Cases     int      `json:"cases"`
	CaseNames []string `json:"case_names"`
	// Output is the array the prototypes come from: "probabilities" or "output".
	Output string `json:"output"`
	// Class is the foreground class (0: everything but class 0).
	Class int `json:"class"`
	// Classes is the multi-class view (K > 2 probability channels; nil otherwise).
	Classes []ClassReport `json:"classes,omitempty"`
}

// onCase, when set (by tests), is called before case i is opened.
var onCase func(i int)

// AnalyzeCases runs ProtoSeg on the per-case .npz files at paths (see
// [data.OpenCase]), one case at a time: each case is analysed at its own output
// size by [AnalyzeFeatures] as a batch of one, and only one case is open, and only
// one of its layers in memory, at a time. Every case must have the first case's
// output key, class count, label presence, layer names and channel counts. With
// more than two classes the backend also runs the multi-class ProtoSeg.
func AnalyzeCases(backend backends.Backend, a *protoseg.Analyzer, paths []string, opt CaseOptions) (*CaseReport, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("study: %w", data.ErrNoCases)
	}
	rep := &CaseReport{Class: opt.Class}
	run := &caseRun{backend: backend, a: a, opt: opt}
	var units [][][]float64 // [layer][case][unit]
	for i, path := range paths {
		if onCase != nil {
			onCase(i)
		}
		one, err := run.analyze(path)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			rep.Output, rep.Against, rep.MuLayers = run.ref.output, one.Against, one.MuLayers
			rep.Metric = one.Metric
			units = make([][][]float64, len(one.Layers))
		}
		for l, lay := range one.Layers {
			if i == 0 {
				rep.Layers = append(rep.Layers, FeatureLayer{Name: lay.Name, Shape: lay.Shape[1:]})
			}
			rep.Layers[l].SA = append(rep.Layers[l].SA, lay.SA[0])
			units[l] = append(units[l], lay.UnitMeanSA)
		}
		rep.Mu = append(rep.Mu, one.Mu...)
		rep.Degenerate = append(rep.Degenerate, one.Degenerate...)
		rep.CaseNames = append(rep.CaseNames, strings.TrimSuffix(filepath.Base(path), ".npz"))
	}
	for l := range rep.Layers {
		lay := &rep.Layers[l]
		lay.MeanSA, _ = protoseg.MeanSD(lay.SA)
		lay.UnitMeanSA = stats.MeanColumns(units[l])
		lay.ActiveUnits = activeUnits(lay.UnitMeanSA)
	}
	rep.Cases, rep.Images = len(paths), len(paths)
	if run.classes != nil {
		rep.Classes = run.classes.report()
	}
	return rep, nil
}

// caseRun is the state of [AnalyzeCases] across cases: what the first case set.
type caseRun struct {
	backend backends.Backend
	a       *protoseg.Analyzer
	opt     CaseOptions
	ref     *caseRef       // set by the first case
	classes *classAnalysis // set by the first case when it has K > 2 classes
}

// analyze opens one case, checks it against the first, and analyses it; errors
// name the file once.
func (r *caseRun) analyze(path string) (*FeatureReport, error) {
	c, err := data.OpenCase(path)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	out, err := c.ReadOutput(r.opt.Class)
	if err != nil {
		return nil, err
	}
	if r.ref == nil {
		r.ref = newCaseRef(c, out)
		if out.Classes > 2 {
			if r.classes, err = newClassAnalysis(r.backend, r.a.Method(), out.Classes, c.Layers); err != nil {
				return nil, err
			}
		}
	}
	if err := r.ref.check(c, out); err != nil {
		return nil, err
	}
	src := &caseSource{c: c, ref: r.ref, spatial: out.Spatial}
	if r.classes != nil {
		src.classes = r.classes
		if err := r.classes.addCase(out); err != nil {
			return nil, data.InFile(path, err)
		}
	}
	one, err := AnalyzeFeatures(r.a, src, out.Foreground, out.Truth, NCHW, r.opt.MuLayers)
	if err != nil {
		return nil, data.InFile(path, err)
	}
	return one, nil
}

// caseRef is what every case must share with the first one.
type caseRef struct {
	path, output string
	classes      int
	label        bool
	layers       []string
	channels     map[string]int // filled as the first case's layers are read
}

func newCaseRef(c *data.Case, out *data.CaseOutput) *caseRef {
	return &caseRef{path: c.Path, output: c.Output, classes: out.Classes, label: c.HasLabel,
		layers: slices.Clone(c.Layers), channels: map[string]int{}}
}

// check compares case c with the first case.
func (r *caseRef) check(c *data.Case, out *data.CaseOutput) error {
	switch {
	case c.Path == r.path:
		return nil
	case c.Output != r.output:
		return fmt.Errorf("study: %s: array %q, but the first case %s has %q", c.Path, c.Output, r.path, r.output)
	case out.Classes != r.classes:
		return fmt.Errorf("study: %s: array %q has %d classes, the first case %s has %d", c.Path, c.Output, out.Classes, r.path, r.classes)
	case c.HasLabel != r.label:
		return fmt.Errorf("study: %s: array %q present: %v, but in the first case %s: %v (all cases or none need a label)", c.Path, data.LabelKey, c.HasLabel, r.path, r.label)
	}
	for _, name := range r.layers {
		if !slices.Contains(c.Layers, name) {
			return fmt.Errorf("study: %s: no array %q, which the first case %s has", c.Path, name, r.path)
		}
	}
	for _, name := range c.Layers {
		if !slices.Contains(r.layers, name) {
			return fmt.Errorf("study: %s: array %q is not in the first case %s", c.Path, name, r.path)
		}
	}
	return nil
}

// caseSource gives one case's layers to [AnalyzeFeatures] in the first case's
// order, each with a batch axis of one, checking channel counts against the first
// case; with a multi-class analysis it also runs that on each layer read.
type caseSource struct {
	c       *data.Case
	ref     *caseRef
	spatial []int
	classes *classAnalysis
}

func (s *caseSource) Names() []string { return s.ref.layers }

func (s *caseSource) Read(name string) (*data.Array, error) {
	arr, err := s.c.Layer(name, s.spatial)
	if err != nil {
		return nil, err
	}
	if want, ok := s.ref.channels[name]; !ok {
		s.ref.channels[name] = arr.Shape[0]
	} else if arr.Shape[0] != want {
		return nil, fmt.Errorf("study: %s: array %q shaped %v has %d channels, the first case %s has %d",
			s.c.Path, name, arr.Shape, arr.Shape[0], s.ref.path, want)
	}
	arr.Shape = append([]int{1}, arr.Shape...)
	if s.classes != nil {
		if err := s.classes.layer(name, arr); err != nil {
			return nil, data.InFile(s.c.Path, err)
		}
	}
	return arr, nil
}

// WriteLayerTable writes the report's layer SA as an aligned text table: per
// layer in file order its name, shape (C × spatial, in the first case), mean SA
// over the cases with its minimum and maximum, and the active units.
func (r *CaseReport) WriteLayerTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "layer\tname\tshape\tmean SA\tmin\tmax\tactive units\t\n")
	for i, l := range r.Layers {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range l.SA {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		fmt.Fprintf(tw, "%d\t%s\t%v\t%.3f\t%.3f\t%.3f\t%d of %d\t\n",
			i+1, l.Name, l.Shape, l.MeanSA, lo, hi, l.ActiveUnits, len(l.UnitMeanSA))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("study: layer table: %w", err)
	}
	return nil
}
