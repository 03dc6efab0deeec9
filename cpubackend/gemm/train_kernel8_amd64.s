//go:build amd64 && !purego

// AVX-512 12×8 micro-kernel for the thin GEMMs of Base 8's top level (cout
// = 8 forward, the 72×8 weight gradient). It computes exactly what
// kern12x8AVX2 computes, bit for bit (same FMA per output, same k order,
// same alpha/beta epilogue), but two rows share one zmm: accumulator Zj
// holds row j (from a) in its even lanes and row j+6 (from a2) in its odd
// lanes, so each k step issues 6 zmm FMAs instead of 12 ymm ones. The B row
// is duplicated lane-wise ([b0 b0 b1 b1 … b7 b7]) by a VPERMPS; the A pair
// is one broadcast plus one broadcast merged into the odd lanes (mask K1).
// At the store a second VPERMPS splits each accumulator into its two rows.

#include "textflag.h"

// train8Dup duplicates lanes: [0 0 1 1 … 7 7].

DATA ·train8Dup<>+0(SB)/4, $0
DATA ·train8Dup<>+4(SB)/4, $0
DATA ·train8Dup<>+8(SB)/4, $1
DATA ·train8Dup<>+12(SB)/4, $1
DATA ·train8Dup<>+16(SB)/4, $2
DATA ·train8Dup<>+20(SB)/4, $2
DATA ·train8Dup<>+24(SB)/4, $3
DATA ·train8Dup<>+28(SB)/4, $3
DATA ·train8Dup<>+32(SB)/4, $4
DATA ·train8Dup<>+36(SB)/4, $4
DATA ·train8Dup<>+40(SB)/4, $5
DATA ·train8Dup<>+44(SB)/4, $5
DATA ·train8Dup<>+48(SB)/4, $6
DATA ·train8Dup<>+52(SB)/4, $6
DATA ·train8Dup<>+56(SB)/4, $7
DATA ·train8Dup<>+60(SB)/4, $7
GLOBL ·train8Dup<>(SB), RODATA|NOPTR, $64

// train8Split gathers even lanes into the low half, odd into the high.
DATA ·train8Split<>+0(SB)/4, $0
DATA ·train8Split<>+4(SB)/4, $2
DATA ·train8Split<>+8(SB)/4, $4
DATA ·train8Split<>+12(SB)/4, $6
DATA ·train8Split<>+16(SB)/4, $8
DATA ·train8Split<>+20(SB)/4, $10
DATA ·train8Split<>+24(SB)/4, $12
DATA ·train8Split<>+28(SB)/4, $14
DATA ·train8Split<>+32(SB)/4, $1
DATA ·train8Split<>+36(SB)/4, $3
DATA ·train8Split<>+40(SB)/4, $5
DATA ·train8Split<>+44(SB)/4, $7
DATA ·train8Split<>+48(SB)/4, $9
DATA ·train8Split<>+52(SB)/4, $11
DATA ·train8Split<>+56(SB)/4, $13
DATA ·train8Split<>+60(SB)/4, $15
GLOBL ·train8Split<>(SB), RODATA|NOPTR, $64

// func kern12x8AVX512(k int, a, a2 unsafe.Pointer, rsa, csa int, b, c unsafe.Pointer, ldc int, alpha, beta float32)
TEXT ·kern12x8AVX512(SB), NOSPLIT, $0-72
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ a2+16(FP), BX
	MOVQ rsa+24(FP), R8
	MOVQ csa+32(FP), R9
	MOVQ b+40(FP), DX
	MOVQ c+48(FP), R10
	MOVQ ldc+56(FP), R11
	SHLQ $2, R8
	SHLQ $2, R9
	SHLQ $2, R11
	LEAQ (SI)(R8*2), DI
	ADDQ R8, DI // DI = a + 3*rsa
	LEAQ (BX)(R8*2), R12
	ADDQ R8, R12 // R12 = a2 + 3*rsa
	MOVL $0xAAAA, AX
	KMOVW AX, K1
	VMOVUPS ·train8Dup<>(SB), Z16
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	CMPQ CX, $0
	JLE kern12x8AVX512_store
kern12x8AVX512_loop:
	VMOVUPS (DX), Y12
	VPERMPS Z12, Z16, Z12
	VBROADCASTSS (SI), Z17
	VBROADCASTSS (BX), K1, Z17
	VFMADD231PS Z12, Z17, Z0
	VBROADCASTSS (SI)(R8*1), Z18
	VBROADCASTSS (BX)(R8*1), K1, Z18
	VFMADD231PS Z12, Z18, Z1
	VBROADCASTSS (SI)(R8*2), Z19
	VBROADCASTSS (BX)(R8*2), K1, Z19
	VFMADD231PS Z12, Z19, Z2
	VBROADCASTSS (DI), Z20
	VBROADCASTSS (R12), K1, Z20
	VFMADD231PS Z12, Z20, Z3
	VBROADCASTSS (DI)(R8*1), Z21
	VBROADCASTSS (R12)(R8*1), K1, Z21
	VFMADD231PS Z12, Z21, Z4
	VBROADCASTSS (DI)(R8*2), Z22
	VBROADCASTSS (R12)(R8*2), K1, Z22
	VFMADD231PS Z12, Z22, Z5
	ADDQ R9, SI
	ADDQ R9, DI
	ADDQ R9, BX
	ADDQ R9, R12
	ADDQ $32, DX
	DECQ CX
	JNZ kern12x8AVX512_loop
kern12x8AVX512_store:
	VBROADCASTSS alpha+64(FP), Z13
	VMOVUPS ·train8Split<>(SB), Z16
	VMULPS Z13, Z0, Z0
	VPERMPS Z0, Z16, Z0
	VMULPS Z13, Z1, Z1
	VPERMPS Z1, Z16, Z1
	VMULPS Z13, Z2, Z2
	VPERMPS Z2, Z16, Z2
	VMULPS Z13, Z3, Z3
	VPERMPS Z3, Z16, Z3
	VMULPS Z13, Z4, Z4
	VPERMPS Z4, Z16, Z4
	VMULPS Z13, Z5, Z5
	VPERMPS Z5, Z16, Z5
	MOVQ R11, R13
	IMULQ $6, R13
	ADDQ R10, R13 // R13 = row 6 of C
	VMOVSS beta+68(FP), X15
	VXORPS X14, X14, X14
	VUCOMISS X14, X15
	JNE kern12x8AVX512_beta
	JPS kern12x8AVX512_beta
	VMOVUPS Y0, (R10)
	VEXTRACTF32X8 $1, Z0, Y6
	VMOVUPS Y6, (R13)
	ADDQ R11, R10
	ADDQ R11, R13
	VMOVUPS Y1, (R10)
	VEXTRACTF32X8 $1, Z1, Y7
	VMOVUPS Y7, (R13)
	ADDQ R11, R10
	ADDQ R11, R13
	VMOVUPS Y2, (R10)
	VEXTRACTF32X8 $1, Z2, Y8
	VMOVUPS Y8, (R13)
	ADDQ R11, R10
	ADDQ R11, R13
	VMOVUPS Y3, (R10)
	VEXTRACTF32X8 $1, Z3, Y9
	VMOVUPS Y9, (R13)
	ADDQ R11, R10
	ADDQ R11, R13
	VMOVUPS Y4, (R10)
	VEXTRACTF32X8 $1, Z4, Y10
	VMOVUPS Y10, (R13)
	ADDQ R11, R10
	ADDQ R11, R13
	VMOVUPS Y5, (R10)
	VEXTRACTF32X8 $1, Z5, Y11
	VMOVUPS Y11, (R13)
	VZEROUPPER
	RET
kern12x8AVX512_beta:
	VBROADCASTSS beta+68(FP), Y15
	VEXTRACTF32X8 $1, Z0, Y6
	VFMADD231PS (R10), Y15, Y0
	VMOVUPS Y0, (R10)
	VFMADD231PS (R13), Y15, Y6
	VMOVUPS Y6, (R13)
	ADDQ R11, R10
	ADDQ R11, R13
	VEXTRACTF32X8 $1, Z1, Y7
	VFMADD231PS (R10), Y15, Y1
	VMOVUPS Y1, (R10)
	VFMADD231PS (R13), Y15, Y7
	VMOVUPS Y7, (R13)
	ADDQ R11, R10
	ADDQ R11, R13
	VEXTRACTF32X8 $1, Z2, Y8
	VFMADD231PS (R10), Y15, Y2
	VMOVUPS Y2, (R10)
	VFMADD231PS (R13), Y15, Y8
	VMOVUPS Y8, (R13)
	ADDQ R11, R10
	ADDQ R11, R13
	VEXTRACTF32X8 $1, Z3, Y9
	VFMADD231PS (R10), Y15, Y3
	VMOVUPS Y3, (R10)
	VFMADD231PS (R13), Y15, Y9
	VMOVUPS Y9, (R13)
	ADDQ R11, R10
	ADDQ R11, R13
	VEXTRACTF32X8 $1, Z4, Y10
	VFMADD231PS (R10), Y15, Y4
	VMOVUPS Y4, (R10)
	VFMADD231PS (R13), Y15, Y10
	VMOVUPS Y10, (R13)
	ADDQ R11, R10
	ADDQ R11, R13
	VEXTRACTF32X8 $1, Z5, Y11
	VFMADD231PS (R10), Y15, Y5
	VMOVUPS Y5, (R10)
	VFMADD231PS (R13), Y15, Y11
	VMOVUPS Y11, (R13)
	VZEROUPPER
	RET
