package protoseg

// The unit kernel's path for two spatial axes (unitkernel.go). The up-sampled
// unit logit is separable: row y of u is the combination of source rows r0, r1
// with the row taps of y, and pixel x of it the combination of two of those
// values with the column taps of x. Rows that read the same two source rows form
// a band, columns that read the same two source columns a segment, and a band ×
// segment block reads four source values. Every step is a convex combination
// (non-negative weights, the larger ≥ 1/4), so:
//
//   - four sources ≥ safeMin make every pixel of the block object (each step
//     keeps the values far above the range where rounding flushes to zero);
//   - four sources ≤ 0 make every pixel background (products and sums of
//     non-positive values stay non-positive);
//   - a band with another block computes each of its rows as leading does and
//     decides it as segRow does.
//
// A band whose blocks are all uniform is emitted as the same runs on each of its
// rows, without computing anything per row.

// segClass is the class of a band × segment block.
type segClass uint8

const (
	segBackground segClass = iota // every pixel background
	segObject                     // every pixel object
	segMixed                      // decided row by row
)

// unit2D records the object runs of the unit logit src [s0, s1] up-sampled to
// the mask size.
func (w *unitWorker) unit2D(src []float32, e *emitter) {
	rows, cols := w.k.axes[0], w.k.axes[1]
	s1 := w.k.lowDims[1]
	if rows.identity && cols.identity {
		for y := range rows.size {
			e.scanRow(src[y*s1:(y+1)*s1], y*s1)
		}
		return
	}
	if w.k.dense {
		for y := range rows.size {
			row := src[int(rows.j0[y])*s1 : int(rows.j0[y]+1)*s1]
			if !rows.identity {
				row = w.buf[0][:s1]
				a, b := src[int(rows.j0[y])*s1:int(rows.j0[y]+1)*s1], src[int(rows.j1[y])*s1:int(rows.j1[y]+1)*s1]
				combineRow(rows.rule[y], rows.w0[y], a, rows.w1[y], b, row)
			}
			e.denseRow(cols, row, w.pos, y*cols.size)
		}
		return
	}
	for _, band := range rows.segs {
		a, b := src[int(band.j0)*s1:int(band.j0+1)*s1], src[int(band.j1)*s1:int(band.j1+1)*s1]
		if w.classify(cols, a, b) {
			for y := int(band.x0); y < int(band.x1); y++ {
				w.mixedRow(e, rows, cols, y, a, b)
			}
			continue
		}
		w.uniformBand(e, cols, int(band.x0), int(band.x1))
	}
}

// classify sets w.class for every segment of cols in the band of source rows a
// and b, and reports whether a block is mixed.
func (w *unitWorker) classify(cols *axisTaps, a, b []float32) bool {
	mixed := false
	for i, s := range cols.segs {
		p, q, r, u := a[s.j0], a[s.j1], b[s.j0], b[s.j1]
		switch {
		case p >= safeMin && q >= safeMin && r >= safeMin && u >= safeMin:
			w.class[i] = segObject
		case p <= 0 && q <= 0 && r <= 0 && u <= 0:
			w.class[i] = segBackground
		default:
			w.class[i], mixed = segMixed, true
		}
	}
	return mixed
}

// uniformBand records the rows [y0, y1) of a band without mixed blocks: the
// same object runs on each row.
func (w *unitWorker) uniformBand(e *emitter, cols *axisTaps, y0, y1 int) {
	w.runs = w.runs[:0]
	start := int32(-1)
	for i, s := range cols.segs {
		if w.class[i] == segObject {
			if start < 0 {
				start = s.x0
			}
		} else if start >= 0 {
			w.runs = append(w.runs, [2]int32{start, s.x0})
			start = -1
		}
	}
	if start >= 0 {
		w.runs = append(w.runs, [2]int32{start, int32(cols.size)})
	}
	for y := y0; y < y1; y++ {
		base := y * cols.size
		for _, r := range w.runs {
			e.run(base+int(r[0]), base+int(r[1]))
		}
	}
}

// mixedRow records the object runs of output row y of a band with mixed blocks,
// whose source rows are a and b: the row combination (as leading computes it)
// decided segment by segment as segRow does.
func (w *unitWorker) mixedRow(e *emitter, rows, cols *axisTaps, y int, a, b []float32) {
	row := a
	if !rows.identity {
		row = w.buf[0][:len(a)]
		combineRow(rows.rule[y], rows.w0[y], a, rows.w1[y], b, row)
	}
	e.segRow(cols, row, y*cols.size)
}

// denseRow records output row base/S1 of the unit SAM pixel by pixel: the sign
// of row (the leading combination, [s1]) up-sampled along the last axis as the
// graph rounds it (signs into pos, see upsampleSigns), then [u > 0] inside the
// ROI into the SAM, the heat count and the counts. It is the cheaper path when
// segments are short (a few pixels each) and signs change often, where runs
// would be many and short.
func (e *emitter) denseRow(t *axisTaps, row []float32, pos []uint8, base int) {
	t.upsampleSigns(row, pos)
	if e.cnt == nil {
		e.cnt = make([]int32, e.pixels)
		*e.cntOf = e.cnt
	}
	n := len(pos)
	g, cnt := e.g8[base:base+n], e.cnt[base:base+n]
	if e.roi != nil {
		r := e.roi[base : base+n]
		for x := range pos {
			pos[x] &= r[x]
		}
	}
	if e.sam != nil {
		for x, s := range pos {
			e.sam[(base+x)/8] |= s << ((base + x) % 8)
		}
	}
	var inter, size int64
	for x, s := range pos {
		cnt[x] += int32(s)
		size += int64(s)
		inter += int64(s & g[x])
	}
	e.inter, e.size = e.inter+inter, e.size+size
}

// upsampleSigns sets pos[x] to 1 where rule[x].combine(w0[x], row[j0[x]],
// w1[x], row[j1[x]]) > 0 and to 0 elsewhere: the signs of the up-sampling of row
// along this axis as the graph rounds it, pixel by pixel (segments are short
// here), the fused rule inline (rule.positive: the float64 sum's sign is the
// rounded sum's unless the sum is tiny).
func (t *axisTaps) upsampleSigns(row []float32, pos []uint8) {
	n := len(pos)
	switch {
	case t.identity:
		for x, v := range row[:n] {
			pos[x] = b2u(v > 0)
		}
	case t.allFused:
		j0, j1, w0, w1d := t.j0[:n], t.j1[:n], t.w0[:n], t.w1d[:n]
		for x := range pos {
			a, b := row[j0[x]], row[j1[x]]
			r0 := float32(w0[x] * a)
			v := w1d[x]*float64(b) + float64(r0)
			if v >= 0x1p-120 || v <= -0x1p-120 {
				pos[x] = b2u(v > 0)
			} else {
				pos[x] = b2u(fma32(t.w1[x], b, r0) > 0)
			}
		}
	default:
		for x := range pos {
			pos[x] = b2u(t.rule[x].positive(t.w0[x], row[t.j0[x]], t.w1[x], row[t.j1[x]]))
		}
	}
}

// b2u is 1 for true and 0 for false.
func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
