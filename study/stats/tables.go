package stats

import (
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// Column returns column j of a per-image table (negative j counts from the end).
func Column(rows [][]float64, j int) []float64 {
	out := make([]float64, len(rows))
	for i, r := range rows {
		k := j
		if k < 0 {
			k += len(r)
		}
		out[i] = r[k]
	}
	return out
}

// MeanColumns averages a per-image table over images.
func MeanColumns(rows [][]float64) []float64 {
	if len(rows) == 0 {
		return nil
	}
	out := make([]float64, len(rows[0]))
	for _, r := range rows {
		for j, v := range r {
			out[j] += v
		}
	}
	for j := range out {
		out[j] /= float64(len(rows))
	}
	return out
}

// Pick returns x at the indices idx (a bootstrap resample).
func Pick(x []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for i, j := range idx {
		out[i] = x[j]
	}
	return out
}

// PickRows returns the rows of x at the indices idx.
func PickRows(x [][]float64, idx []int) [][]float64 {
	out := make([][]float64, len(idx))
	for i, j := range idx {
		out[i] = x[j]
	}
	return out
}

// CountTrue is the number of true flags.
func CountTrue(flags []bool) int {
	n := 0
	for _, f := range flags {
		if f {
			n++
		}
	}
	return n
}

// Mean is the arithmetic mean of x (0 for an empty x).
func Mean(x []float64) float64 {
	m, _ := protoseg.MeanSD(x)
	return m
}

// MeanDiff is the paired statistic mean(a[idx]) − mean(b[idx]) of a bootstrap
// resample idx.
func MeanDiff(a, b []float64) func(idx []int) (float64, error) {
	return func(idx []int) (float64, error) {
		var s float64
		for _, j := range idx {
			s += a[j] - b[j]
		}
		return s / float64(len(idx)), nil
	}
}
