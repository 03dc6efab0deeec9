package protoseg

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// The unit kernel: ProtoSeg on every unit (channel) of a feature without the N·C
// full-resolution unit maps that the graph path (unitGraph) builds only to count.
//
// For one channel k the SAM is a threshold. The unit logit at the feature's size,
//
//	l_k(x) = (c_t,k − c_b,k)·(2 f_k(x) − c_t,k − c_b,k)
//
// (with c_t,k − c_b,k set to 0 on a tie, see linearLogit), is positive exactly
// where f_k is closer to the object prototype, i.e. on the side of the midpoint
// (c_t,k + c_b,k)/2 given by the sign of c_t,k − c_b,k. The graph path up-samples
// l_k to the mask size, u_k = Resize(l_k), and the SAM is S_k = [u_k > 0]. Since
// the prototypes of the up-sampled map are those of the low-resolution map under
// the adjoint (down-sampled) mask (docs/design.md §6), a small graph (unitLowGraph)
// gives l_k and the checks, and this kernel does the rest in plain Go, per image n
// and unit k:
//
//   - up-sample l_k along every spatial axis but the last, exactly as the graph
//     path's interpolation product rounds (separable two-tap rows; the rounding
//     rule per row comes from probeRules), into a buffer [S_0, …, S_{r−2}, s_{r−1}];
//   - along the last axis, only the sign of u_k is needed: a stretch of outputs
//     between two source values of one sign has that sign (u is a convex
//     combination), and only stretches whose two sources differ in sign are
//     evaluated pixel by pixel (combineRule.positive);
//   - each run [p0, p1) of object pixels adds to |S ∩ G| = Σ G·R and |S| = Σ R
//     through prefix sums of G·R and R, to the heat-map count through a difference
//     array, and, when asked, copies R into the unit's SAM.
//
// Every count is an integer, so the N·C tasks run on a small worker pool in any
// order and the result is bit-identical to the graph path's (unitkernel_test.go).

// maxKernelLogit bounds |l_k| for the kernel: up to it, no up-sampling step can
// overflow (each is a convex combination, weights summing to 1 within rounding),
// so every value stays finite and zero weights contribute exact zeros, as in the
// graph path's dense product. Larger (or non-finite) logits take the graph path.
const maxKernelLogit = 0x1p125

// safeMin: two source values ≥ safeMin (and a tap weight ≥ 1/4) give an
// interpolated value that no rounding flushes to zero.
const safeMin = 0x1p-100

// unitKernel is one batch of the unit analysis.
type unitKernel struct {
	n, c     int
	low      []float32 // [N, C, s...]: the unit logits at the feature's size
	lowSize  int       // Π s
	lowDims  []int     // s...
	axes     []*axisTaps
	lowT     *tensors.Tensor  // the tensor holding low (nil: the logits come from featT)
	featT    *tensors.Tensor  // the feature [N, s..., C], when the kernel forms the unit logits
	feat     []float32        // featT's values during run
	diff     []float32        // c_t − c_b per image and unit (0 on a tie), [N·C]
	sum      []float32        // c_t + c_b per image and unit, [N·C]
	pixels   int              // Π S, the mask's size
	region   *regionMaps      // prefix sums of G·R and R, the binary ROI
	skip     []bool           // images whose SAMs the empty-region convention fills
	keep     bool             // the unit SAMs are kept
	sams     []BitMask        // the N·C unit SAMs when kept (allocated by run, one array)
	samBytes [][]uint8        // when non-nil, the SAMs unpacked (zeroed maps of P bytes, filled by run)
	noHeat   bool             // no heat-map wanted (the layer analysis)
	dense    bool             // two spatial axes decided pixel by pixel (unitkernel2d.go)
	plan     *densePlan       // the SIMD path's taps (unitkernel_dense.go), nil when it cannot run
	scratch  *[]*denseScratch // the dense workers' buffers kept between calls (nil: fresh ones)
	inline   int              // the dense path runs on the caller below this many pixel decisions
	inter    []int64          // |S ∩ G| per image and unit, inside R
	size     []int64          // |S| per image and unit, inside R
	overflow atomic.Bool
}

// runOn is run on the logits of lowT; it returns nil, false when a logit
// exceeded maxKernelLogit.
func (k *unitKernel) runOn() (heat []float32, done bool) {
	if k.featT != nil {
		tensors.MustConstFlatData(k.featT, func(f []float32) {
			k.feat = f
			heat, done = k.run()
			k.feat = nil
		})
		return heat, done
	}
	tensors.MustConstFlatData(k.lowT, func(low []float32) {
		k.low = low
		heat, done = k.run()
		k.low = nil
	})
	return heat, done
}

// unitLogits returns the logit of task t = n·C + k at the feature's size,
// diff·(2 f − sum) with every step rounded to float32 as the graph's element-wise
// ops round it (explicit conversions: never fused), in the worker's buffer.
func (w *unitWorker) unitLogits(t int) []float32 {
	k := w.k
	n, unit := t/k.c, t%k.c
	d, s := k.diff[t], k.sum[t]
	f := k.feat[n*k.lowSize*k.c:]
	src := w.src
	for x := range src {
		src[x] = float32(d * float32(float32(2*f[x*k.c+unit])-s))
	}
	return src
}

// run computes inter, size, the SAMs (when kept) and returns the heat-maps
// [N·P], the mean over units of the unit SAMs inside the ROI; it reports false
// when a logit exceeded maxKernelLogit (the caller then takes the graph path).
func (k *unitKernel) run() ([]float32, bool) {
	if level := denseLevel(denseUse.Load()); level != denseOff && k.plan != nil {
		if level > denseGo && level > cpuDenseLevel() {
			level = denseGo
		}
		if k.keep {
			k.sams = make([]BitMask, k.n*k.c) // their bits: allocated by the workers, task by task
		}
		return k.runDense(level)
	}
	if k.keep {
		k.allocSAMs()
	}
	tasks := k.n * k.c
	workers := make([]*unitWorker, max(1, min(runtime.GOMAXPROCS(0), tasks)))
	var next atomic.Int64
	var wg sync.WaitGroup
	for i := range workers {
		workers[i] = k.newWorker()
		wg.Add(1)
		go func(w *unitWorker) {
			defer wg.Done()
			for !k.overflow.Load() {
				t := int(next.Add(1) - 1)
				if t >= tasks {
					return
				}
				if !k.skip[t/k.c] {
					w.unit(t)
				}
			}
		}(workers[i])
	}
	wg.Wait()
	if k.overflow.Load() {
		return nil, false
	}
	for t, b := range k.samBytes {
		k.sams[t].Unpack(b)
	}
	if k.noHeat {
		return nil, true
	}
	return k.heat(workers), true
}

// allocSAMs sets k.sams to N·C empty masks of P pixels, one array for all.
func (k *unitKernel) allocSAMs() {
	stride := bitBytes(k.pixels)
	all := make([]byte, k.n*k.c*stride)
	k.sams = make([]BitMask, k.n*k.c)
	for t := range k.sams {
		k.sams[t] = BitMask{bits: all[t*stride : (t+1)*stride : (t+1)*stride], n: k.pixels}
	}
}

// heat sums the workers' difference arrays and dense counts: the number of
// units whose SAM holds pixel p, times float32(1/C) (the graph's ReduceMean),
// inside the ROI.
func (k *unitKernel) heat(workers []*unitWorker) []float32 {
	out := make([]float32, k.n*k.pixels)
	inv := float32(1 / float64(k.c))
	sum := make([]int32, k.pixels+1)
	for n := range k.n {
		clear(sum)
		for _, w := range workers {
			if d := w.heatDiff[n]; d != nil {
				run := int32(0)
				for p := range k.pixels {
					run += d[p]
					sum[p] += run
				}
			}
			if c := w.heatCnt[n]; c != nil {
				for p, v := range c {
					sum[p] += v
				}
			}
		}
		h := out[n*k.pixels : (n+1)*k.pixels]
		for p := range h {
			if k.region.roi == nil || k.region.roi[n][p] != 0 {
				h[p] = float32(sum[p]) * inv
			}
		}
	}
	return out
}

// unitWorker holds one goroutine's buffers.
type unitWorker struct {
	k        *unitKernel
	buf      [2][]float32
	dims     []int
	heatDiff [][]int32 // per image: difference array of the heat count (P+1), nil until used
	heatCnt  [][]int32 // per image: the heat count of the dense rows (P), nil until used
	e        emitter
	src      []float32  // a unit's logits at the feature's size (unitLogits)
	pos      []uint8    // the signs of one output row (denseRow)
	class    []segClass // per last-axis segment (unit2D)
	runs     [][2]int32 // object runs of a uniform row band (unit2D)
}

func (k *unitKernel) newWorker() *unitWorker {
	w := &unitWorker{k: k, dims: make([]int, len(k.lowDims)), heatDiff: make([][]int32, k.n), heatCnt: make([][]int32, k.n),
		class: make([]segClass, len(k.axes[len(k.axes)-1].segs)), src: make([]float32, k.lowSize)}
	size, most := k.lowSize, 0
	for ax, t := range k.axes[:len(k.axes)-1] {
		size = size / k.lowDims[ax] * t.size
		most = max(most, size)
	}
	most = max(most, k.axes[len(k.axes)-1].size)
	w.pos = make([]uint8, k.axes[len(k.axes)-1].size)
	w.buf = [2][]float32{make([]float32, most), make([]float32, most)}
	return w
}

// unit runs task t = n·C + k: image n, unit k.
func (w *unitWorker) unit(t int) {
	k := w.k
	var src []float32
	if k.feat != nil {
		src = w.unitLogits(t)
	} else {
		src = k.low[t*k.lowSize : (t+1)*k.lowSize]
	}
	for _, v := range src {
		if !(v <= maxKernelLogit && v >= -maxKernelLogit) { // also NaN
			k.overflow.Store(true)
			return
		}
	}
	e := w.emitter(t)
	if len(k.axes) == 2 {
		w.unit2D(src, e)
	} else {
		m := w.leading(src)
		last := k.axes[len(k.axes)-1]
		for r := range len(m) / last.cur {
			row, base := m[r*last.cur:(r+1)*last.cur], r*last.size
			if last.identity {
				e.scanRow(row, base)
			} else {
				e.segRow(last, row, base)
			}
		}
	}
	k.inter[t], k.size[t] = e.inter, e.size
	if e.sam != nil && e.roi != nil { // the runs set every object pixel; the SAM holds those inside R
		andBytes(e.sam, k.region.roiBits[t/k.c])
	}
}

// andBytes sets dst[i] &= src[i] for every byte of dst.
func andBytes(dst, src []byte) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] &= src[i]
	}
}

// leading up-samples src along every spatial axis but the last, each step as the
// graph path's resizeRotating computes it (axis 0 first, every value rounded to
// float32), and returns the result [S_0, …, S_{r−2}, s_{r−1}] (src itself when no
// leading axis changes size).
func (w *unitWorker) leading(src []float32) []float32 {
	k := w.k
	copy(w.dims, k.lowDims)
	cur, which := src, 0
	for ax, t := range k.axes[:len(k.axes)-1] {
		if t.identity {
			continue
		}
		outer, inner := 1, 1
		for _, d := range w.dims[:ax] {
			outer *= d
		}
		for _, d := range w.dims[ax+1:] {
			inner *= d
		}
		dst := w.buf[which][:outer*t.size*inner]
		for o := range outer {
			in, out := cur[o*t.cur*inner:(o+1)*t.cur*inner], dst[o*t.size*inner:(o+1)*t.size*inner]
			for i := range t.size {
				a := in[int(t.j0[i])*inner : (int(t.j0[i])+1)*inner]
				b := in[int(t.j1[i])*inner : (int(t.j1[i])+1)*inner]
				combineRow(t.rule[i], t.w0[i], a, t.w1[i], b, out[i*inner:(i+1)*inner])
			}
		}
		w.dims[ax] = t.size
		cur, which = dst, 1-which
	}
	return cur
}

// combineRow sets out[x] = rule.combine(w0, a[x], w1, b[x]), the rule hoisted out
// of the loop.
func combineRow(rule combineRule, w0 float32, a []float32, w1 float32, b, out []float32) {
	a, b = a[:len(out)], b[:len(out)]
	switch rule {
	case ruleFused:
		const halfway, low, minNormal = 1 << 28, 1<<29 - 1, 0x3810000000000000 // bits of 2⁻¹²⁶
		for x := range out {                                                   // fma32, its common case inline
			r0 := float32(w0 * a[x])
			sum := float64(w1)*float64(b[x]) + float64(r0)
			if u := math.Float64bits(sum); u&low != halfway && u&^(1<<63) >= minNormal {
				out[x] = float32(sum)
			} else {
				out[x] = fma32(w1, b[x], r0)
			}
		}
	case ruleSeparate:
		for x := range out {
			out[x] = float32(w0*a[x]) + float32(w1*b[x])
		}
	default:
		for x := range out {
			out[x] = float32(float64(w0)*float64(a[x]) + float64(w1)*float64(b[x]))
		}
	}
}

// emitter accumulates the object runs of one unit SAM (pixel indices within the
// image).
type emitter struct {
	d           []int32 // the image's heat difference array
	gc, rc      []int32 // prefix sums of G·R and R (rc nil: R = 1)
	roi         []uint8 // the image's ROI (nil: everywhere)
	sam         []byte  // the unit's SAM bits (nil: not kept); runs set them ROI or not
	g8          []uint8 // the image's binary G·R (dense rows)
	cnt         []int32 // the image's dense heat count, nil until a dense row needs it
	cntOf       *[]int32
	pixels      int
	inter, size int64
}

func (w *unitWorker) emitter(t int) *emitter {
	k, n := w.k, t/w.k.c
	if w.heatDiff[n] == nil {
		w.heatDiff[n] = make([]int32, k.pixels+1)
	}
	e := &w.e
	*e = emitter{d: w.heatDiff[n], gc: k.region.gtCum[n], g8: k.region.gt[n], cnt: w.heatCnt[n],
		cntOf: &w.heatCnt[n], pixels: k.pixels}
	if k.region.roiCum != nil {
		e.rc, e.roi = k.region.roiCum[n], k.region.roi[n]
	}
	if k.sams != nil {
		e.sam = k.sams[t].bits
	}
	return e
}

// run records the object pixels [p0, p1).
func (e *emitter) run(p0, p1 int) {
	e.d[p0]++
	e.d[p1]--
	e.inter += int64(e.gc[p1] - e.gc[p0])
	if e.rc != nil {
		e.size += int64(e.rc[p1] - e.rc[p0])
	} else {
		e.size += int64(p1 - p0)
	}
	if e.sam != nil {
		setBits(e.sam, p0, p1)
	}
}

// scanRow records the object runs of a row that needs no resizing: [v > 0].
func (e *emitter) scanRow(row []float32, base int) {
	start := -1
	for x, v := range row {
		if v > 0 {
			if start < 0 {
				start = x
			}
		} else if start >= 0 {
			e.run(base+start, base+x)
			start = -1
		}
	}
	if start >= 0 {
		e.run(base+start, base+len(row))
	}
}

// segRow records the object runs of a row up-sampled along the last axis with
// taps t, from its source values row: a segment whose two sources are both
// ≥ safeMin is all object, both ≤ 0 all background (convex combinations keep the
// sign); the rest are decided pixel by pixel.
func (e *emitter) segRow(t *axisTaps, row []float32, base int) {
	start := -1
	for _, s := range t.segs {
		a, b := row[s.j0], row[s.j1]
		if a >= safeMin && b >= safeMin {
			if start < 0 {
				start = int(s.x0)
			}
			continue
		}
		if a <= 0 && b <= 0 {
			if start >= 0 {
				e.run(base+start, base+int(s.x0))
				start = -1
			}
			continue
		}
		if a > 0 && b > 0 {
			start = e.mixed(t, s, a, b, base, start)
			continue
		}
		// One source > 0, the other ≤ 0: one crossing c splits the segment.
		x0, x1, c := int(s.x0), int(s.x1), t.crossing(s, a, b)
		if a > 0 { // object [x0, c), background [c, x1)
			if start < 0 {
				start = x0
			}
			if c < x1 {
				e.run(base+start, base+c)
				start = -1
			}
		} else { // background [x0, c), object [c, x1)
			if start >= 0 && c > x0 {
				e.run(base+start, base+x0)
				start = -1
			}
			if c < x1 && start < 0 {
				start = c
			}
		}
	}
	if start >= 0 {
		e.run(base+start, base+t.size)
	}
}

// mixed records the pixels of a segment whose sources a and b differ in sign (or
// are tiny), continuing the object run that starts at start (−1: none), and
// returns the open run's start. When one source is > 0 and the other ≤ 0, the
// value along the segment is monotone (w0 falls and w1 rises, and every rule
// rounds monotonically), so the SAM is one object part and one background part
// split at a single crossing; two tiny positive sources are decided pixel by
// pixel.
func (e *emitter) mixed(t *axisTaps, s tapSegment, a, b float32, base, start int) int {
	x0, x1 := int(s.x0), int(s.x1)
	if a > 0 && b > 0 {
		for x := x0; x < x1; x++ {
			start = e.span(t.rule[x].positive(t.w0[x], a, t.w1[x], b), x, x+1, base, start)
		}
		return start
	}
	c := t.crossing(s, a, b)
	start = e.span(a > 0, x0, c, base, start)
	return e.span(b > 0, c, x1, base, start)
}

// crossing returns the first output x of segment s whose sign differs from the
// sign of its first source a, for sources a and b of which exactly one is > 0
// (x1 when none). The float64 value v(x) = w0·a + w1·b is within
// 2⁻²²·max(|a|, |b|) of every rule's result, so beyond the margin m its sign is
// the rule's; a guess from the exact crossing λ* = a/(a−b) of the weights,
// corrected by a walk (v is monotone), finds the first x where v·sign(a) ≤ m,
// and the rule decides from there to the first certain flip.
func (t *axisTaps) crossing(s tapSegment, a, b float32) int {
	fa, fb := float64(a), float64(b)
	x0 := int(s.x0)
	w0 := t.w0d[x0:s.x1]
	w1 := t.w1d[x0:s.x1]
	w1 = w1[:len(w0)]
	n := len(w0)
	m := math.Abs(fa)
	if mb := math.Abs(fb); mb > m {
		m = mb
	}
	if m *= 0x1p-20; m < 0x1p-120 {
		m = math.Inf(1) // tiny sources: the rule decides every pixel
	}
	if !(a > 0) {
		fa, fb = -fa, -fb // v·sign(a), exactly: negation commutes with rounding
	}
	g := 0
	if n > 2 && s.scale > 0 {
		g = min(max(int((fa/(fa-fb)-s.l0)*s.scale), 0), n)
	}
	var vg float64 // v·sign(a) at g, when known
	known := false
	if g < n {
		vg, known = w0[g]*fa+w1[g]*fb, true
		for vg > m { // walk forward to the first v·sign(a) ≤ m
			if g++; g == n {
				known = false
				break
			}
			vg = w0[g]*fa + w1[g]*fb
		}
	}
	for g > 0 { // walk back while the previous one is ≤ m too
		v := w0[g-1]*fa + w1[g-1]*fb
		if v > m {
			break
		}
		g, vg, known = g-1, v, true
	}
	for pa := a > 0; g < n; g++ {
		if !known {
			vg = w0[g]*fa + w1[g]*fb
		}
		known = false
		if vg < -m || t.rule[x0+g].positive(t.w0[x0+g], a, t.w1[x0+g], b) != pa {
			return x0 + g
		}
	}
	return int(s.x1)
}

// span records pixels [x0, x1) of a row as all object (pos) or all background,
// continuing or closing the open run at start (−1: none); it returns the open
// run's start.
func (e *emitter) span(pos bool, x0, x1, base, start int) int {
	if x0 >= x1 {
		return start
	}
	if pos {
		if start < 0 {
			start = x0
		}
		return start
	}
	if start >= 0 {
		e.run(base+start, base+x0)
	}
	return -1
}
