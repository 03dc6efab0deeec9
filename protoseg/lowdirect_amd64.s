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

// func lowRows8AVX2(out, v, a *float32, m, lda, k8 int)
// For each of the m rows of a (lda floats apart): eight lane sums of
// a[i, p]·v[p] over p < k8 (lane p%8), then ((l0+l4)+(l2+l6)) +
// ((l1+l5)+(l3+l7)) into out[i] (k8 a positive multiple of 8, m ≥ 1).
TEXT ·lowRows8AVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ v+8(FP), SI
	MOVQ a+16(FP), DX
	MOVQ m+24(FP), CX
	MOVQ lda+32(FP), BX
	SHLQ $2, BX
	MOVQ k8+40(FP), R8
	SHRQ $3, R8

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
