package protoseg

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// The unit kernel's SIMD path for two spatial axes (the common case: a 2D
// network's features against its masks). Where the segment logic of
// unitkernel.go and unitkernel2d.go spends its time on per-segment scalar work
// (untrained or noisy features change sign every few pixels), this path decides
// every pixel with vector instructions and counts with bit masks:
//
//   - per output row y, the source rows j0(y), j1(y) are combined along axis 0
//     into a row V of s1 values, rounded by the row's rule exactly as leading and
//     the graph path's first interpolation product do (16 or 8 lanes: multiply,
//     then fused multiply-add or multiply and add);
//   - per 16 (8) output pixels, the two source values of each pixel are picked
//     out of V (a permute or a gather), combined by the column rule (the graph's
//     second product), compared with 0, and the signs stored as bits;
//   - the unit's bits, ANDed with the ROI's, give |S| and, ANDed with G·R's,
//     |S ∩ G| by population counts; the ANDed bits are the unit's SAM
//     ([BitMask]), stored as they are, and the heat-map's per-pixel count comes
//     from expanding them to bytes.
//
// Every step rounds as the graph does, so the result is bit-identical to the
// graph path's (VerifyUnitKernel runs each level: pure Go, AVX2, AVX-512). The
// path needs the last axis to be a multiple of 16 and rounding rules a vector
// reproduces (fused or separate; see denseEligible); elsewhere the portable
// paths run.

// denseLevel is the instruction set of the dense path.
type denseLevel int32

const (
	denseOff    denseLevel = iota // the portable paths (unitkernel.go, unitkernel2d.go)
	denseGo                       // the dense path in plain Go (the reference of the SIMD levels)
	denseAVX2                     // AVX2 + FMA: 8 lanes, gathers
	denseAVX512                   // AVX-512F: 16 lanes, permutes
	numDenseLevels
)

// denseUse is the level the kernel runs at: the best the CPU has (set at init by
// unitkernel_amd64.go); VerifyUnitKernel sets each level in turn.
var denseUse atomic.Int32

// denseGroup is the lane count the dense path's sizes are multiples of.
const denseGroup = 16

// denseInline: a call of fewer pixel decisions (N·C·P) than this runs on the
// calling goroutine (a layer's N maps of a few thousand pixels): it takes
// less time than starting the workers and waiting for them. It is the
// Analyzer's default (Analyzer.inline; VerifyUnitKernel sets 0, the workers).
const denseInline = 1 << 17

// densePlan is the dense path's form of the two axes' taps.
type densePlan struct {
	h, w       int     // output rows and columns (w a multiple of denseGroup)
	s1, s1p    int     // source columns, and their count padded to denseGroup
	off0, off1 []int32 // per output row: offsets of source rows j0, j1 (in floats, rows s1p apart)
	w0y, w1y   []float32
	fusedY     []uint8   // per output row: 1 when the row rounds by ruleFused
	idx0, idx1 []int32   // per output column: source columns j0, j1
	w0x, w1x   []float32 // per output column: the weights
	mode       int       // the columns: 0 identity, 1 ruleFused, 2 ruleSeparate
	perm       int       // AVX-512 pick: 0 one-register permute (s1p = 16), 1 two-register, 2 gather
}

// newDensePlan returns the dense plan for rows × cols, or nil when the dense
// path cannot reproduce them: a last axis not a multiple of denseGroup, a row
// rule other than fused or separate, or columns whose two-tap outputs do not
// share one such rule.
func newDensePlan(rows, cols *axisTaps) *densePlan {
	if cols.size%denseGroup != 0 {
		return nil
	}
	p := &densePlan{h: rows.size, w: cols.size, s1: cols.cur, s1p: (cols.cur + denseGroup - 1) / denseGroup * denseGroup,
		off0: make([]int32, rows.size), off1: make([]int32, rows.size), w0y: rows.w0, w1y: rows.w1,
		fusedY: make([]uint8, rows.size), idx0: cols.j0, idx1: cols.j1, w0x: cols.w0, w1x: cols.w1}
	for y := range rows.size {
		switch {
		case rows.w1[y] == 0 || rows.rule[y] == ruleSeparate:
		case rows.rule[y] == ruleFused:
			p.fusedY[y] = 1
		default:
			return nil
		}
		p.off0[y], p.off1[y] = rows.j0[y]*int32(p.s1p), rows.j1[y]*int32(p.s1p)
	}
	if !cols.identity {
		p.mode = 0
		for x := range cols.size {
			if cols.w1[x] == 0 {
				continue // one tap: every rule rounds w0·a once
			}
			m := 0
			switch cols.rule[x] {
			case ruleFused:
				m = 1
			case ruleSeparate:
				m = 2
			}
			if m == 0 || p.mode != 0 && p.mode != m {
				return nil
			}
			p.mode = m
		}
		if p.mode == 0 {
			p.mode = 2 // only one-tap outputs
		}
		p.perm = min(p.s1p/denseGroup-1, 2)
	}
	return p
}

// denseWorker is one goroutine's state on the dense path.
type denseWorker struct {
	k       *unitKernel
	src     []float32 // the units of one task, [units, rows, s1p], pads zero
	vbuf    []float32 // one combined row V (s1p, at least 2·denseGroup)
	bits    []byte    // one unit's bits [u > 0], P/8
	heat8   [][]uint8 // per image: per-pixel count of units since the last flush
	heatAll []uint8   // the memory of heat8 (N·P, cleared per image when first used)
	heat32  [][]int32 // per image: the flushed counts
	since   []int     // per image: units added to heat8 since the last flush
}

// runDense is run on the dense path: tasks of a few units of one image, each
// unit decided by the SIMD producer and counted by the emitter. It reports
// false when a logit exceeded maxKernelLogit.
func (k *unitKernel) runDense(level denseLevel) ([]float32, bool) {
	workers := max(1, min(runtime.GOMAXPROCS(0), k.n*k.c))
	if k.n*k.c*k.pixels < k.inline {
		workers = 1 // less work than starting and waking the workers costs
	}
	parts := 1 // tasks per image: whole images when they keep every worker busy
	if k.n < 2*workers {
		parts = min(k.c, (4*workers+k.n-1)/k.n)
	}
	per := (k.c + parts - 1) / parts
	parts = (k.c + per - 1) / per
	tasks := k.n * parts
	var heat []float32
	if !k.noHeat {
		heat = make([]float32, k.n*k.pixels)
	}
	ws := make([]*denseWorker, workers)
	var next atomic.Int64
	work := func(w *denseWorker) {
		for !k.overflow.Load() {
			t := int(next.Add(1) - 1)
			if t >= tasks {
				return
			}
			n, u0 := t/parts, (t%parts)*per
			if !w.task(level, n, u0, min(u0+per, k.c)) {
				k.overflow.Store(true)
			}
			if parts == 1 && heat != nil { // the image's heat-map is complete
				w.heat(n, heat, []*denseWorker{w})
			}
		}
	}
	var wg sync.WaitGroup
	for i := range ws {
		ws[i] = k.newDenseWorker(i, per)
		if workers > 1 {
			wg.Go(func() { work(ws[i]) })
		}
	}
	if workers == 1 {
		work(ws[0])
	}
	wg.Wait()
	if k.overflow.Load() {
		return nil, false
	}
	if parts > 1 && heat != nil {
		for n := range k.n {
			ws[0].heat(n, heat, ws)
		}
	}
	return heat, true
}

// denseScratch is one worker's buffers, kept between calls (kernelMasks.scratch)
// so that a batch's layers do not allocate, zero and fault in fresh memory each.
type denseScratch struct {
	src, vbuf   []float32
	bits, heat8 []byte
}

// newDenseWorker returns worker i's state for tasks of per units, its buffers
// from the kept scratch when there is one.
func (k *unitKernel) newDenseWorker(i, per int) *denseWorker {
	p := k.plan
	sc := &denseScratch{}
	if k.scratch != nil {
		for len(*k.scratch) <= i {
			*k.scratch = append(*k.scratch, &denseScratch{})
		}
		sc = (*k.scratch)[i]
	}
	grow(&sc.src, per*k.lowDims[0]*p.s1p)
	if p.s1 != p.s1p {
		clear(sc.src) // the pads must be zero; the rest is overwritten
	}
	grow(&sc.vbuf, max(p.s1p, 2*denseGroup))
	grow(&sc.bits, k.pixels/8+8)
	w := &denseWorker{k: k, src: sc.src, vbuf: sc.vbuf, bits: sc.bits, heat8: make([][]uint8, k.n),
		heat32: make([][]int32, k.n), since: make([]int, k.n)}
	if !k.noHeat {
		grow(&sc.heat8, k.n*k.pixels)
		w.heatAll = sc.heat8
	}
	return w
}

// grow sets *b to n elements, reusing its array when large enough (values
// left as they were).
func grow[T any](b *[]T, n int) {
	if cap(*b) < n {
		*b = make([]T, n)
	}
	*b = (*b)[:n]
}

// task runs units [u0, u1) of image n; false when a logit is out of range. The
// units' SAMs, when kept, are allocated here (one array for the task's units,
// zeroed by the worker that then writes them, while they are in its cache)
// and written as bits; a skipped image keeps them empty (finishUnits fills
// them).
func (w *denseWorker) task(level denseLevel, n, u0, u1 int) bool {
	k, p := w.k, w.k.plan
	t0 := n * k.c
	if k.keep {
		stride := bitBytes(k.pixels)
		all := make([]byte, (u1-u0)*stride)
		for u := u0; u < u1; u++ {
			i := (u - u0) * stride
			k.sams[t0+u] = BitMask{bits: all[i : i+stride : i+stride], n: k.pixels}
		}
	}
	if k.skip[n] || !w.logits(level, n, u0, u1) {
		return k.skip[n]
	}
	rows := k.lowDims[0] * p.s1p
	r := k.region
	for u := u0; u < u1; u++ {
		src := w.src[(u-u0)*rows : (u-u0+1)*rows]
		var sam, heat []uint8
		if k.keep {
			sam = k.sams[t0+u].bits
		}
		if !k.noHeat {
			heat = w.heatRow(n)
		}
		size, inter, ok := denseMaskEmit(level, p, src, w.vbuf, r.roiBits[n], r.gtBits[n], sam, heat)
		if !ok {
			denseMask(level, p, src, w.vbuf, w.bits)
			size, inter = denseEmit(level, w.bits, r.roiBits[n], r.gtBits[n], sam, heat, k.pixels)
		}
		k.size[t0+u], k.inter[t0+u] = size, inter
	}
	for u := u0; u < u1 && k.samBytes != nil; u++ { // while the bits are in this core's cache
		k.sams[t0+u].Unpack(k.samBytes[t0+u])
	}
	return true
}

// heatRow returns image n's byte counts, flushing them into heat32 before they
// could overflow.
func (w *denseWorker) heatRow(n int) []uint8 {
	if w.heat8[n] == nil {
		p := w.k.pixels
		w.heat8[n] = w.heatAll[n*p : (n+1)*p : (n+1)*p]
		clear(w.heat8[n])
	}
	if w.since[n] == 255 {
		w.flush(n)
	}
	w.since[n]++
	return w.heat8[n]
}

// flush adds image n's byte counts to heat32 and clears them.
func (w *denseWorker) flush(n int) {
	if w.heat32[n] == nil {
		w.heat32[n] = make([]int32, w.k.pixels)
	}
	h8, h32 := w.heat8[n], w.heat32[n]
	for p, v := range h8 {
		h32[p] += int32(v)
	}
	clear(h8)
	w.since[n] = 0
}

// logits fills w.src with the logits of units [u0, u1) of image n (from the
// feature, as unitLogits rounds them, or from low for the layer), each source
// row padded to s1p with zeros; false when one exceeds maxKernelLogit.
func (w *denseWorker) logits(level denseLevel, n, u0, u1 int) bool {
	k, p := w.k, w.k.plan
	s0, s1, s1p := k.lowDims[0], p.s1, p.s1p
	rows := s0 * s1p
	if k.feat == nil { // the layer: one map per image, c = 1
		low := k.low[n*k.lowSize : (n+1)*k.lowSize]
		for j := range s0 {
			copy(w.src[j*s1p:j*s1p+s1], low[j*s1:(j+1)*s1])
		}
		return inKernelRange(low)
	}
	f := k.feat[n*k.lowSize*k.c : (n+1)*k.lowSize*k.c]
	d, s := k.diff[n*k.c+u0:n*k.c+u1], k.sum[n*k.c+u0:n*k.c+u1]
	if done, bad := denseLogitsSIMD(level, f[u0:], k.c, k.lowSize, s1, s1p, w.src[:(u1-u0)*rows], d, s); done {
		return !bad
	}
	return denseLogitsGo(f[u0:], k.c, k.lowSize, s1, s1p, w.src[:(u1-u0)*rows], d, s)
}

// inKernelRange reports whether every |v| of x is at most maxKernelLogit (NaN
// is not): the largest |v| as float32 bits, without a branch per value (the
// bits of non-negative floats order as their values, NaN above +Inf).
func inKernelRange(x []float32) bool {
	m := uint32(0)
	for _, v := range x {
		m = max(m, math.Float32bits(v)&0x7fffffff)
	}
	return m <= math.Float32bits(maxKernelLogit)
}

// denseLogitsGo sets dst[i·rows + (x/s1)·s1p + x%s1] = d[i]·(2·f[x·c+i] − s[i])
// for every cell x and unit i (rows = len(dst)/len(d)), each step rounded to
// float32 as the graph's element-wise ops round it; false when one exceeds
// maxKernelLogit.
func denseLogitsGo(f []float32, c, cells, s1, s1p int, dst, d, s []float32) bool {
	ok, rows := true, len(dst)/len(d)
	for x := range cells {
		o := x/s1*s1p + x%s1
		for i, v := range f[x*c : x*c+len(d)] {
			l := float32(d[i] * float32(float32(2*v)-s[i]))
			ok = ok && l <= maxKernelLogit && l >= -maxKernelLogit // also NaN
			dst[i*rows+o] = l
		}
	}
	return ok
}

// heat sets image n's heat-map in out from the counts of workers ws, as
// unitKernel.heat does: the number of units whose SAM holds pixel p, times
// float32(1/C), inside the ROI.
func (w *denseWorker) heat(n int, out []float32, ws []*denseWorker) {
	k := w.k
	h := out[n*k.pixels : (n+1)*k.pixels]
	inv := float32(1 / float64(k.c))
	if len(ws) == 1 && ws[0].heat32[n] == nil { // one worker's bytes: the common case
		if h8 := ws[0].heat8[n]; h8 != nil {
			scaleBytes(h, h8, inv)
		}
		return // outside the ROI the bytes are 0, and so is the heat
	}
	sum := make([]int32, k.pixels)
	for _, o := range ws {
		if o.heat8[n] == nil {
			continue
		}
		for p, v := range o.heat8[n] {
			sum[p] += int32(v)
		}
		if h32 := o.heat32[n]; h32 != nil {
			for p, v := range h32 {
				sum[p] += v
			}
		}
	}
	for p := range h {
		h[p] = float32(sum[p]) * inv // 0 outside the ROI, as the graph's
	}
}

// scaleBytesGo sets dst[i] = float32(src[i])·s.
func scaleBytesGo(dst []float32, src []uint8, s float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = float32(v) * s
	}
}

// denseMask stores the bits [u > 0] of one unit's up-sampled logit u, from its
// padded source rows src, at the level's instruction set (vbuf: scratch).
func denseMask(level denseLevel, p *densePlan, src, vbuf []float32, bits []byte) {
	if level >= denseAVX2 && denseMaskSIMD(level, p, src, vbuf, bits) {
		return
	}
	denseMaskGo(p, src, vbuf, bits)
}

// denseMaskEmit is denseMask followed by denseEmit (for a whole unit, pixels
// = p.h·p.w), fused into one pass over the rows where the level has such a
// producer for p and the CPU has it; ok is false elsewhere, and nothing is
// written.
func denseMaskEmit(level denseLevel, p *densePlan, src, vbuf []float32, roi, gt, sam, heat []byte) (size, inter int64, ok bool) {
	if level < denseAVX512 {
		return 0, 0, false
	}
	return denseMaskEmitSIMD(level, p, src, vbuf, roi, gt, sam, heat) // it checks the CPU (per unit: no cpuDenseLevel)
}

// denseEmit returns |S| and |S ∩ G| of the unit's bits inside the ROI, stores
// them ANDed with the ROI as its SAM bits (pixels/8 bytes) and adds them to the
// heat counts (each nil: not wanted).
func denseEmit(level denseLevel, bits, roi, gt []byte, sam, heat []uint8, pixels int) (size, inter int64) {
	if level >= denseAVX2 {
		done := pixels / 32 * 32
		if done == 0 {
			return denseEmitGo(bits, roi, gt, sam, heat, pixels)
		}
		size, inter = denseEmitSIMD(level, bits, roi, gt, sam, heat, done)
		if done == pixels {
			return size, inter
		}
		q := done / 8
		var s, h []uint8
		if sam != nil {
			s = sam[q:]
		}
		if heat != nil {
			h = heat[done:]
		}
		s2, i2 := denseEmitGo(bits[q:], roi[q:], gt[q:], s, h, pixels-done)
		return size + s2, inter + i2
	}
	return denseEmitGo(bits, roi, gt, sam, heat, pixels)
}

// denseMaskGo is denseMask in Go: the bits [V > 0] of one unit's up-sampled
// logit, from its padded source rows src, as the graph rounds it.
func denseMaskGo(p *densePlan, src, vbuf []float32, bits []byte) {
	clear(bits[:p.h*p.w/8])
	for y := range p.h {
		a, b := src[p.off0[y]:int(p.off0[y])+p.s1], src[p.off1[y]:int(p.off1[y])+p.s1]
		v := vbuf[:p.s1]
		rule := ruleSeparate
		if p.fusedY[y] == 1 {
			rule = ruleFused
		}
		combineRow(rule, p.w0y[y], a, p.w1y[y], b, v)
		row := bits[y*p.w/8:]
		for x := range p.w {
			var pos bool
			switch p.mode {
			case 0:
				pos = v[x] > 0
			case 1:
				pos = fma32(p.w1x[x], v[p.idx1[x]], float32(p.w0x[x]*v[p.idx0[x]])) > 0
			default:
				pos = ruleSeparate.combine(p.w0x[x], v[p.idx0[x]], p.w1x[x], v[p.idx1[x]]) > 0
			}
			if pos {
				row[x/8] |= 1 << (x % 8)
			}
		}
	}
}

// denseEmitGo is denseEmit in Go: |S| and |S ∩ G| of the bits inside the ROI,
// and the SAM bits (every byte written) and heat counts (each nil: not
// wanted), for pixels pixels (a multiple of 8).
func denseEmitGo(bits, roi, gt []byte, sam, heat []uint8, pixels int) (size, inter int64) {
	for q := range pixels / 8 {
		m := bits[q] & roi[q]
		if sam != nil {
			sam[q] = m
		}
		if m == 0 {
			continue
		}
		size += int64(popcount8(m))
		inter += int64(popcount8(m & gt[q]))
		for i := range 8 {
			if heat != nil {
				heat[8*q+i] += m >> i & 1
			}
		}
	}
	return size, inter
}

func popcount8(b byte) int {
	n := 0
	for ; b != 0; b &= b - 1 {
		n++
	}
	return n
}
