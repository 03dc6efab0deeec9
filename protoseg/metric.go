package protoseg

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Metric is the score that compares a SAM S with the ground truth G: the SA
// score of the paper is [MetricDice]; the others answer the paper's future work (§5:
// "other metrics can be used, such as Jaccard index, pixelwise accuracy,
// sensitivity and specificity") and add a boundary metric. The zero value is
// [MetricDice], so an [Analyzer] scores by Dice unless told otherwise.
//
// Every metric is computed inside the region of interest R (the whole image
// without one). The count metrics use the confusion counts
//
//	TP = |S∩G|, FP = |S| − TP, FN = |G| − TP, TN = |R| − TP − FP − FN
//
// (R-weighted sums when R is fractional; a count that rounding makes negative
// is taken as 0). A ratio whose denominator is 0 scores 1 when S = G inside R
// (FP = FN = 0) and 0 otherwise; so every metric scores S = G as 1, and
// Dice(∅, ∅) = Jaccard(∅, ∅) = NSD(∅, ∅) = 1 (docs/design.md §1).
type Metric int

const (
	// MetricDice is the paper's SA score (Eq. 8): 2TP / (2TP + FP + FN) = 2|S∩G| / (|S| + |G|).
	MetricDice Metric = iota
	// MetricJaccard is the intersection over union: TP / (TP + FP + FN) = |S∩G| / |S∪G|.
	MetricJaccard
	// MetricSensitivity is the recall of G: TP / (TP + FN). Without object in G it is
	// 1 for an empty S and 0 otherwise.
	MetricSensitivity
	// MetricSpecificity is the recall of the background: TN / (TN + FP). When G fills
	// R it is 1 for an S that fills R too and 0 otherwise.
	MetricSpecificity
	// MetricAccuracy is the pixel (voxel) accuracy: (TP + TN) / |R|; 1 for an empty R.
	MetricAccuracy
	// MetricNSD is the normalised surface Dice of Nikolov et al. (2021) at a tolerance
	// of 1 pixel/voxel ([SurfaceDice] with tol = [NSDTolerance]): the fraction of
	// the boundary voxels of S and G within the tolerance of the other's boundary.
	// It needs the maps, not counts: see [SurfaceDice] and [Analyzer.SetMetric].
	MetricNSD
	numMetrics
)

// NSDTolerance is the tolerance of the [MetricNSD] metric, in voxels (Euclidean
// distance on the voxel grid, unit spacing).
const NSDTolerance = 1.0

// metricNames is the one name of each metric, for the CLI, JSON and errors.
var metricNames = [numMetrics]string{"dice", "jaccard", "sensitivity", "specificity", "accuracy", "nsd"}

// Metrics returns every metric, Dice first.
func Metrics() []Metric {
	out := make([]Metric, numMetrics)
	for i := range out {
		out[i] = Metric(i)
	}
	return out
}

// MetricNames returns the name of every metric, in the order of [Metrics].
func MetricNames() []string { return slices.Clone(metricNames[:]) }

// String returns the metric's name ("dice", "jaccard", "sensitivity",
// "specificity", "accuracy", "nsd"), the name [ParseMetric] reads.
func (m Metric) String() string {
	if m >= 0 && m < numMetrics {
		return metricNames[m]
	}
	return fmt.Sprintf("Metric(%d)", int(m))
}

// ParseMetric returns the metric called name (case-insensitive; see
// [Metric.String]); an unknown name is an error that lists the known ones.
func ParseMetric(name string) (Metric, error) {
	for i, n := range metricNames {
		if strings.EqualFold(strings.TrimSpace(name), n) {
			return Metric(i), nil
		}
	}
	return 0, fmt.Errorf("protoseg: unknown metric %q (known: %s)", name, strings.Join(metricNames[:], ", "))
}

// Set implements flag.Value, so a command can take a metric flag with flag.Var.
func (m *Metric) Set(name string) error {
	v, err := ParseMetric(name)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// NeedsMaps reports whether the metric needs the binary maps S and G (a
// boundary metric), not only their confusion counts.
func (m Metric) NeedsMaps() bool { return m == MetricNSD }

// valid reports whether m is one of the metrics.
func (m Metric) valid() bool { return m >= 0 && m < numMetrics }

// fromTotals returns a count metric of a map S against G inside R from the
// totals inter = |S∩G|, size = |S|, gt = |G| and roi = |R| (doc of
// [Metric] for the formulas and the 0/0 convention). Dice keeps the form
// 2·inter / (size + gt), the score of earlier versions bit for bit (the clamp
// to [0, 1] only catches rounding). A map
// metric ([Metric.NeedsMaps]) gives NaN: the caller scores the maps instead.
func (m Metric) fromTotals(inter, size, gt, roi float64) float64 {
	fp, fn := max(size-inter, 0), max(gt-inter, 0)
	var num, den float64
	switch m {
	case MetricDice:
		num, den = 2*inter, size+gt
	case MetricJaccard:
		num, den = inter, inter+fp+fn
	case MetricSensitivity:
		num, den = inter, inter+fn
	case MetricSpecificity:
		tn := max(roi-inter-fp-fn, 0)
		num, den = tn, tn+fp
	case MetricAccuracy:
		tn := max(roi-inter-fp-fn, 0)
		num, den = inter+tn, inter+tn+fp+fn
	default:
		return math.NaN()
	}
	if den <= 0 {
		if fp <= 0 && fn <= 0 {
			return 1
		}
		return 0
	}
	return min(max(num/den, 0), 1)
}

// Score returns metric m of the binary map s against the binary map g (nonzero
// is object), both flat in row-major order over the spatial shape spatial (one
// or more axes; e.g. [H, W] or [D, H, W]). The count metrics ignore the shape
// beyond its size; [MetricNSD] uses it for the boundaries. Mismatched lengths, an
// empty or non-positive axis, or an unknown metric are errors.
func Score(m Metric, s, g []uint8, spatial []int) (float64, error) {
	if err := checkMaps(s, g, spatial); err != nil {
		return 0, err
	}
	switch {
	case !m.valid():
		return 0, fmt.Errorf("protoseg: score: unknown metric %v", m)
	case m == MetricNSD:
		return SurfaceDice(s, g, spatial, NSDTolerance)
	}
	var inter, size, gt int
	for i := range s {
		a, b := s[i] != 0, g[i] != 0
		if a {
			size++
		}
		if b {
			gt++
		}
		if a && b {
			inter++
		}
	}
	return m.fromTotals(float64(inter), float64(size), float64(gt), float64(len(s))), nil
}

// checkMaps checks that s and g are maps over the spatial shape spatial.
func checkMaps(s, g []uint8, spatial []int) error {
	if len(spatial) == 0 {
		return fmt.Errorf("protoseg: maps need a spatial shape with at least one axis")
	}
	size := 1
	for i, d := range spatial {
		if d <= 0 {
			return fmt.Errorf("protoseg: spatial shape %v has a non-positive axis %d", spatial, i)
		}
		size *= d
	}
	if len(s) != size || len(g) != size {
		return fmt.Errorf("protoseg: maps with %d and %d values over the spatial shape %v (%d values)", len(s), len(g), spatial, size)
	}
	return nil
}
