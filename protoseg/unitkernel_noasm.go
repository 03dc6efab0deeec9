//go:build !amd64 || purego

package protoseg

// cpuDenseLevel: without assembly, the portable paths.
func cpuDenseLevel() denseLevel { return denseOff }

// denseMaskSIMD: no SIMD producer here.
func denseMaskSIMD(denseLevel, *densePlan, []float32, []float32, []byte) bool { return false }

// denseMaskEmitSIMD: no fused producer here.
func denseMaskEmitSIMD(denseLevel, *densePlan, []float32, []float32, []byte, []byte, []byte, []byte) (size, inter int64, ok bool) {
	return 0, 0, false
}

// denseEmitSIMD: no SIMD emitter here; denseEmit never calls it (the level is
// never above denseGo).
func denseEmitSIMD(_ denseLevel, bits, roi, gt []byte, sam, heat []uint8, pixels int) (size, inter int64) {
	return denseEmitGo(bits, roi, gt, sam, heat, pixels)
}

// denseArgsOffsets: no assembly, no layout to hold.
func denseArgsOffsets() []uintptr { return nil }

// denseLogitsSIMD: no SIMD logits here.
func denseLogitsSIMD(denseLevel, []float32, int, int, int, int, []float32, []float32, []float32) (done, bad bool) {
	return false, false
}

// scaleBytes is scaleBytesGo.
func scaleBytes(dst []float32, src []uint8, s float32) { scaleBytesGo(dst, src, s) }
