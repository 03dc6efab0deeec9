//go:build amd64 && !purego

#include "textflag.h"

// AVX2 kernels of the feature side's matrix–vector products (lowdirect.go;
// the instructions of cpubackend/simplego/fast_gemv_amd64.s). Each rounds
// every product before adding it (no FMA) and sums in the order of its Go
// loop, so it is bit-identical to it.

// func lowCols32AVX2(out, v, a *float32, k, lda int)
// out[j] = Σ_p v[p]·a[p·lda + j], j < 32, sequentially over p (k ≥ 1).
TEXT ·lowCols32AVX2(SB), NOSPLIT, $0-40
	MOVQ   out+0(FP), DI
	MOVQ   v+8(FP), SI
	MOVQ   a+16(FP), DX
	MOVQ   k+24(FP), CX
	MOVQ   lda+32(FP), BX
	SHLQ   $2, BX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

lc32Loop:
	VBROADCASTSS (SI), Y4
	VMULPS       (DX), Y4, Y5
	VADDPS       Y5, Y0, Y0
	VMULPS       32(DX), Y4, Y6
	VADDPS       Y6, Y1, Y1
	VMULPS       64(DX), Y4, Y7
	VADDPS       Y7, Y2, Y2
	VMULPS       96(DX), Y4, Y8
	VADDPS       Y8, Y3, Y3
	ADDQ         $4, SI
	ADDQ         BX, DX
	DECQ         CX
	JNZ          lc32Loop
	VMOVUPS      Y0, (DI)
	VMOVUPS      Y1, 32(DI)
	VMOVUPS      Y2, 64(DI)
	VMOVUPS      Y3, 96(DI)
	VZEROUPPER
	RET

// func lowRows8AVX2(out, v, a *float32, m, lda, k8 int, bias float32)
// For each of the m rows of a (lda floats apart): eight lane sums of
// a[i, p]·v[p] over p < k8 (lane p%8), then ((l0+l4)+(l2+l6)) +
// ((l1+l5)+(l3+l7)) − bias into out[i] (k8 a positive multiple of 8, m ≥ 1).
TEXT ·lowRows8AVX2(SB), NOSPLIT, $0-52
	MOVQ  out+0(FP), DI
	MOVQ  v+8(FP), SI
	MOVQ  a+16(FP), DX
	MOVQ  m+24(FP), CX
	MOVQ  lda+32(FP), BX
	SHLQ  $2, BX
	MOVQ  k8+40(FP), R8
	SHRQ  $3, R8
	MOVSS bias+48(FP), X15

lrowLoop:
	VXORPS Y0, Y0, Y0
	MOVQ   DX, R9
	MOVQ   SI, R10
	MOVQ   R8, R11

lblkLoop:
	VMOVUPS (R9), Y1
	VMULPS  (R10), Y1, Y1
	VADDPS  Y1, Y0, Y0
	ADDQ    $32, R9
	ADDQ    $32, R10
	DECQ    R11
	JNZ     lblkLoop
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VSUBSS       X15, X0, X0
	VMOVSS       X0, (DI)
	ADDQ         $4, DI
	ADDQ         BX, DX
	DECQ         CX
	JNZ          lrowLoop
	VZEROUPPER
	RET

// func lowCols8x2AVX2(out0, out1, v0, v1, a *float32, k, lda int)
// Two vectors at once: out0[j] = Σ_p v0[p]·a[p·lda + j] and
// out1[j] = Σ_p v1[p]·a[p·lda + j], j < 8, each sequentially over p (k ≥ 1),
// the same operations as two calls, so the same bits; the two independent
// sums hide each other's add latency.
TEXT ·lowCols8x2AVX2(SB), NOSPLIT, $0-56
	MOVQ   out0+0(FP), DI
	MOVQ   out1+8(FP), R9
	MOVQ   v0+16(FP), SI
	MOVQ   v1+24(FP), R8
	MOVQ   a+32(FP), DX
	MOVQ   k+40(FP), CX
	MOVQ   lda+48(FP), BX
	SHLQ   $2, BX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

lc8x2Loop:
	VMOVUPS      (DX), Y7
	VBROADCASTSS (SI), Y4
	VBROADCASTSS (R8), Y6
	VMULPS       Y7, Y4, Y5
	VADDPS       Y5, Y0, Y0
	VMULPS       Y7, Y6, Y8
	VADDPS       Y8, Y1, Y1
	ADDQ         $4, SI
	ADDQ         $4, R8
	ADDQ         BX, DX
	DECQ         CX
	JNZ          lc8x2Loop
	VMOVUPS      Y0, (DI)
	VMOVUPS      Y1, (R9)
	VZEROUPPER
	RET

// func lowRows8x8AVX2(out, v, a *float32, m8, lda, k8 int, bias float32)
// lowRows8AVX2 for eight rows at a time (m8 a positive multiple of 8): the
// eight rows' lane sums side by side, then the same tree of adds, done for
// all eight rows at once after shuffles that keep every add's operands
// (lanes l_j + l_{j+4}, then (q0+q2) + (q1+q3)), so the same bits.
TEXT ·lowRows8x8AVX2(SB), NOSPLIT, $0-52
	MOVQ         out+0(FP), DI
	MOVQ         v+8(FP), SI
	MOVQ         a+16(FP), DX
	MOVQ         m8+24(FP), CX
	MOVQ         lda+32(FP), BX
	SHLQ         $2, BX
	MOVQ         k8+40(FP), R8
	SHRQ         $3, R8
	VBROADCASTSS bias+48(FP), Y15

lr8Loop:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ   DX, R9              // rows 0, 1, 2
	LEAQ   (DX)(BX*2), R10
	ADDQ   BX, R10             // rows 3, 4, 5
	LEAQ   (R10)(BX*2), R11
	ADDQ   BX, R11             // rows 6, 7
	MOVQ   SI, R12
	MOVQ   R8, R13

lr8Blk:
	VMOVUPS (R12), Y8
	VMULPS  (R9), Y8, Y9
	VADDPS  Y9, Y0, Y0
	VMULPS  (R9)(BX*1), Y8, Y9
	VADDPS  Y9, Y1, Y1
	VMULPS  (R9)(BX*2), Y8, Y9
	VADDPS  Y9, Y2, Y2
	VMULPS  (R10), Y8, Y9
	VADDPS  Y9, Y3, Y3
	VMULPS  (R10)(BX*1), Y8, Y9
	VADDPS  Y9, Y4, Y4
	VMULPS  (R10)(BX*2), Y8, Y9
	VADDPS  Y9, Y5, Y5
	VMULPS  (R11), Y8, Y9
	VADDPS  Y9, Y6, Y6
	VMULPS  (R11)(BX*1), Y8, Y9
	VADDPS  Y9, Y7, Y7
	ADDQ    $32, R9
	ADDQ    $32, R10
	ADDQ    $32, R11
	ADDQ    $32, R12
	DECQ    R13
	JNZ     lr8Blk

	// q_j = l_j + l_{j+4}: rows (0,4), (1,5), (2,6), (3,7) side by side.
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y9
	VADDPS     Y9, Y8, Y0
	VPERM2F128 $0x20, Y5, Y1, Y8
	VPERM2F128 $0x31, Y5, Y1, Y9
	VADDPS     Y9, Y8, Y1
	VPERM2F128 $0x20, Y6, Y2, Y8
	VPERM2F128 $0x31, Y6, Y2, Y9
	VADDPS     Y9, Y8, Y2
	VPERM2F128 $0x20, Y7, Y3, Y8
	VPERM2F128 $0x31, Y7, Y3, Y9
	VADDPS     Y9, Y8, Y3

	// x = q0 + q2, y = q1 + q3: rows (0,1 | 4,5) and (2,3 | 6,7).
	VSHUFPS $0x44, Y1, Y0, Y8
	VSHUFPS $0xEE, Y1, Y0, Y9
	VADDPS  Y9, Y8, Y4
	VSHUFPS $0x44, Y3, Y2, Y8
	VSHUFPS $0xEE, Y3, Y2, Y9
	VADDPS  Y9, Y8, Y5

	// x + y for rows 0…7 in order, minus the bias.
	VSHUFPS $0x88, Y5, Y4, Y8
	VSHUFPS $0xDD, Y5, Y4, Y9
	VADDPS  Y9, Y8, Y8
	VSUBPS  Y15, Y8, Y8
	VMOVUPS Y8, (DI)
	ADDQ    $32, DI
	LEAQ    (DX)(BX*8), DX
	SUBQ    $8, CX
	JNZ     lr8Loop
	VZEROUPPER
	RET

// func lowCols8x4AVX2(outA0, outA1, outB0, outB1, v0, v1, a *float32, k, lda int)
// lowCols8x2AVX2 for two images at once: image A's a, v0 and v1 as given,
// image B's k rows (k·lda floats) and k weights further on; four independent
// sums, each the same operations as alone, so the same bits.
TEXT ·lowCols8x4AVX2(SB), NOSPLIT, $0-72
	MOVQ   v0+32(FP), SI
	MOVQ   v1+40(FP), R8
	MOVQ   a+48(FP), DX
	MOVQ   k+56(FP), CX
	MOVQ   lda+64(FP), BX
	SHLQ   $2, BX
	MOVQ   CX, AX
	IMULQ  BX, AX
	LEAQ   (DX)(AX*1), R10 // image B's rows
	LEAQ   (SI)(CX*4), R11 // image B's v0
	LEAQ   (R8)(CX*4), R12 // image B's v1
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

lc8x4Loop:
	VMOVUPS      (DX), Y7
	VMOVUPS      (R10), Y10
	VBROADCASTSS (SI), Y4
	VBROADCASTSS (R8), Y6
	VBROADCASTSS (R11), Y11
	VBROADCASTSS (R12), Y12
	VMULPS       Y7, Y4, Y5
	VADDPS       Y5, Y0, Y0
	VMULPS       Y7, Y6, Y8
	VADDPS       Y8, Y1, Y1
	VMULPS       Y10, Y11, Y13
	VADDPS       Y13, Y2, Y2
	VMULPS       Y10, Y12, Y14
	VADDPS       Y14, Y3, Y3
	ADDQ         $4, SI
	ADDQ         $4, R8
	ADDQ         $4, R11
	ADDQ         $4, R12
	ADDQ         BX, DX
	ADDQ         BX, R10
	DECQ         CX
	JNZ          lc8x4Loop
	MOVQ         outA0+0(FP), DI
	VMOVUPS      Y0, (DI)
	MOVQ         outA1+8(FP), DI
	VMOVUPS      Y1, (DI)
	MOVQ         outB0+16(FP), DI
	VMOVUPS      Y2, (DI)
	MOVQ         outB1+24(FP), DI
	VMOVUPS      Y3, (DI)
	VZEROUPPER
	RET
