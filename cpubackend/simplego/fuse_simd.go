package simplego

import "math"

// AVX2 paths of the element-wise fusions (fuse_simd_amd64.s): the chains of
// fuse_elementwise.go (Add, Sub, Mul, Div, Sqrt), the BatchNorm+ReLU pass and
// its gradient (fuse_bnrelu.go, fuse_relugrad.go) and the BatchNorm fusions
// of fuse_bn.go. Each kernel does, per value, the same float32 operations as
// the Go loop it replaces (separately rounded, no FMA; the ReLU's compare
// masks reproduce Go's max(y, +0) and reluIndicator), so both paths give the
// same bits; tests run both (simdOn forced off and on).
//
// The per-channel kernels work on a period of whole rows of C channels
// (chanPeriod, about 256 values) with the per-channel vectors repeated to
// that length, so a kernel streams through rows without knowing C; they run
// when C is a multiple of 8.

// simdOn selects the AVX2 kernels where the CPU has them (hasSIMD); tests
// switch it off to run the Go loops.
var simdOn bool

// chanPeriod is the number of values of the per-channel kernels' period:
// whole rows of nc channels, about 256 values.
func chanPeriod(nc int) int { return nc * max(1, 256/nc) }

// periodic returns v repeated to period values.
func periodic(v []float32, period int) []float32 {
	out := make([]float32, period)
	for i := range out {
		out[i] = v[i%len(v)]
	}
	return out
}

// simdRows reports whether rows of nc channels run on the AVX2 kernels.
func simdRows(nc int) bool { return simdOn && nc%8 == 0 }

// affineReluPeriods runs o = max(x·s + t, +0) with the AVX2 kernel over the
// whole periods of o and returns how many values it did.
func affineReluPeriods(o, x, s, t []float32, c float32) int {
	nc := len(s)
	if !simdRows(nc) || math.Float32bits(c) != 0 {
		return 0
	}
	period := chanPeriod(nc)
	return affineReluPeriodic(o, x, periodic(s, period), periodic(t[:nc], period))
}

// affineReluPeriodic is affineReluPeriods with s and t already repeated to
// one period (sp, tp; see affineReluTables).
func affineReluPeriodic(o, x, sp, tp []float32) int {
	period := len(sp)
	done := 0
	for ; done+period <= len(o); done += period {
		affineReluSIMD(o[done:], x[done:], sp, tp, period)
	}
	return done
}

// affineReluTables returns s and t repeated to one period of the AVX2
// affine+ReLU kernel, or nil when that kernel does not apply (see
// affineReluPeriods).
func affineReluTables(s, t []float32, c float32) (sp, tp []float32) {
	nc := len(s)
	if !simdRows(nc) || math.Float32bits(c) != 0 {
		return nil, nil
	}
	period := chanPeriod(nc)
	return periodic(s, period), periodic(t[:nc], period)
}

// affineReluGradPeriods runs o = v·reluIndicator(x·s + t) with the AVX2
// kernel over the whole periods of o and returns how many values it did.
func affineReluGradPeriods(o, v, x, s, t []float32) int {
	nc := len(s)
	if !simdRows(nc) {
		return 0
	}
	period := chanPeriod(nc)
	sp, tp := periodic(s, period), periodic(t[:nc], period)
	done := 0
	for ; done+period <= len(o); done += period {
		affineReluGradSIMD(o[done:], v[done:], x[done:], sp, tp, period)
	}
	return done
}

// chanLinPeriods runs o = (g·a + x·b) + c with the AVX2 kernel over the whole
// periods of o and returns how many values it did.
func chanLinPeriods(o, g, a, x, b, c []float32) int {
	nc := len(a)
	if !simdRows(nc) {
		return 0
	}
	period := chanPeriod(nc)
	ap, bp, cp := periodic(a, period), periodic(b[:nc], period), periodic(c[:nc], period)
	done := 0
	for ; done+period <= len(o); done += period {
		chanLinSIMD(o[done:], g[done:], ap, x[done:], bp, cp, period)
	}
	return done
}

// chanSumBlock adds x (a block of whole periods but maybe the last) to the
// period accumulators acc, value i to acc[i mod len(acc)], rows in order:
// Σx, Σx·m (m of x's length) or Σ(x − m)² (m of len(acc) values).
func chanSumBlock(kind chanReduceKind, acc, x, m []float32) {
	period := len(acc)
	done := 0
	if rows := len(x) / period; simdOn && period%8 == 0 && rows > 0 {
		chanSumSIMD(kind, acc, x, m, rows)
		done = rows * period
	}
	for r := done; r < len(x); r += period {
		row := x[r:min(r+period, len(x))]
		switch kind {
		case chanSumKind:
			for j, v := range row {
				acc[j] += v
			}
		case chanDotKind:
			mr := m[r : r+len(row)]
			for j, v := range row {
				acc[j] += float32(v * mr[j])
			}
		default:
			for j, v := range row {
				d := v - m[j]
				acc[j] += float32(d * d)
			}
		}
	}
}
