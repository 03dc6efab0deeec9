//go:build amd64 && !purego

package protoseg

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// maskArgs are the arguments of the dense producers (unitkernel_amd64.s reads
// them at these offsets; TestDenseArgsLayout holds them).
type maskArgs struct {
	src, vbuf  *float32 // 0, 8
	bits       *byte    // 16
	h, s1p, w  int      // 24, 32, 40
	off0, off1 *int32   // 48, 56
	w0y, w1y   *float32 // 64, 72
	fusedY     *uint8   // 80
	idx0, idx1 *int32   // 88, 96
	w0x, w1x   *float32 // 104, 112
	mode, perm int      // 120, 128
	// denseMask64AVX512 with roi non-nil (and AVX-512BW) emits as it goes, as
	// denseEmit does: the bits ANDed with roi into sam and heat (each nil: not
	// wanted), their counts into size and inter; bits is then left alone.
	roi, gt     *byte  // 136, 144
	sam, heat   *uint8 // 152, 160
	size, inter int64  // 168, 176
}

// emitArgs are the arguments of denseEmitAVX2 (offsets in the comments).
type emitArgs struct {
	bits, roi, gt *byte  // 0, 8, 16
	sam, heat     *uint8 // 24, 32 (nil: not wanted); sam takes the bits ANDed with roi
	n32           int    // 40: blocks of 32 pixels (64 for denseEmitAVX512)
	size, inter   int64  // 48, 56: results
}

// logitArgs are the arguments of denseLogitsAVX512 (offsets in the comments).
type logitArgs struct {
	f        *float32 // 0: the feature at image n, unit u0
	c, units int      // 8, 16: the feature's channels; the units to form
	cells    int      // 24: Π s
	s1, s1p  int      // 32, 40
	dst      *float32 // 48
	rows     int      // 56: floats per unit in dst (s0·s1p; < 2³¹)
	d, s     *float32 // 64, 72
	max      float32  // 80: maxKernelLogit
	bad      int      // 88: result, non-zero when a logit is out of range
}

//go:noescape
func denseLogitsAVX512(a *logitArgs)

//go:noescape
func denseLogits8AVX512(a *logitArgs)

//go:noescape
func denseLogitsT16AVX512(a *logitArgs)

//go:noescape
func denseLogitsT8AVX512(a *logitArgs)

//go:noescape
func denseMaskAVX512(a *maskArgs)

//go:noescape
func denseMask64AVX512(a *maskArgs)

//go:noescape
func denseMaskAVX2(a *maskArgs)

//go:noescape
func denseEmitAVX2(a *emitArgs)

//go:noescape
func denseEmitAVX512(a *emitArgs)

//go:noescape
func scaleBytesAVX2(dst *float32, src *byte, n int, s float32)

// scaleBytes sets dst[i] = float32(src[i])·s, in AVX2 for whole blocks of 8.
func scaleBytes(dst []float32, src []uint8, s float32) {
	n := len(src) / 8 * 8
	dst = dst[:len(src)]
	if n > 0 && cpuDenseLevel() >= denseAVX2 {
		scaleBytesAVX2(&dst[0], &src[0], n/8, s)
	}
	scaleBytesGo(dst[n:], src[n:], s)
}

func init() {
	denseUse.Store(int32(cpuDenseLevel()))
}

// cpuDenseLevel is the best dense level this CPU runs.
func cpuDenseLevel() denseLevel {
	x := cpu.X86
	switch {
	case !(x.HasAVX2 && x.HasFMA && x.HasPOPCNT):
		return denseOff
	case x.HasAVX512F:
		return denseAVX512
	}
	return denseAVX2
}

// denseMaskSIMD runs the level's producer; false when the CPU lacks it.
func denseMaskSIMD(level denseLevel, p *densePlan, src, vbuf []float32, bits []byte) bool {
	if level > cpuDenseLevel() {
		return false
	}
	a := maskArgs{src: &src[0], vbuf: &vbuf[0], bits: &bits[0], h: p.h, s1p: p.s1p, w: p.w,
		off0: &p.off0[0], off1: &p.off1[0], w0y: &p.w0y[0], w1y: &p.w1y[0], fusedY: &p.fusedY[0],
		idx0: &p.idx0[0], idx1: &p.idx1[0], w0x: &p.w0x[0], w1x: &p.w1x[0], mode: p.mode, perm: p.perm}
	switch {
	case level == denseAVX512 && p.w == 64 && p.mode != 0 && p.perm < 2:
		denseMask64AVX512(&a)
	case level == denseAVX512:
		denseMaskAVX512(&a)
	default:
		denseMaskAVX2(&a)
	}
	return true
}

// denseMaskEmitSIMD is denseMask followed by denseEmit, fused into the
// producer where it can be (denseMask64AVX512 with AVX-512BW); ok is false
// elsewhere (the caller then runs the two).
func denseMaskEmitSIMD(level denseLevel, p *densePlan, src, vbuf []float32, roi, gt, sam, heat []byte) (size, inter int64, ok bool) {
	x := &cpu.X86
	if level != denseAVX512 || !x.HasAVX512F || !x.HasAVX512BW || !x.HasPOPCNT || p.w != 64 || p.mode == 0 || p.perm >= 2 {
		return 0, 0, false
	}
	a := maskArgs{src: &src[0], vbuf: &vbuf[0], h: p.h, s1p: p.s1p, w: p.w,
		off0: &p.off0[0], off1: &p.off1[0], w0y: &p.w0y[0], w1y: &p.w1y[0], fusedY: &p.fusedY[0],
		idx0: &p.idx0[0], idx1: &p.idx1[0], w0x: &p.w0x[0], w1x: &p.w1x[0], mode: p.mode, perm: p.perm,
		roi: &roi[0], gt: &gt[0]}
	if sam != nil {
		a.sam = &sam[0]
	}
	if heat != nil {
		a.heat = &heat[0]
	}
	denseMask64AVX512(&a)
	return a.size, a.inter, true
}

// denseEmitSIMD is denseEmitGo for the first pixels pixels (a multiple of 32):
// in AVX-512BW by 64 pixels at level denseAVX512 where the CPU has it, the rest
// in AVX2.
func denseEmitSIMD(level denseLevel, bits, roi, gt []byte, sam, heat []uint8, pixels int) (size, inter int64) {
	done := 0
	if level == denseAVX512 && cpu.X86.HasAVX512BW && pixels >= 64 {
		size, inter = emitBlocks(denseEmitAVX512, bits, roi, gt, sam, heat, pixels/64)
		done = pixels / 64 * 64
	}
	if done < pixels {
		s, i := emitBlocks(denseEmitAVX2, bits[done/8:], roi[done/8:], gt[done/8:], sub(sam, done/8), sub(heat, done), (pixels-done)/32)
		size, inter = size+s, inter+i
	}
	return size, inter
}

// emitBlocks runs an emitter over blocks blocks.
func emitBlocks(emit func(*emitArgs), bits, roi, gt []byte, sam, heat []uint8, blocks int) (size, inter int64) {
	a := emitArgs{bits: &bits[0], roi: &roi[0], gt: &gt[0], n32: blocks}
	if sam != nil {
		a.sam = &sam[0]
	}
	if heat != nil {
		a.heat = &heat[0]
	}
	emit(&a)
	return a.size, a.inter
}

// sub is b[from:], nil for nil.
func sub(b []uint8, from int) []uint8 {
	if b == nil {
		return nil
	}
	return b[from:]
}

// denseLogitsSIMD forms the logits of units [0, len(d)) as denseWorker.logits
// does, at level; false when this level has no such kernel. bad reports a
// logit out of range. Rows whose length s1 is a multiple of 16 take the
// transposing kernels (blocks of 16 cells, plain stores); others a scatter.
func denseLogitsSIMD(level denseLevel, f []float32, c, cells, s1, s1p int, dst []float32, d, s []float32) (done, bad bool) {
	if level != denseAVX512 || cpuDenseLevel() < denseAVX512 || len(d) == 0 {
		return false, false
	}
	a := logitArgs{f: &f[0], c: c, units: len(d), cells: cells, s1: s1, s1p: s1p, dst: &dst[0],
		rows: len(dst) / len(d), d: &d[0], s: &s[0], max: maxKernelLogit}
	switch {
	case c == 8 && len(d) == 8 && s1%2 == 0: // two cells per vector
		var d2, s2 [16]float32
		copy(d2[:], d)
		copy(d2[8:], d)
		copy(s2[:], s)
		copy(s2[8:], s)
		a.d, a.s = &d2[0], &s2[0]
		if s1%16 == 0 {
			denseLogitsT8AVX512(&a)
		} else {
			denseLogits8AVX512(&a)
		}
	case s1%16 == 0:
		denseLogitsT16AVX512(&a)
	default:
		denseLogitsAVX512(&a)
	}
	return true, a.bad != 0
}

// denseArgsOffsets are the field offsets the assembly assumes.
func denseArgsOffsets() []uintptr {
	var m maskArgs
	var e emitArgs
	var l logitArgs
	return []uintptr{unsafe.Offsetof(m.bits), unsafe.Offsetof(m.off0), unsafe.Offsetof(m.fusedY),
		unsafe.Offsetof(m.w1x), unsafe.Offsetof(m.perm), unsafe.Offsetof(m.roi), unsafe.Offsetof(m.heat),
		unsafe.Offsetof(m.inter), unsafe.Offsetof(e.n32), unsafe.Offsetof(e.inter),
		unsafe.Offsetof(l.dst), unsafe.Offsetof(l.rows), unsafe.Offsetof(l.max), unsafe.Offsetof(l.bad)}
}
