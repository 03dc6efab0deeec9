//go:build amd64 && !purego

#include "textflag.h"

// The dense producers and emitter of the unit kernel (unitkernel_dense.go).
// Register use in the producers:
//   R15 the maskArgs, SI src, DI vbuf, DX bits (advancing), R8 h, R9 s1p, R10 w,
//   R11 y, R12 / R14 lane indices, R13 perm, AX BX CX scratch pointers.

// func denseMaskAVX512(a *maskArgs)
TEXT ·denseMaskAVX512(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), R15
	MOVQ 0(R15), SI
	MOVQ 8(R15), DI
	MOVQ 16(R15), DX
	MOVQ 24(R15), R8
	MOVQ 32(R15), R9
	MOVQ 40(R15), R10
	MOVQ 128(R15), R13
	VXORPS Z31, Z31, Z31
	XORQ R11, R11

row512:
	CMPQ R11, R8
	JGE  done512
	// V = rule(w0y·src[off0] + w1y·src[off1]) over s1p lanes, into vbuf.
	MOVQ    48(R15), AX
	MOVLQSX (AX)(R11*4), AX
	LEAQ    (SI)(AX*4), AX
	MOVQ    56(R15), BX
	MOVLQSX (BX)(R11*4), BX
	LEAQ    (SI)(BX*4), BX
	MOVQ    64(R15), CX
	VBROADCASTSS (CX)(R11*4), Z0
	MOVQ    72(R15), CX
	VBROADCASTSS (CX)(R11*4), Z1
	MOVQ    80(R15), CX
	MOVBQZX (CX)(R11*1), CX
	XORQ    R12, R12

vloop512:
	CMPQ R12, R9
	JGE  vdone512
	VMULPS (AX)(R12*4), Z0, Z2
	TESTQ  CX, CX
	JZ     vsep512
	VFMADD231PS (BX)(R12*4), Z1, Z2
	JMP    vstore512

vsep512:
	VMULPS (BX)(R12*4), Z1, Z3
	VADDPS Z3, Z2, Z2

vstore512:
	VMOVUPS Z2, (DI)(R12*4)
	ADDQ    $16, R12
	JMP     vloop512

vdone512:
	VMOVUPS (DI), Z4
	VMOVUPS 64(DI), Z5 // vbuf holds at least 32 values
	MOVQ    88(R15), AX
	MOVQ    96(R15), BX
	MOVQ    104(R15), R12
	MOVQ    112(R15), CX
	XORQ    R14, R14

col512:
	CMPQ R14, R10
	JGE  coldone512
	CMPQ 120(R15), $0
	JNE  pick512
	VMOVUPS (DI)(R14*4), Z6 // identity: u = V
	JMP     cmp512

pick512:
	CMPQ R13, $1
	JE   two512
	JA   gather512
	VMOVDQU32 (AX)(R14*4), Z8
	VPERMPS   Z4, Z8, Z6
	VMOVDQU32 (BX)(R14*4), Z9
	VPERMPS   Z4, Z9, Z7
	JMP       combine512

two512:
	VMOVDQU32 (AX)(R14*4), Z6
	VPERMI2PS Z5, Z4, Z6
	VMOVDQU32 (BX)(R14*4), Z7
	VPERMI2PS Z5, Z4, Z7
	JMP       combine512

gather512:
	VMOVDQU32  (AX)(R14*4), Z8
	KXNORW     K1, K1, K1
	VGATHERDPS (DI)(Z8*4), K1, Z6
	VMOVDQU32  (BX)(R14*4), Z9
	KXNORW     K2, K2, K2
	VGATHERDPS (DI)(Z9*4), K2, Z7

combine512:
	VMULPS (R12)(R14*4), Z6, Z6
	CMPQ   120(R15), $1
	JNE    csep512
	VFMADD231PS (CX)(R14*4), Z7, Z6
	JMP    cmp512

csep512:
	VMULPS (CX)(R14*4), Z7, Z7
	VADDPS Z7, Z6, Z6

cmp512:
	VCMPPS $0x1e, Z31, Z6, K3 // u > 0 (GT_OQ)
	KMOVW  K3, (DX)
	ADDQ   $2, DX
	ADDQ   $16, R14
	JMP    col512

coldone512:
	INCQ R11
	JMP  row512

done512:
	VZEROUPPER
	RET

// func denseMaskAVX2(a *maskArgs)
TEXT ·denseMaskAVX2(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), R15
	MOVQ 0(R15), SI
	MOVQ 8(R15), DI
	MOVQ 16(R15), DX
	MOVQ 24(R15), R8
	MOVQ 32(R15), R9
	MOVQ 40(R15), R10
	VXORPS Y15, Y15, Y15
	XORQ R11, R11

row2:
	CMPQ R11, R8
	JGE  done2
	MOVQ    48(R15), AX
	MOVLQSX (AX)(R11*4), AX
	LEAQ    (SI)(AX*4), AX
	MOVQ    56(R15), BX
	MOVLQSX (BX)(R11*4), BX
	LEAQ    (SI)(BX*4), BX
	MOVQ    64(R15), CX
	VBROADCASTSS (CX)(R11*4), Y0
	MOVQ    72(R15), CX
	VBROADCASTSS (CX)(R11*4), Y1
	MOVQ    80(R15), CX
	MOVBQZX (CX)(R11*1), CX
	XORQ    R12, R12

vloop2:
	CMPQ R12, R9
	JGE  vdone2
	VMULPS (AX)(R12*4), Y0, Y2
	TESTQ  CX, CX
	JZ     vsep2
	VFMADD231PS (BX)(R12*4), Y1, Y2
	JMP    vstore2

vsep2:
	VMULPS (BX)(R12*4), Y1, Y3
	VADDPS Y3, Y2, Y2

vstore2:
	VMOVUPS Y2, (DI)(R12*4)
	ADDQ    $8, R12
	JMP     vloop2

vdone2:
	MOVQ 88(R15), AX
	MOVQ 96(R15), BX
	MOVQ 104(R15), R12
	MOVQ 112(R15), CX
	XORQ R14, R14

col2:
	CMPQ R14, R10
	JGE  coldone2
	CMPQ 120(R15), $0
	JNE  pick2
	VMOVUPS (DI)(R14*4), Y6
	JMP     cmp2

pick2:
	VMOVDQU    (AX)(R14*4), Y8
	VPCMPEQD   Y10, Y10, Y10
	VGATHERDPS Y10, (DI)(Y8*4), Y6
	VMOVDQU    (BX)(R14*4), Y9
	VPCMPEQD   Y11, Y11, Y11
	VGATHERDPS Y11, (DI)(Y9*4), Y7
	VMULPS     (R12)(R14*4), Y6, Y6
	CMPQ       120(R15), $1
	JNE        csep2
	VFMADD231PS (CX)(R14*4), Y7, Y6
	JMP        cmp2

csep2:
	VMULPS (CX)(R14*4), Y7, Y7
	VADDPS Y7, Y6, Y6

cmp2:
	VCMPPS    $0x1e, Y15, Y6, Y6
	VMOVMSKPS Y6, R13
	MOVB      R13, (DX)
	ADDQ      $1, DX
	ADDQ      $8, R14
	JMP       col2

coldone2:
	INCQ R11
	JMP  row2

done2:
	VZEROUPPER
	RET

// Byte i of a 32-pixel block takes bit i%8 of byte i/8 of the block's mask.
DATA expandShuf<>+0(SB)/8, $0x0000000000000000
DATA expandShuf<>+8(SB)/8, $0x0101010101010101
DATA expandShuf<>+16(SB)/8, $0x0202020202020202
DATA expandShuf<>+24(SB)/8, $0x0303030303030303
GLOBL expandShuf<>(SB), RODATA|NOPTR, $32

DATA expandBit<>+0(SB)/8, $0x8040201008040201
DATA expandBit<>+8(SB)/8, $0x8040201008040201
DATA expandBit<>+16(SB)/8, $0x8040201008040201
DATA expandBit<>+24(SB)/8, $0x8040201008040201
GLOBL expandBit<>(SB), RODATA|NOPTR, $32

DATA expandOne<>+0(SB)/8, $0x0101010101010101
DATA expandOne<>+8(SB)/8, $0x0101010101010101
DATA expandOne<>+16(SB)/8, $0x0101010101010101
DATA expandOne<>+24(SB)/8, $0x0101010101010101
GLOBL expandOne<>(SB), RODATA|NOPTR, $32

// func denseEmitAVX2(a *emitArgs)
TEXT ·denseEmitAVX2(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), R15
	MOVQ 0(R15), SI
	MOVQ 8(R15), R8
	MOVQ 16(R15), R9
	MOVQ 24(R15), DI
	MOVQ 32(R15), DX
	MOVQ 40(R15), CX
	XORQ R10, R10
	XORQ R11, R11
	VMOVDQU expandShuf<>(SB), Y13
	VMOVDQU expandBit<>(SB), Y14
	VMOVDQU expandOne<>(SB), Y12

emit:
	TESTQ CX, CX
	JZ    emitdone
	MOVL  (SI), AX
	ANDL  (R8), AX
	JZ    zero
	POPCNTL AX, BX
	ADDQ  BX, R10
	MOVL  AX, BX
	ANDL  (R9), BX
	POPCNTL BX, BX
	ADDQ  BX, R11
	VMOVD AX, X0
	VPBROADCASTD X0, Y0
	VPSHUFB Y13, Y0, Y0
	VPAND   Y14, Y0, Y0
	VPCMPEQB Y14, Y0, Y0 // 0xff where the pixel's bit is set
	TESTQ DX, DX
	JZ    nosum
	VMOVDQU (DX), Y1
	VPSUBB  Y0, Y1, Y1
	VMOVDQU Y1, (DX)

nosum:
	TESTQ DI, DI
	JZ    next
	VPAND   Y12, Y0, Y2
	VMOVDQU Y2, (DI)
	JMP     next

zero: // no pixel: counts and heat unchanged, SAM bytes 0
	TESTQ DI, DI
	JZ    next
	VPXOR   Y2, Y2, Y2
	VMOVDQU Y2, (DI)

next:
	ADDQ $4, SI
	ADDQ $4, R8
	ADDQ $4, R9
	TESTQ DX, DX
	JZ   nodx
	ADDQ $32, DX

nodx:
	TESTQ DI, DI
	JZ   nodi
	ADDQ $32, DI

nodi:
	DECQ CX
	JMP  emit

emitdone:
	MOVQ R10, 48(R15)
	MOVQ R11, 56(R15)
	VZEROUPPER
	RET

DATA logitIota<>+0(SB)/8, $0x0000000100000000
DATA logitIota<>+8(SB)/8, $0x0000000300000002
DATA logitIota<>+16(SB)/8, $0x0000000500000004
DATA logitIota<>+24(SB)/8, $0x0000000700000006
DATA logitIota<>+32(SB)/8, $0x0000000900000008
DATA logitIota<>+40(SB)/8, $0x0000000b0000000a
DATA logitIota<>+48(SB)/8, $0x0000000d0000000c
DATA logitIota<>+56(SB)/8, $0x0000000f0000000e
GLOBL logitIota<>(SB), RODATA|NOPTR, $64

// func denseLogitsAVX512(a *logitArgs)
// For every spatial cell x and unit i < units: l = d[i]·(2·f[x·c+i] − s[i]),
// each step rounded to float32, scattered to dst[i·rows + (x/s1)·s1p + x%s1];
// a.bad is set to 1 when some |l| > max (or is NaN).
// Registers: R15 args, SI f (advancing by c floats per cell), DI dst, R8 cells,
// R9 c·4, R10 units, R11 s1, R12 s1p, R13 column, R14 row offset, CX unit,
// Z20 lane·rows, Z21 |·| mask, Z22 max.
TEXT ·denseLogitsAVX512(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), R15
	MOVQ 0(R15), SI
	MOVQ 8(R15), R9
	SHLQ $2, R9
	MOVQ 16(R15), R10
	MOVQ 24(R15), R8
	MOVQ 32(R15), R11
	MOVQ 40(R15), R12
	MOVQ 48(R15), DI
	VPBROADCASTD 56(R15), Z20
	VPMULLD logitIota<>(SB), Z20, Z20
	MOVL $0x7fffffff, AX
	VPBROADCASTD AX, Z21
	VBROADCASTSS 80(R15), Z22
	KXORW K5, K5, K5 // bad lanes, accumulated
	XORQ R13, R13
	XORQ R14, R14

cell:
	TESTQ R8, R8
	JZ    celldone
	XORQ  CX, CX

units:
	CMPQ CX, R10
	JGE  unitsdone
	// K1: lanes CX … min(CX+16, units)−1
	MOVQ R10, AX
	SUBQ CX, AX
	CMPQ AX, $16
	JLT  partial
	KXNORW K1, K1, K1
	JMP  masked

partial:
	MOVL  $1, BX
	SHLXL AX, BX, BX
	DECL  BX
	KMOVW BX, K1

masked:
	MOVQ      64(R15), AX
	VMOVUPS.Z (AX)(CX*4), K1, Z1 // d
	MOVQ      72(R15), AX
	VMOVUPS.Z (AX)(CX*4), K1, Z2 // s
	VMOVUPS.Z (SI)(CX*4), K1, Z0 // f
	VADDPS    Z0, Z0, Z0         // 2f, exact
	VSUBPS    Z2, Z0, Z0
	VMULPS    Z0, Z1, Z0
	VPANDD    Z21, Z0, Z3
	VCMPPS    $6, Z22, Z3, K1, K2 // !(|l| ≤ max): NLE_UQ, NaN included
	KORW      K2, K5, K5
	// index: lane·rows + CX·rows + offset
	MOVQ      56(R15), AX
	IMULQ     CX, AX
	ADDQ      R14, AX
	ADDQ      R13, AX
	VPBROADCASTD AX, Z4
	VPADDD    Z20, Z4, Z4
	VSCATTERDPS Z0, K1, (DI)(Z4*4)
	ADDQ      $16, CX
	JMP       units

unitsdone:
	ADDQ R9, SI
	INCQ R13
	CMPQ R13, R11
	JLT  samerow
	XORQ R13, R13
	ADDQ R12, R14

samerow:
	DECQ R8
	JMP  cell

celldone:
	KMOVW K5, AX
	MOVQ  AX, 88(R15)
	VZEROUPPER
	RET

// func copyCountAVX2(dst, src *float32, n int) int
// Copies n blocks of 8 floats and counts those with every exponent bit set.
TEXT ·copyCountAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVL $0x7f800000, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	VPXOR Y14, Y14, Y14 // −count per lane

copy8:
	TESTQ CX, CX
	JZ    copied
	VMOVDQU  (SI), Y0
	VMOVDQU  Y0, (DI)
	VPAND    Y15, Y0, Y1
	VPCMPEQD Y15, Y1, Y1
	VPADDD   Y1, Y14, Y14
	ADDQ     $32, SI
	ADDQ     $32, DI
	DECQ     CX
	JMP      copy8

copied:
	VEXTRACTI128 $1, Y14, X1
	VPADDD       X1, X14, X14
	VPSHUFD      $0x4e, X14, X1
	VPADDD       X1, X14, X14
	VPSHUFD      $0xb1, X14, X1
	VPADDD       X1, X14, X14
	VMOVD        X14, AX
	NEGL         AX
	MOVLQSX      AX, AX
	MOVQ         AX, ret+24(FP)
	VZEROUPPER
	RET

// denseMask64AVX512 is denseMaskAVX512 for 64 output columns (4 chunks) picked
// by permutes (perm 0 or 1) from a combined row held in Z4 (and Z5): the
// columns' indices and weights stay in registers (Z8–Z23), and a row costs two
// permutes, a multiply, a fused multiply-add (or multiply and add), a compare
// and a mask store per 16 pixels.

// V: the combined row, Z4 (lanes 0–15) and, with TWO, Z5 (lanes 16–31), from
// source rows AX, BX with weights Z0, Z1; CX non-zero: fused.
#define VROW64(TWO) \
	VMULPS (AX), Z0, Z4; \
	TESTQ CX, CX; \
	JZ    3(PC); \
	VFMADD231PS (BX), Z1, Z4; \
	JMP   3(PC); \
	VMULPS (BX), Z1, Z3; \
	VADDPS Z3, Z4, Z4; \
	TESTQ TWO, TWO; \
	JZ    8(PC); \
	VMULPS 64(AX), Z0, Z5; \
	TESTQ CX, CX; \
	JZ    3(PC); \
	VFMADD231PS 64(BX), Z1, Z5; \
	JMP   3(PC); \
	VMULPS 64(BX), Z1, Z3; \
	VADDPS Z3, Z5, Z5

#define PICK1REG(I0, I1) \
	VPERMPS Z4, I0, Z6; \
	VPERMPS Z4, I1, Z7

#define PICK2REG(I0, I1) \
	VMOVDQA32 I0, Z6; \
	VPERMI2PS Z5, Z4, Z6; \
	VMOVDQA32 I1, Z7; \
	VPERMI2PS Z5, Z4, Z7

#define COMBFUSED(W0, W1) \
	VMULPS      W0, Z6, Z6; \
	VFMADD231PS W1, Z7, Z6

#define COMBSEP(W0, W1) \
	VMULPS W0, Z6, Z6; \
	VMULPS W1, Z7, Z7; \
	VADDPS Z7, Z6, Z6

#define STORE64(K, OFF) \
	VCMPPS $0x1e, Z31, Z6, K; \
	KMOVW  K, OFF(DX)

// func denseMask64AVX512(a *maskArgs)
TEXT ·denseMask64AVX512(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), R15
	MOVQ 0(R15), SI
	MOVQ 16(R15), DX
	MOVQ 24(R15), R8
	MOVQ 128(R15), R13
	MOVQ 120(R15), R9
	VXORPS Z31, Z31, Z31
	MOVQ 88(R15), AX
	VMOVDQU32 (AX), Z8
	VMOVDQU32 64(AX), Z9
	VMOVDQU32 128(AX), Z10
	VMOVDQU32 192(AX), Z11
	MOVQ 96(R15), AX
	VMOVDQU32 (AX), Z12
	VMOVDQU32 64(AX), Z13
	VMOVDQU32 128(AX), Z14
	VMOVDQU32 192(AX), Z15
	MOVQ 104(R15), AX
	VMOVUPS (AX), Z16
	VMOVUPS 64(AX), Z17
	VMOVUPS 128(AX), Z18
	VMOVUPS 192(AX), Z19
	MOVQ 112(R15), AX
	VMOVUPS (AX), Z20
	VMOVUPS 64(AX), Z21
	VMOVUPS 128(AX), Z22
	VMOVUPS 192(AX), Z23
	XORQ R11, R11

row64:
	CMPQ R11, R8
	JGE  done64
	MOVQ    48(R15), AX
	MOVLQSX (AX)(R11*4), AX
	LEAQ    (SI)(AX*4), AX
	MOVQ    56(R15), BX
	MOVLQSX (BX)(R11*4), BX
	LEAQ    (SI)(BX*4), BX
	MOVQ    64(R15), CX
	VBROADCASTSS (CX)(R11*4), Z0
	MOVQ    72(R15), CX
	VBROADCASTSS (CX)(R11*4), Z1
	MOVQ    80(R15), CX
	MOVBQZX (CX)(R11*1), CX
	VROW64(R13)
	TESTQ R13, R13
	JNZ   two64
	CMPQ  R9, $1
	JNE   onesep64
	PICK1REG(Z8, Z12)
	COMBFUSED(Z16, Z20)
	STORE64(K1, 0)
	PICK1REG(Z9, Z13)
	COMBFUSED(Z17, Z21)
	STORE64(K2, 2)
	PICK1REG(Z10, Z14)
	COMBFUSED(Z18, Z22)
	STORE64(K3, 4)
	PICK1REG(Z11, Z15)
	COMBFUSED(Z19, Z23)
	STORE64(K4, 6)
	JMP next64

onesep64:
	PICK1REG(Z8, Z12)
	COMBSEP(Z16, Z20)
	STORE64(K1, 0)
	PICK1REG(Z9, Z13)
	COMBSEP(Z17, Z21)
	STORE64(K2, 2)
	PICK1REG(Z10, Z14)
	COMBSEP(Z18, Z22)
	STORE64(K3, 4)
	PICK1REG(Z11, Z15)
	COMBSEP(Z19, Z23)
	STORE64(K4, 6)
	JMP next64

two64:
	CMPQ R9, $1
	JNE  twosep64
	PICK2REG(Z8, Z12)
	COMBFUSED(Z16, Z20)
	STORE64(K1, 0)
	PICK2REG(Z9, Z13)
	COMBFUSED(Z17, Z21)
	STORE64(K2, 2)
	PICK2REG(Z10, Z14)
	COMBFUSED(Z18, Z22)
	STORE64(K3, 4)
	PICK2REG(Z11, Z15)
	COMBFUSED(Z19, Z23)
	STORE64(K4, 6)
	JMP next64

twosep64:
	PICK2REG(Z8, Z12)
	COMBSEP(Z16, Z20)
	STORE64(K1, 0)
	PICK2REG(Z9, Z13)
	COMBSEP(Z17, Z21)
	STORE64(K2, 2)
	PICK2REG(Z10, Z14)
	COMBSEP(Z18, Z22)
	STORE64(K3, 4)
	PICK2REG(Z11, Z15)
	COMBSEP(Z19, Z23)
	STORE64(K4, 6)

next64:
	ADDQ $8, DX
	INCQ R11
	JMP  row64

done64:
	VZEROUPPER
	RET

// func denseEmitAVX512(a *emitArgs)
// denseEmitAVX2 for blocks of 64 pixels (n32 counts 64-pixel blocks here), with
// the mask registers of AVX-512BW: masked byte add for the heat count,
// zero-masked move of ones for the SAM.
TEXT ·denseEmitAVX512(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), R15
	MOVQ 0(R15), SI
	MOVQ 8(R15), R8
	MOVQ 16(R15), R9
	MOVQ 24(R15), DI
	MOVQ 32(R15), DX
	MOVQ 40(R15), CX
	XORQ R10, R10
	XORQ R11, R11
	VPXORD Z13, Z13, Z13
	MOVL   $0x01010101, AX
	VPBROADCASTD AX, Z12

emit512:
	TESTQ CX, CX
	JZ    emitdone512
	MOVQ  (SI), AX
	ANDQ  (R8), AX
	JZ    zero512
	POPCNTQ AX, BX
	ADDQ  BX, R10
	MOVQ  AX, BX
	ANDQ  (R9), BX
	POPCNTQ BX, BX
	ADDQ  BX, R11
	KMOVQ AX, K1
	TESTQ DX, DX
	JZ    nosum512
	VMOVDQU8 (DX), Z1
	VPADDB   Z12, Z1, K1, Z1
	VMOVDQU8 Z1, (DX)

nosum512:
	TESTQ DI, DI
	JZ    next512
	VMOVDQU8.Z Z12, K1, Z2
	VMOVDQU8   Z2, (DI)
	JMP        next512

zero512:
	TESTQ DI, DI
	JZ    next512
	VMOVDQU8 Z13, (DI)

next512:
	ADDQ $8, SI
	ADDQ $8, R8
	ADDQ $8, R9
	TESTQ DX, DX
	JZ   nodx512
	ADDQ $64, DX

nodx512:
	TESTQ DI, DI
	JZ   nodi512
	ADDQ $64, DI

nodi512:
	DECQ CX
	JMP  emit512

emitdone512:
	MOVQ R10, 48(R15)
	MOVQ R11, 56(R15)
	VZEROUPPER
	RET

// func scaleBytesAVX2(dst *float32, src *byte, n int, s float32)
// dst[i] = float32(src[i])·s for n blocks of 8 (the conversion is exact).
TEXT ·scaleBytesAVX2(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS s+24(FP), Y15

scale8:
	TESTQ CX, CX
	JZ    scaled
	VPMOVZXBD (SI), Y0
	VCVTDQ2PS Y0, Y0
	VMULPS    Y15, Y0, Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $8, SI
	ADDQ      $32, DI
	DECQ      CX
	JMP       scale8

scaled:
	VZEROUPPER
	RET

// Lane l of a pair of cells: unit l%8 of cell l/8, at l%8·rows + l/8.
DATA pairUnit<>+0(SB)/8, $0x0000000100000000
DATA pairUnit<>+8(SB)/8, $0x0000000300000002
DATA pairUnit<>+16(SB)/8, $0x0000000500000004
DATA pairUnit<>+24(SB)/8, $0x0000000700000006
DATA pairUnit<>+32(SB)/8, $0x0000000100000000
DATA pairUnit<>+40(SB)/8, $0x0000000300000002
DATA pairUnit<>+48(SB)/8, $0x0000000500000004
DATA pairUnit<>+56(SB)/8, $0x0000000700000006
GLOBL pairUnit<>(SB), RODATA|NOPTR, $64

DATA pairCell<>+0(SB)/8, $0
DATA pairCell<>+8(SB)/8, $0
DATA pairCell<>+16(SB)/8, $0
DATA pairCell<>+24(SB)/8, $0
DATA pairCell<>+32(SB)/8, $0x0000000100000001
DATA pairCell<>+40(SB)/8, $0x0000000100000001
DATA pairCell<>+48(SB)/8, $0x0000000100000001
DATA pairCell<>+56(SB)/8, $0x0000000100000001
GLOBL pairCell<>(SB), RODATA|NOPTR, $64

// func denseLogits8AVX512(a *logitArgs)
// denseLogitsAVX512 for a feature of exactly 8 units (c = units = 8) and an
// even s1: two cells per vector (a pair never spans two rows); d and s point at
// 16 values, the 8 terms twice.
TEXT ·denseLogits8AVX512(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), R15
	MOVQ 0(R15), SI
	MOVQ 24(R15), R8
	SHRQ $1, R8 // pairs
	MOVQ 32(R15), R11
	MOVQ 40(R15), R12
	MOVQ 48(R15), DI
	VPBROADCASTD 56(R15), Z20
	VPMULLD pairUnit<>(SB), Z20, Z20
	VPADDD  pairCell<>(SB), Z20, Z20
	MOVL $0x7fffffff, AX
	VPBROADCASTD AX, Z21
	VBROADCASTSS 80(R15), Z22
	MOVQ 64(R15), AX
	VMOVUPS (AX), Z1 // d, twice
	MOVQ 72(R15), AX
	VMOVUPS (AX), Z2 // s, twice
	KXORW K5, K5, K5
	XORQ R13, R13
	XORQ R14, R14

pair8:
	TESTQ R8, R8
	JZ    pairdone8
	VMOVUPS (SI), Z0
	VADDPS  Z0, Z0, Z0
	VSUBPS  Z2, Z0, Z0
	VMULPS  Z0, Z1, Z0
	VPANDD  Z21, Z0, Z3
	VCMPPS  $6, Z22, Z3, K2
	KORW    K2, K5, K5
	LEAQ    (R14)(R13*1), AX
	VPBROADCASTD AX, Z4
	VPADDD  Z20, Z4, Z4
	KXNORW  K1, K1, K1
	VSCATTERDPS Z0, K1, (DI)(Z4*4)
	ADDQ $64, SI
	ADDQ $2, R13
	CMPQ R13, R11
	JLT  samerow8
	XORQ R13, R13
	ADDQ R12, R14

samerow8:
	DECQ R8
	JMP  pair8

pairdone8:
	KMOVW K5, AX
	MOVQ  AX, 88(R15)
	VZEROUPPER
	RET
