package data

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// HalfToFloat32 converts an IEEE 754 binary16 value (1 sign bit, 5 exponent bits
// with bias 15, 10 fraction bits) to float32, exactly: every half value is a
// float32 value. Exponent 0 is zero or a subnormal (−1)^s · 2^−14 · f/1024;
// exponent 31 is ±Inf (f = 0) or NaN (f ≠ 0, payload kept in the top fraction
// bits); otherwise (−1)^s · 2^(e−15) · (1 + f/1024).
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch exp {
	case 0: // zero or subnormal: f · 2^−24, exact in float32
		v := float32(frac) * (1.0 / (1 << 24))
		return math.Float32frombits(math.Float32bits(v) | sign)
	case 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	}
	return math.Float32frombits(sign | (exp-15+127)<<23 | frac<<13)
}

// Float32ToHalf converts v to the nearest IEEE 754 binary16 value (ties to
// even), as numpy's astype(float16): values beyond the largest half (65504,
// after rounding) become ±Inf, values below the smallest subnormal 2^−24 (after
// rounding) become ±0, NaN stays NaN.
func Float32ToHalf(v float32) uint16 {
	b := math.Float32bits(v)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	frac := b & 0x7fffff
	switch {
	case exp == 0xff && frac != 0:
		return sign | 0x7e00 | uint16(frac>>13)
	case exp == 0xff:
		return sign | 0x7c00
	}
	e := exp - 127 + 15 // biased half exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 { // subnormal half (or zero): shift the full significand
		if e < -10 {
			return sign
		}
		m := frac | 0x800000  // 24-bit significand
		shift := uint(14 - e) // 13 fraction bits dropped, plus 1 − e
		return sign | uint16(roundShift(m, shift))
	}
	// Normal: round the 23-bit fraction to 10 bits; a carry may bump the exponent
	// (up to Inf), which adding to the combined bits handles.
	return sign + uint16(uint32(e)<<10+roundShift(frac, 13))
}

// roundShift returns m >> shift rounded to nearest, ties to even.
func roundShift(m uint32, shift uint) uint32 {
	q := m >> shift
	rem := m & (1<<shift - 1)
	half := uint32(1) << (shift - 1)
	if rem > half || (rem == half && q&1 == 1) {
		q++
	}
	return q
}

// readRaw reads n elements of size bytes each from r in 64 KiB chunks and hands
// each element's bytes to put, so that only the decoded array is held in memory.
func readRaw(r io.Reader, n int64, size int, put func(i int64, b []byte)) error {
	buf := make([]byte, (1<<16)/size*size)
	for i := int64(0); i < n; {
		chunk := min(int64(len(buf)/size), n-i)
		b := buf[:chunk*int64(size)]
		if _, err := io.ReadFull(r, b); err != nil {
			return fmt.Errorf("after %d of %d values: %w", i, n, err)
		}
		for j := range chunk {
			put(i+j, b[j*int64(size):(j+1)*int64(size)])
		}
		i += chunk
	}
	return nil
}

// decodeRaw reads the n elements of the dtypes npyio does not decode (float16
// into Float32; the integer types into Float64, exact up to 2^53) from r into a.
func decodeRaw(r io.Reader, n int64, descr string, a *Array) error {
	var order binary.ByteOrder = binary.LittleEndian
	if descr[0] == '>' {
		order = binary.BigEndian
	}
	if a.DType == "float16" {
		a.Float32 = make([]float32, n)
		return readRaw(r, n, 2, func(i int64, b []byte) { a.Float32[i] = HalfToFloat32(order.Uint16(b)) })
	}
	a.Float64 = make([]float64, n)
	var put func(i int64, b []byte)
	switch a.DType {
	case "int8":
		put = func(i int64, b []byte) { a.Float64[i] = float64(int8(b[0])) }
	case "int16":
		put = func(i int64, b []byte) { a.Float64[i] = float64(int16(order.Uint16(b))) }
	case "uint16":
		put = func(i int64, b []byte) { a.Float64[i] = float64(order.Uint16(b)) }
	case "int32":
		put = func(i int64, b []byte) { a.Float64[i] = float64(int32(order.Uint32(b))) }
	case "uint32":
		put = func(i int64, b []byte) { a.Float64[i] = float64(order.Uint32(b)) }
	case "int64":
		put = func(i int64, b []byte) { a.Float64[i] = float64(int64(order.Uint64(b))) }
	case "uint64":
		put = func(i int64, b []byte) { a.Float64[i] = float64(order.Uint64(b)) }
	default:
		return fmt.Errorf("no raw decoder for %s", a.DType)
	}
	return readRaw(r, n, npyTypes[descr].size, put)
}
