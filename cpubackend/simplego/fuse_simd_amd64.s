//go:build amd64 && !purego

#include "textflag.h"

// AVX2 kernels of the fork's element-wise fusions (fuse_simd.go). Each works
// on n float32 (n a multiple of 8) with separately rounded multiplies and
// adds (no FMA), so it is bit-identical to the Go loop it replaces.

// func ewAddAVX2(dst, a, b *float32, n int)
TEXT ·ewAddAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   addDone
addLoop:
	VMOVUPS (SI), Y0
	VADDPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     addLoop
addDone:
	VZEROUPPER
	RET

// func ewSubAVX2(dst, a, b *float32, n int)
TEXT ·ewSubAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   subDone
subLoop:
	VMOVUPS (SI), Y0
	VSUBPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     subLoop
subDone:
	VZEROUPPER
	RET

// func ewMulAVX2(dst, a, b *float32, n int)
TEXT ·ewMulAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   mulDone
mulLoop:
	VMOVUPS (SI), Y0
	VMULPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     mulLoop
mulDone:
	VZEROUPPER
	RET

// func ewDivAVX2(dst, a, b *float32, n int)
TEXT ·ewDivAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   divDone
divLoop:
	VMOVUPS (SI), Y0
	VDIVPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     divLoop
divDone:
	VZEROUPPER
	RET

// func ewSqrtAVX2(dst, a *float32, n int)
TEXT ·ewSqrtAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   sqrtDone
sqrtLoop:
	VSQRTPS (SI), Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     sqrtLoop
sqrtDone:
	VZEROUPPER
	RET

// func affineReluAVX2(o, x, s, t *float32, n int)
// o = y where !(y <= 0) (y > 0 or NaN), +0 elsewhere; y = x·s + t: Go's max(y, +0).
TEXT ·affineReluAVX2(SB), NOSPLIT, $0-40
	MOVQ o+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ s+16(FP), DX
	MOVQ t+24(FP), R8
	MOVQ n+32(FP), CX
	SHRQ $3, CX
	JZ   arDone
	VXORPS Y7, Y7, Y7
arLoop:
	VMOVUPS (SI), Y0
	VMULPS  (DX), Y0, Y0
	VADDPS  (R8), Y0, Y0
	VCMPPS  $6, Y7, Y0, Y1 // NLE_US: !(y <= 0)
	VANDPS  Y0, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	ADDQ    $32, DI
	DECQ    CX
	JNZ     arLoop
arDone:
	VZEROUPPER
	RET

// func affineReluGradAVX2(o, v, x, s, t *float32, n int)
// o = v · (1 where !(y < 0), +0 elsewhere); y = x·s + t: reluIndicator.
TEXT ·affineReluGradAVX2(SB), NOSPLIT, $0-48
	MOVQ o+0(FP), DI
	MOVQ v+8(FP), BX
	MOVQ x+16(FP), SI
	MOVQ s+24(FP), DX
	MOVQ t+32(FP), R8
	MOVQ n+40(FP), CX
	SHRQ $3, CX
	JZ   agDone
	VXORPS Y7, Y7, Y7
	MOVL $0x3f800000, AX
	MOVD AX, X6
	VPBROADCASTD X6, Y6
agLoop:
	VMOVUPS (SI), Y0
	VMULPS  (DX), Y0, Y0
	VADDPS  (R8), Y0, Y0
	VCMPPS  $5, Y7, Y0, Y1 // NLT_US: !(y < 0)
	VANDPS  Y6, Y1, Y1
	VMOVUPS (BX), Y2
	VMULPS  Y1, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ    $32, BX
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	ADDQ    $32, DI
	DECQ    CX
	JNZ     agLoop
agDone:
	VZEROUPPER
	RET

// func chanLinAVX2(o, gv, a, x, b, c *float32, n int)
// o = (gv·a + x·b) + c.
TEXT ·chanLinAVX2(SB), NOSPLIT, $0-56
	MOVQ o+0(FP), DI
	MOVQ gv+8(FP), SI
	MOVQ a+16(FP), DX
	MOVQ x+24(FP), R8
	MOVQ b+32(FP), R9
	MOVQ c+40(FP), R10
	MOVQ n+48(FP), CX
	SHRQ $3, CX
	JZ   linDone
linLoop:
	VMOVUPS (SI), Y0
	VMULPS  (DX), Y0, Y0
	VMOVUPS (R8), Y1
	VMULPS  (R9), Y1, Y1
	VADDPS  Y1, Y0, Y0
	VADDPS  (R10), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	ADDQ    $32, R9
	ADDQ    $32, R10
	ADDQ    $32, DI
	DECQ    CX
	JNZ     linLoop
linDone:
	VZEROUPPER
	RET

// func chanSumAVX2(acc, x, m *float32, period, rows, kind int)
// For each of rows rows of period values: acc += x (kind 0), x·m (1, m a
// second tensor) or (x − m)² (2, m of period values).
TEXT ·chanSumAVX2(SB), NOSPLIT, $0-48
	MOVQ acc+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ m+16(FP), DX
	MOVQ period+24(FP), R9
	MOVQ rows+32(FP), R10
	MOVQ kind+40(FP), R11
	SHRQ $3, R9
	TESTQ R9, R9
	JZ   csDone
	TESTQ R10, R10
	JZ   csDone
csRow:
	MOVQ DI, AX
	MOVQ R9, CX
	MOVQ DX, BX
	CMPQ R11, $2
	JEQ  csSqLoop
	CMPQ R11, $1
	JEQ  csDotLoop
csSumLoop:
	VMOVUPS (AX), Y0
	VADDPS  (SI), Y0, Y0
	VMOVUPS Y0, (AX)
	ADDQ    $32, AX
	ADDQ    $32, SI
	DECQ    CX
	JNZ     csSumLoop
	JMP     csNext
csDotLoop:
	VMOVUPS (SI), Y1
	VMULPS  (DX), Y1, Y1
	VMOVUPS (AX), Y0
	VADDPS  Y1, Y0, Y0
	VMOVUPS Y0, (AX)
	ADDQ    $32, AX
	ADDQ    $32, SI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     csDotLoop
	JMP     csNext
csSqLoop:
	VMOVUPS (SI), Y1
	VSUBPS  (BX), Y1, Y1
	VMULPS  Y1, Y1, Y1
	VMOVUPS (AX), Y0
	VADDPS  Y1, Y0, Y0
	VMOVUPS Y0, (AX)
	ADDQ    $32, AX
	ADDQ    $32, SI
	ADDQ    $32, BX
	DECQ    CX
	JNZ     csSqLoop
csNext:
	DECQ R10
	JNZ  csRow
csDone:
	VZEROUPPER
	RET
