//go:build amd64 && !purego

#include "textflag.h"

// AVX2 kernels of the training fusions (fuse_train_*.go), bit-identical to
// their Go loops.

// func poolGradAVX2(o, v, x, m *float32, w2, c int)
// For each of w2 pixels p and dx in {0, 1}: o[(2p+dx)·c + j] =
// v[p·c + j] · (1 where !(x[(2p+dx)·c + j] − m[p·c + j] < 0), +0 elsewhere):
// poolGradRow's v · reluIndicator(x − m). c is a multiple of 8.
TEXT ·poolGradAVX2(SB), NOSPLIT, $0-48
	MOVQ o+0(FP), DI
	MOVQ v+8(FP), BX
	MOVQ x+16(FP), SI
	MOVQ m+24(FP), DX
	MOVQ w2+32(FP), R9
	MOVQ c+40(FP), R10
	SHRQ $3, R10 // vectors per channel row
	JZ   pgDone
	TESTQ R9, R9
	JZ   pgDone
	MOVQ R10, R11
	SHLQ $5, R11 // bytes per channel row
	VXORPS Y7, Y7, Y7
	MOVL $0x3f800000, AX
	MOVD AX, X6
	VPBROADCASTD X6, Y6
pgPix:
	LEAQ (SI)(R11*1), R13 // x at dx = 1
	LEAQ (DI)(R11*1), R14 // o at dx = 1
	MOVQ R10, CX
	XORQ R12, R12
pgVec:
	VMOVUPS (BX)(R12*1), Y2 // v
	VMOVUPS (DX)(R12*1), Y3 // m
	VMOVUPS (SI)(R12*1), Y0
	VSUBPS  Y3, Y0, Y0      // x − m
	VCMPPS  $5, Y7, Y0, Y1  // NLT_US: !(x − m < 0)
	VANDPS  Y6, Y1, Y1
	VMULPS  Y1, Y2, Y1      // v · mask
	VMOVUPS Y1, (DI)(R12*1)
	VMOVUPS (R13)(R12*1), Y0
	VSUBPS  Y3, Y0, Y0
	VCMPPS  $5, Y7, Y0, Y1
	VANDPS  Y6, Y1, Y1
	VMULPS  Y1, Y2, Y1
	VMOVUPS Y1, (R14)(R12*1)
	ADDQ    $32, R12
	DECQ    CX
	JNZ     pgVec
	ADDQ R11, BX
	ADDQ R11, DX
	LEAQ (SI)(R11*2), SI
	LEAQ (DI)(R11*2), DI
	DECQ R9
	JNZ  pgPix
pgDone:
	VZEROUPPER
	RET

// func transpose8x8AVX2(dst *float32, ldd int, src *float32, lds int)
// dst[j·ldd + i] = src[i·lds + j] for i, j < 8 (strides in floats).
TEXT ·transpose8x8AVX2(SB), NOSPLIT, $0-32
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), BX
	SHLQ $2, BX
	VMOVUPS (SI), Y0
	ADDQ    BX, SI
	VMOVUPS (SI), Y1
	ADDQ    BX, SI
	VMOVUPS (SI), Y2
	ADDQ    BX, SI
	VMOVUPS (SI), Y3
	ADDQ    BX, SI
	VMOVUPS (SI), Y4
	ADDQ    BX, SI
	VMOVUPS (SI), Y5
	ADDQ    BX, SI
	VMOVUPS (SI), Y6
	ADDQ    BX, SI
	VMOVUPS (SI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), BX
	SHLQ $2, BX
	VMOVUPS Y8, (DI)
	ADDQ    BX, DI
	VMOVUPS Y9, (DI)
	ADDQ    BX, DI
	VMOVUPS Y10, (DI)
	ADDQ    BX, DI
	VMOVUPS Y11, (DI)
	ADDQ    BX, DI
	VMOVUPS Y12, (DI)
	ADDQ    BX, DI
	VMOVUPS Y13, (DI)
	ADDQ    BX, DI
	VMOVUPS Y14, (DI)
	ADDQ    BX, DI
	VMOVUPS Y15, (DI)
	VZEROUPPER
	RET
