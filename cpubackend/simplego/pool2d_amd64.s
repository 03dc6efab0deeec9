//go:build amd64 && !purego

#include "textflag.h"

// 2×2 max-pooling rows (fuse_pool2d.go). Go compiles max(a, b) on float32
// as −(m1 | m2) with m1 = MINSS(−a, −b) and m2 = MINSS(m1, −a); the same
// instructions on 8 lanes give the same bits, ±0 and NaN payloads
// included. The running maximum is kept negated between steps.

// func pool2x2RowAVX2(o, a0, a1 *float32, w, c int)
// o[x·c + ch] = max(max(max(max(−Inf, a0[2x·c+ch]), a0[(2x+1)·c+ch]),
// a1[2x·c+ch]), a1[(2x+1)·c+ch]) for x < w, ch < c; c a multiple of 8.
TEXT ·pool2x2RowAVX2(SB), NOSPLIT, $0-40
	MOVQ o+0(FP), DI
	MOVQ a0+8(FP), SI
	MOVQ a1+16(FP), DX
	MOVQ w+24(FP), CX
	MOVQ c+32(FP), R8
	SHLQ $2, R8 // bytes of a pixel
	MOVL $0x80000000, AX
	MOVD AX, X15
	VBROADCASTSS X15, Y15 // sign bit
	MOVL $0x7f800000, AX
	MOVD AX, X14
	VBROADCASTSS X14, Y14 // +Inf = −(−Inf)
	TESTQ CX, CX
	JLE  poolDone
poolPixel:
	XORQ BX, BX
poolVec:
	VMOVAPS Y14, Y0 // nv = −(−Inf)
	LEAQ (SI)(BX*1), R10
	VMOVUPS (R10), Y1
	VMOVUPS (R10)(R8*1), Y2
	LEAQ (DX)(BX*1), R11
	VMOVUPS (R11), Y3
	VMOVUPS (R11)(R8*1), Y4
	VXORPS Y15, Y1, Y1
	VMINPS Y1, Y0, Y5
	VMINPS Y0, Y5, Y6
	VORPS  Y5, Y6, Y0
	VXORPS Y15, Y2, Y2
	VMINPS Y2, Y0, Y5
	VMINPS Y0, Y5, Y6
	VORPS  Y5, Y6, Y0
	VXORPS Y15, Y3, Y3
	VMINPS Y3, Y0, Y5
	VMINPS Y0, Y5, Y6
	VORPS  Y5, Y6, Y0
	VXORPS Y15, Y4, Y4
	VMINPS Y4, Y0, Y5
	VMINPS Y0, Y5, Y6
	VORPS  Y5, Y6, Y0
	VXORPS Y15, Y0, Y0
	VMOVUPS Y0, (DI)(BX*1)
	ADDQ $32, BX
	CMPQ BX, R8
	JLT  poolVec
	ADDQ R8, DI
	LEAQ (SI)(R8*2), SI
	LEAQ (DX)(R8*2), DX
	DECQ CX
	JNZ  poolPixel
poolDone:
	VZEROUPPER
	RET
