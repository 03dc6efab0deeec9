package protoseg

import (
	"encoding/binary"
	mbits "math/bits"
)

// BitMask is a binary map packed one bit a pixel: pixel p is object when bit
// p%8 of byte p/8 is set (the bits past the last pixel are zero). Unit SAMs
// ([UnitResult.SAMs]) are BitMasks: the unit kernel decides pixels as bits and
// stores them as they are, an eighth of the memory of a byte a pixel. A
// BitMask shares its bytes with the result it came from; [BitMask.Unpack] gives
// the byte-a-pixel form (0 or 1) the rest of the package's maps use.
type BitMask struct {
	bits []byte
	n    int
}

// bitBytes is the number of bytes a BitMask of n pixels holds: ⌈n/8⌉.
func bitBytes(n int) int { return (n + 7) / 8 }

// NewBitMask returns an empty (all background) BitMask of n pixels.
func NewBitMask(n int) BitMask {
	return BitMask{bits: make([]byte, bitBytes(n)), n: n}
}

// PackBits returns the BitMask of a byte-a-pixel binary map (nonzero is
// object).
func PackBits(m []uint8) BitMask {
	b := NewBitMask(len(m))
	for p, v := range m {
		if v != 0 {
			b.bits[p/8] |= 1 << (p % 8)
		}
	}
	return b
}

// Len returns the number of pixels.
func (m BitMask) Len() int { return m.n }

// At reports whether pixel p is object (false outside [0, Len)).
func (m BitMask) At(p int) bool {
	return p >= 0 && p < m.n && m.bits[p/8]>>(p%8)&1 != 0
}

// Count returns the number of object pixels.
func (m BitMask) Count() int {
	c := 0
	b := m.bits
	for len(b) >= 8 {
		c += mbits.OnesCount64(uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56)
		b = b[8:]
	}
	for _, v := range b {
		c += mbits.OnesCount8(v)
	}
	return c
}

// Bytes returns the packed bytes (⌈Len/8⌉; pixel p is bit p%8 of byte p/8).
// They are the mask's own memory, not a copy.
func (m BitMask) Bytes() []byte { return m.bits }

// Unpack writes the mask a byte a pixel (1 object, 0 background) into dst,
// grown when shorter than Len, and returns dst[:Len].
func (m BitMask) Unpack(dst []uint8) []uint8 {
	if cap(dst) < m.n {
		dst = make([]uint8, m.n)
	}
	dst = dst[:m.n]
	for q, v := range m.bits[:m.n/8] {
		binary.LittleEndian.PutUint64(dst[8*q:], spreadBits(v))
	}
	for p := m.n / 8 * 8; p < m.n; p++ {
		dst[p] = m.bits[p/8] >> (p % 8) & 1
	}
	return dst
}

// Equal reports whether two masks have the same pixels.
func (m BitMask) Equal(o BitMask) bool {
	return m.n == o.n && string(m.bits) == string(o.bits)
}

// packInto packs the byte-a-pixel map src (nonzero is object) into the first
// ⌈len(src)/8⌉ bytes of dst, overwriting them.
func packInto(dst []byte, src []uint8) {
	for q := range bitBytes(len(src)) {
		var v byte
		for i, s := range src[8*q : min(8*q+8, len(src))] {
			if s != 0 {
				v |= 1 << i
			}
		}
		dst[q] = v
	}
}

// setBits sets bits [p0, p1) of b.
func setBits(b []byte, p0, p1 int) {
	if p0 >= p1 {
		return
	}
	q0, q1 := p0/8, (p1-1)/8
	lo, hi := byte(0xff)<<(p0%8), byte(0xff)>>(7-(p1-1)%8)
	if q0 == q1 {
		b[q0] |= lo & hi
		return
	}
	b[q0] |= lo
	for q := q0 + 1; q < q1; q++ {
		b[q] = 0xff
	}
	b[q1] |= hi
}

// spreadBits returns the 8 bytes whose byte i (little-endian) is bit i of v:
// v copied into every byte, byte i masked to bit i, and each nonzero byte
// (at most 0x80) turned into 1 by adding 0x7f (no carry leaves a byte).
func spreadBits(v byte) uint64 {
	x := uint64(v) * 0x0101010101010101 & 0x8040201008040201
	return (x + 0x7f7f7f7f7f7f7f7f) >> 7 & 0x0101010101010101
}
