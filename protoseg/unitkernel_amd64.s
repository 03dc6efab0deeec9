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
	MOVL  AX, (DI) // the SAM's bits: the unit's inside the ROI
	JMP   next

zero: // no pixel: counts and heat unchanged, SAM bits 0
	TESTQ DI, DI
	JZ    next
	MOVL  $0, (DI)

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
	ADDQ $4, DI

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

// denseMask64AVX512 is denseMaskAVX512 for 64 output columns (4 chunks) picked
// by permutes (perm 0 or 1) from a combined row held in Z4 (and Z5): the
// columns' indices and weights stay in registers (Z8–Z23), and a row costs two
// permutes, a multiply, a fused multiply-add (or multiply and add), a compare
// and a mask store per 16 pixels. With the emitter fused in (roi non-nil),
// rows run in pairs (PAIRROWS … EMITPAIR, one loop per pick and column rule),
// an odd last row in the one-row loop. On AMD Zen (this code's measured
// target) 512-bit operations, mask operations included, issue about one a
// cycle, and a row's chain (loads, row combine, permute, combine, compare,
// mask moves, heat) is long: the pairs overlap two rows' chains, and the
// weights' embedded broadcasts leave the row's broadcasts to the load unit
// (BenchmarkProducer, producer_test.go, times the variants). Measured no
// faster: three rows an iteration, the signs packed to bytes (VPACKSSDW,
// VPACKSSWB, one byte compare) in place of the four compares and mask unpacks.
// With the emitter, a pair whose rows' bits are all known from their combined
// values (all ≤ 0, or all positive normal) skips the column stage (the
// uniform-row shortcut, below): on a smooth field about half the time of a
// unit goes, on standard normal values the test costs about 5–10 %.

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
	VCMPPS $0x1e, Z31, Z6, K


// The pair loops of the fused emitter (roi non-nil) run two rows an iteration,
// A and B, their instructions interleaved chunk by chunk so that the two
// rows' dependency chains overlap; each row rounds exactly as VROW64 and the
// one-row loop do (the products' operands swapped: the row weights come as
// embedded broadcasts). Row A: temporary Z3, V in Z4 (Z5), picks Z6, Z7; row
// B: temporary Z25, V in Z26 (Z27), picks Z28, Z29.

// VROW1: V = (PA)·W0 + (PB)·W1 (16 lanes; the source rows at SI plus the
// offsets PA, PB in floats, the weights broadcast from W0, W1), fused when
// the bits FLAG of DI are non-zero; T: a temporary.
#define VROW1(PA, PB, W0, W1, T, V, FLAG) \
	VMOVUPS (SI)(PA*4), V; \
	VMULPS.BCST W0, V, V; \
	VMOVUPS (SI)(PB*4), T; \
	TESTL FLAG, DI; \
	JZ    3(PC); \
	VFMADD231PS.BCST W1, T, V; \
	JMP   3(PC); \
	VMULPS.BCST W1, T, T; \
	VADDPS T, V, V

// VROW2: VROW1 for 32 lanes, V (0–15) and V2 (16–31); T2: a temporary.
#define VROW2(PA, PB, W0, W1, T, T2, V, V2, FLAG) \
	VMOVUPS (SI)(PA*4), V; \
	VMOVUPS 64(SI)(PA*4), V2; \
	VMULPS.BCST W0, V, V; \
	VMULPS.BCST W0, V2, V2; \
	VMOVUPS (SI)(PB*4), T; \
	VMOVUPS 64(SI)(PB*4), T2; \
	TESTL FLAG, DI; \
	JZ    4(PC); \
	VFMADD231PS.BCST W1, T, V; \
	VFMADD231PS.BCST W1, T2, V2; \
	JMP   5(PC); \
	VMULPS.BCST W1, T, T; \
	VADDPS T, V, V; \
	VMULPS.BCST W1, T2, T2; \
	VADDPS T2, V2, V2

// PAIRROWS: the source row offsets of rows R11 (A: AX, BX) and R11+1 (B: CX,
// DX), their rules (DI: A's in bits 0–7, B's in 8–15) and the weight arrays
// (R9: w0y, R13: w1y).
#define PAIRROWS \
	MOVQ    48(R15), R9; \
	MOVQ    56(R15), R13; \
	MOVLQSX (R9)(R11*4), AX; \
	MOVLQSX (R13)(R11*4), BX; \
	MOVLQSX 4(R9)(R11*4), CX; \
	MOVLQSX 4(R13)(R11*4), DX; \
	MOVQ    80(R15), R9; \
	MOVWQZX (R9)(R11*1), DI; \
	MOVQ    64(R15), R9; \
	MOVQ    72(R15), R13

// CHUNK1F, CHUNK1S, CHUNK2F, CHUNK2S: 16 pixels of a row with combined row V
// (V2), picked by one- or two-register permutes with indices I0, I1 into P0,
// P1, combined with weights W0, W1 fused or separate; their signs in K.
#define CHUNK1F(V, V2, I0, I1, W0, W1, P0, P1, K) \
	VPERMPS V, I0, P0; \
	VPERMPS V, I1, P1; \
	VMULPS      W0, P0, P0; \
	VFMADD231PS W1, P1, P0; \
	VCMPPS $0x1e, Z31, P0, K

#define CHUNK1S(V, V2, I0, I1, W0, W1, P0, P1, K) \
	VPERMPS V, I0, P0; \
	VPERMPS V, I1, P1; \
	VMULPS W0, P0, P0; \
	VMULPS W1, P1, P1; \
	VADDPS P1, P0, P0; \
	VCMPPS $0x1e, Z31, P0, K

#define CHUNK2F(V, V2, I0, I1, W0, W1, P0, P1, K) \
	VMOVDQA32 I0, P0; \
	VPERMI2PS V2, V, P0; \
	VMOVDQA32 I1, P1; \
	VPERMI2PS V2, V, P1; \
	VMULPS      W0, P0, P0; \
	VFMADD231PS W1, P1, P0; \
	VCMPPS $0x1e, Z31, P0, K

#define CHUNK2S(V, V2, I0, I1, W0, W1, P0, P1, K) \
	VMOVDQA32 I0, P0; \
	VPERMI2PS V2, V, P0; \
	VMOVDQA32 I1, P1; \
	VPERMI2PS V2, V, P1; \
	VMULPS W0, P0, P0; \
	VMULPS W1, P1, P1; \
	VADDPS P1, P0, P0; \
	VCMPPS $0x1e, Z31, P0, K

// PAIRCHUNKS: the 64 pixels of rows A and B by CHUNK; A's signs in K1 and
// B's in K5 (64 bits each).
#define PAIRCHUNKS(CHUNK) \
	CHUNK(Z4, Z5, Z8, Z12, Z16, Z20, Z6, Z7, K1); \
	CHUNK(Z26, Z27, Z8, Z12, Z16, Z20, Z28, Z29, K5); \
	CHUNK(Z4, Z5, Z9, Z13, Z17, Z21, Z6, Z7, K2); \
	CHUNK(Z26, Z27, Z9, Z13, Z17, Z21, Z28, Z29, K6); \
	KUNPCKWD K1, K2, K1; \
	KUNPCKWD K5, K6, K5; \
	CHUNK(Z4, Z5, Z10, Z14, Z18, Z22, Z6, Z7, K2); \
	CHUNK(Z26, Z27, Z10, Z14, Z18, Z22, Z28, Z29, K6); \
	CHUNK(Z4, Z5, Z11, Z15, Z19, Z23, Z6, Z7, K3); \
	CHUNK(Z26, Z27, Z11, Z15, Z19, Z23, Z28, Z29, K7); \
	KUNPCKWD K2, K3, K2; \
	KUNPCKWD K6, K7, K6; \
	KUNPCKDQ K1, K2, K1; \
	KUNPCKDQ K5, K6, K5

// EMITPAIR: rows A's and B's bits (K1, K5) ANDed with the ROI's, counted
// into R10 and (with G·R's) R12, stored as SAM bits and added to the heat
// counts (each when wanted); R11 advances by two.
#define EMITPAIR \
	MOVQ    136(R15), R9; \
	KMOVQ   K1, AX; \
	KMOVQ   K5, BX; \
	ANDQ    (R9)(R11*8), AX; \
	ANDQ    8(R9)(R11*8), BX; \
	POPCNTQ AX, CX; \
	ADDQ    CX, R10; \
	POPCNTQ BX, CX; \
	ADDQ    CX, R10; \
	MOVQ    (R14)(R11*8), CX; \
	ANDQ    AX, CX; \
	POPCNTQ CX, CX; \
	ADDQ    CX, R12; \
	MOVQ    8(R14)(R11*8), CX; \
	ANDQ    BX, CX; \
	POPCNTQ CX, CX; \
	ADDQ    CX, R12; \
	MOVQ    152(R15), CX; \
	TESTQ   CX, CX; \
	JZ      3(PC); \
	MOVQ    AX, (CX)(R11*8); \
	MOVQ    BX, 8(CX)(R11*8); \
	MOVQ    160(R15), CX; \
	TESTQ   CX, CX; \
	JZ      11(PC); \
	KMOVQ   AX, K1; \
	KMOVQ   BX, K5; \
	MOVQ    R11, DX; \
	SHLQ    $6, DX; \
	VMOVDQU8 (CX)(DX*1), Z3; \
	VMOVDQU8 64(CX)(DX*1), Z25; \
	VPADDB  Z30, Z3, K1, Z3; \
	VPADDB  Z30, Z25, K5, Z25; \
	VMOVDQU8 Z3, (CX)(DX*1); \
	VMOVDQU8 Z25, 64(CX)(DX*1); \
	ADDQ    $2, R11

// PAIRTOP: to PAIREND when fewer than two rows are left.
#define PAIRTOP \
	LEAQ 1(R11), CX; \
	CMPQ CX, R8; \
	JGE  pairend64

// The uniform-row shortcut (emitter fused in, weights checked once a call by
// WEIGHTSOK): when no used lane of a row's V is > 0 as a signed integer (V is
// ≤ 0 or −0, −∞ or a NaN with its sign set), every column output is a sum of
// products of non-negative weights with such values, ≤ 0 or NaN, so every
// bit of the row is 0; when every used lane of V is a finite normal positive
// number (≥ 2⁻¹²⁶) and every column has a weight ≥ 2⁻²³, the products of
// that weight round to at least 2⁻¹⁴⁹ and the others to at least +0, so
// every output is > 0 (+∞ included) and every bit is 1. In both cases the
// column stage (permutes, products, compares) is skipped and only the emit is
// left. The test is a pack of the rows' values (the signed saturation keeps
// a value's sign and whether it is 0), one compare with 0 and a KTEST with
// the used lanes packed the same way (K4): ZF both rows' bits 0, CF both
// rows' used lanes positive, which POSCHECK then checks for normal finite
// values. Pads (lanes no column picks) are never looked at. Registers: Z2
// 0x00800000 and Z24 0x7F000000 (the positive normal range, shifted, as
// unsigned integers); the used lanes in natural order at 16(SP) (the pair:
// row A low, row B high) and 24(SP) (one row), packed for one row at 0(SP);
// 8(SP) is 0 when the shortcut is off, 1 when on with the weights not yet
// checked (WCHECK), 2 when on and checked.

// USEDLANES: the 32-bit set of lanes that the columns' picks (Z8–Z15) use,
// in AX, and as −1/0 lanes in Z24 (lanes 0–15) and Z25 (16–31).
#define USEDLANES \
	MOVL $1, AX; \
	VPBROADCASTD AX, Z2; \
	VPSLLVD Z8, Z2, Z3; \
	VPSLLVD Z9, Z2, Z24; \
	VPSLLVD Z10, Z2, Z25; \
	VPSLLVD Z11, Z2, Z26; \
	VPSLLVD Z12, Z2, Z27; \
	VPSLLVD Z13, Z2, Z28; \
	VPSLLVD Z14, Z2, Z29; \
	VPSLLVD Z15, Z2, Z6; \
	VPTERNLOGD $0xfe, Z24, Z25, Z3; \
	VPTERNLOGD $0xfe, Z26, Z27, Z3; \
	VPTERNLOGD $0xfe, Z28, Z29, Z3; \
	VPORD Z6, Z3, Z3; \
	VSHUFI32X4 $0x4e, Z3, Z3, Z24; \
	VPORD Z24, Z3, Z3; \
	VSHUFI32X4 $0xb1, Z3, Z3, Z24; \
	VPORD Z24, Z3, Z3; \
	VPSHUFD $0x4e, Z3, Z24; \
	VPORD Z24, Z3, Z3; \
	VPSHUFD $0xb1, Z3, Z24; \
	VPORD Z24, Z3, Z3; \
	VMOVD X3, AX; \
	VPSLLVD laneShift<>+0(SB), Z3, Z24; \
	VPSLLVD laneShift<>+64(SB), Z3, Z25; \
	VPSRAD $31, Z24, Z24; \
	VPSRAD $31, Z25, Z25

// WEIGHTSOK: to NOTOK unless every column weight (Z16–Z23) is finite and
// non-negative (as an integer in [0, 0x7F7FFFFF]) and every column's larger
// weight is ≥ 2⁻²³ (0x34000000). Clobbers Z0, Z1, Z3, Z6, Z7, Z25, Z28,
// K1–K3, AX (the rows' V and Z2, Z24 are kept).
#define WEIGHTSOK(NOTOK) \
	VPMAXSD Z20, Z16, Z0; \
	VPMAXSD Z21, Z17, Z1; \
	VPMAXSD Z22, Z18, Z3; \
	VPMAXSD Z23, Z19, Z6; \
	VPMINSD Z1, Z0, Z7; \
	VPMINSD Z6, Z3, Z25; \
	VPMINSD Z25, Z7, Z7; \
	VPMAXSD Z1, Z0, Z0; \
	VPMAXSD Z6, Z3, Z3; \
	VPMAXSD Z3, Z0, Z0; \
	VPMINSD Z20, Z16, Z1; \
	VPMINSD Z21, Z17, Z3; \
	VPMINSD Z22, Z18, Z6; \
	VPMINSD Z23, Z19, Z25; \
	VPMINSD Z3, Z1, Z1; \
	VPMINSD Z25, Z6, Z6; \
	VPMINSD Z6, Z1, Z1; \
	MOVL $0x34000000, AX; \
	VPBROADCASTD AX, Z28; \
	VPCMPGTD Z7, Z28, K1; \
	MOVL $0x7f7fffff, AX; \
	VPBROADCASTD AX, Z28; \
	VPCMPGTD Z28, Z0, K2; \
	VPCMPGTD Z1, Z31, K3; \
	KORW K1, K2, K1; \
	KORW K1, K3, K1; \
	KORTESTW K1, K1; \
	JNZ NOTOK

// WCHECK: the weights checked once a call, before the first shortcut (FLAG
// 1: not yet, 2: checked); to NOTOK when they fail, else on to OK.
#define WCHECK(NOTOK, OK, FLAG) \
	CMPQ FLAG, $2; \
	JEQ  OK; \
	WEIGHTSOK(NOTOK); \
	MOVQ $2, FLAG

// PAIRSIGN1, PAIRSIGN2: the pair's sign test for one- and two-register rows
// (flags as KTEST sets them: ZF both rows all 0, CF both candidates for 1).
#define PAIRSIGN1 \
	VPACKSSDW Z26, Z4, Z3; \
	VPCMPGTW  Z31, Z3, K1; \
	KTESTD    K4, K1

#define PAIRSIGN2 \
	VPACKSSDW Z5, Z4, Z3; \
	VPACKSSDW Z27, Z26, Z25; \
	VPACKSSWB Z25, Z3, Z3; \
	VPCMPGTB  Z31, Z3, K1; \
	KTESTQ    K4, K1

// NOTNORMAL: the lanes of V that are not positive normal finite numbers, in K.
#define NOTNORMAL(V, K) \
	VPSUBD Z2, V, Z3; \
	VPCMPUD $5, Z24, Z3, K

// POSCHECK1, POSCHECK2: to CHUNKS unless every used lane of rows A and B (the
// lanes USED in natural order) is a positive normal finite number.
#define POSCHECK1(CHUNKS, USED) \
	NOTNORMAL(Z4, K1); \
	NOTNORMAL(Z26, K5); \
	KUNPCKWD K1, K5, K1; \
	KMOVD    K1, AX; \
	ANDQ     USED, AX; \
	JNZ      CHUNKS

#define POSCHECK2(CHUNKS, USED) \
	NOTNORMAL(Z4, K1); \
	NOTNORMAL(Z5, K2); \
	NOTNORMAL(Z26, K5); \
	NOTNORMAL(Z27, K6); \
	KUNPCKWD K1, K2, K1; \
	KUNPCKWD K5, K6, K5; \
	KUNPCKDQ K1, K5, K1; \
	KMOVQ    K1, AX; \
	ANDQ     USED, AX; \
	JNZ      CHUNKS

// ZEROPAIR: the emit of two rows whose bits are all 0: SAM words of 0 (when
// wanted), nothing counted; R11 advances by two.
#define ZEROPAIR \
	MOVQ  152(R15), CX; \
	TESTQ CX, CX; \
	JZ    3(PC); \
	MOVQ  $0, (CX)(R11*8); \
	MOVQ  $0, 8(CX)(R11*8); \
	ADDQ  $2, R11

// func denseMask64AVX512(a *maskArgs)
TEXT ·denseMask64AVX512(SB), NOSPLIT, $32-8
	MOVQ a+0(FP), R15
	MOVQ $0, 8(SP)       // the uniform-row shortcut: off
	MOVL $0x01010101, AX
	VPBROADCASTD AX, Z30 // bytes of 1, for the fused heat count
	XORQ R10, R10        // |S|, |S ∩ G| of the fused emitter
	XORQ R12, R12
	MOVQ 144(R15), R14   // G·R bits
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
	MOVQ 136(R15), DI
	TESTQ DI, DI
	JZ   row64 // no emitter: one row at a time
	USEDLANES
	MOVQ $1, 8(SP)
	TESTQ R13, R13
	JNZ  usedtwo64
	ANDQ $0xffff, AX
	MOVQ AX, 24(SP)
	MOVQ AX, 0(SP)
	MOVQ AX, BX
	SHLQ $16, BX
	ORQ  BX, AX
	MOVQ AX, 16(SP)
	VPACKSSDW Z24, Z24, Z26
	VPMOVW2M  Z26, K4
	JMP  usedset64

usedtwo64:
	MOVQ AX, 24(SP)
	MOVQ AX, BX
	SHLQ $32, BX
	ORQ  BX, AX
	MOVQ AX, 16(SP)
	VPACKSSDW Z25, Z24, Z26
	VPMOVW2M  Z26, K5
	KMOVD     K5, AX
	MOVQ      AX, 0(SP)
	VPACKSSWB Z26, Z26, Z27
	VPMOVB2M  Z27, K4

usedset64:
	MOVL $0x00800000, AX
	VPBROADCASTD AX, Z2
	MOVL $0x7f000000, AX
	VPBROADCASTD AX, Z24
	TESTQ R13, R13
	JNZ  upairtwo64
	CMPQ R9, $1
	JNE  upair1s64

upair1f64:
	PAIRTOP
	PAIRROWS
	VROW1(AX, BX, (R9)(R11*4), (R13)(R11*4), Z3, Z4, $0xff)
	VROW1(CX, DX, 4(R9)(R11*4), 4(R13)(R11*4), Z25, Z26, $0xff00)
	PAIRSIGN1
	JEQ  uzero1f64
	JCS  upos1f64

uchunk1f64:
	PAIRCHUNKS(CHUNK1F)

uemit1f64:
	EMITPAIR
	JMP upair1f64

uzero1f64:
	WCHECK(plain64, uzerook1f64, 8(SP))

uzerook1f64:
	ZEROPAIR
	JMP upair1f64

upos1f64:
	POSCHECK1(uchunk1f64, 16(SP))
	WCHECK(plain64, uposok1f64, 8(SP))

uposok1f64:
	KXNORQ K1, K1, K1
	KXNORQ K5, K5, K5
	JMP    uemit1f64

upair1s64:
	PAIRTOP
	PAIRROWS
	VROW1(AX, BX, (R9)(R11*4), (R13)(R11*4), Z3, Z4, $0xff)
	VROW1(CX, DX, 4(R9)(R11*4), 4(R13)(R11*4), Z25, Z26, $0xff00)
	PAIRSIGN1
	JEQ  uzero1s64
	JCS  upos1s64

uchunk1s64:
	PAIRCHUNKS(CHUNK1S)

uemit1s64:
	EMITPAIR
	JMP upair1s64

uzero1s64:
	WCHECK(plain64, uzerook1s64, 8(SP))

uzerook1s64:
	ZEROPAIR
	JMP upair1s64

upos1s64:
	POSCHECK1(uchunk1s64, 16(SP))
	WCHECK(plain64, uposok1s64, 8(SP))

uposok1s64:
	KXNORQ K1, K1, K1
	KXNORQ K5, K5, K5
	JMP    uemit1s64

upairtwo64:
	CMPQ R9, $1
	JNE  upair2s64

upair2f64:
	PAIRTOP
	PAIRROWS
	VROW2(AX, BX, (R9)(R11*4), (R13)(R11*4), Z3, Z6, Z4, Z5, $0xff)
	VROW2(CX, DX, 4(R9)(R11*4), 4(R13)(R11*4), Z25, Z28, Z26, Z27, $0xff00)
	PAIRSIGN2
	JEQ  uzero2f64
	JCS  upos2f64

uchunk2f64:
	PAIRCHUNKS(CHUNK2F)

uemit2f64:
	EMITPAIR
	JMP upair2f64

uzero2f64:
	WCHECK(plain64, uzerook2f64, 8(SP))

uzerook2f64:
	ZEROPAIR
	JMP upair2f64

upos2f64:
	POSCHECK2(uchunk2f64, 16(SP))
	WCHECK(plain64, uposok2f64, 8(SP))

uposok2f64:
	KXNORQ K1, K1, K1
	KXNORQ K5, K5, K5
	JMP    uemit2f64

upair2s64:
	PAIRTOP
	PAIRROWS
	VROW2(AX, BX, (R9)(R11*4), (R13)(R11*4), Z3, Z6, Z4, Z5, $0xff)
	VROW2(CX, DX, 4(R9)(R11*4), 4(R13)(R11*4), Z25, Z28, Z26, Z27, $0xff00)
	PAIRSIGN2
	JEQ  uzero2s64
	JCS  upos2s64

uchunk2s64:
	PAIRCHUNKS(CHUNK2S)

uemit2s64:
	EMITPAIR
	JMP upair2s64

uzero2s64:
	WCHECK(plain64, uzerook2s64, 8(SP))

uzerook2s64:
	ZEROPAIR
	JMP upair2s64

upos2s64:
	POSCHECK2(uchunk2s64, 16(SP))
	WCHECK(plain64, uposok2s64, 8(SP))

uposok2s64:
	KXNORQ K1, K1, K1
	KXNORQ K5, K5, K5
	JMP    uemit2s64

plain64: // weights outside the shortcut's argument: the pair loops without it
	MOVQ $0, 8(SP)
	MOVQ 128(R15), R13
	MOVQ 120(R15), R9
	TESTQ R13, R13
	JNZ  pairtwo64
	CMPQ R9, $1
	JNE  pair1s64

pair1f64:
	PAIRTOP
	PAIRROWS
	VROW1(AX, BX, (R9)(R11*4), (R13)(R11*4), Z3, Z4, $0xff)
	VROW1(CX, DX, 4(R9)(R11*4), 4(R13)(R11*4), Z25, Z26, $0xff00)
	PAIRCHUNKS(CHUNK1F)
	EMITPAIR
	JMP pair1f64

pair1s64:
	PAIRTOP
	PAIRROWS
	VROW1(AX, BX, (R9)(R11*4), (R13)(R11*4), Z3, Z4, $0xff)
	VROW1(CX, DX, 4(R9)(R11*4), 4(R13)(R11*4), Z25, Z26, $0xff00)
	PAIRCHUNKS(CHUNK1S)
	EMITPAIR
	JMP pair1s64

pairtwo64:
	CMPQ R9, $1
	JNE  pair2s64

pair2f64:
	PAIRTOP
	PAIRROWS
	VROW2(AX, BX, (R9)(R11*4), (R13)(R11*4), Z3, Z6, Z4, Z5, $0xff)
	VROW2(CX, DX, 4(R9)(R11*4), 4(R13)(R11*4), Z25, Z28, Z26, Z27, $0xff00)
	PAIRCHUNKS(CHUNK2F)
	EMITPAIR
	JMP pair2f64

pair2s64:
	PAIRTOP
	PAIRROWS
	VROW2(AX, BX, (R9)(R11*4), (R13)(R11*4), Z3, Z6, Z4, Z5, $0xff)
	VROW2(CX, DX, 4(R9)(R11*4), 4(R13)(R11*4), Z25, Z28, Z26, Z27, $0xff00)
	PAIRCHUNKS(CHUNK2S)
	EMITPAIR
	JMP pair2s64

pairend64: // an odd last row: the one-row loop
	MOVQ 128(R15), R13
	MOVQ 120(R15), R9

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
	CMPQ  8(SP), $0
	JNE   rowsign64

rowcols64:
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

next64: // the row's signs are in K1–K4 (16 pixels each)
	MOVQ  136(R15), DI
	TESTQ DI, DI
	JNZ   emit64
	KMOVW K1, 0(DX)
	KMOVW K2, 2(DX)
	KMOVW K3, 4(DX)
	KMOVW K4, 6(DX)

adv64:
	ADDQ $8, DX
	INCQ R11
	JMP  row64

emit64: // fused emitter (AVX-512BW): m = bits & roi, as denseEmitAVX512
	KUNPCKWD K1, K2, K5
	KUNPCKWD K3, K4, K6
	KUNPCKDQ K5, K6, K7

emitk64: // the row's bits in K7
	KMOVQ    K7, AX
	ANDQ     (DI)(R11*8), AX
	POPCNTQ  AX, BX
	ADDQ     BX, R10
	MOVQ     (R14)(R11*8), BX
	ANDQ     AX, BX
	POPCNTQ  BX, BX
	ADDQ     BX, R12
	MOVQ     152(R15), BX
	TESTQ    BX, BX
	JZ       heat64
	MOVQ     AX, (BX)(R11*8)

heat64:
	MOVQ     160(R15), BX
	TESTQ    BX, BX
	JZ       adv64
	KMOVQ    AX, K1
	MOVQ     R11, CX
	SHLQ     $6, CX
	VMOVDQU8 (BX)(CX*1), Z3
	VPADDB   Z30, Z3, K1, Z3
	VMOVDQU8 Z3, (BX)(CX*1)
	JMP      adv64

rowsign64: // the one-row sign test (the shortcut is on only with the emitter)
	TESTQ R13, R13
	JNZ   rowsign2x64
	VPCMPGTD Z31, Z4, K1
	JMP   rowtest64

rowsign2x64:
	VPACKSSDW Z5, Z4, Z3
	VPCMPGTW  Z31, Z3, K1

rowtest64:
	KMOVD  0(SP), K5
	KTESTD K5, K1
	JEQ    rowzero64
	JCC    rowcols64
	NOTNORMAL(Z4, K1)
	NOTNORMAL(Z5, K2)
	KUNPCKWD K1, K2, K1
	KMOVD  K1, AX
	ANDQ   24(SP), AX
	JNZ    rowcols64
	WCHECK(rowplain64, rowposok64, 8(SP))

rowposok64:
	KXNORQ K7, K7, K7
	MOVQ   136(R15), DI
	JMP    emitk64

rowzero64:
	WCHECK(rowplain64, rowzerook64, 8(SP))

rowzerook64:
	KXORQ  K7, K7, K7
	MOVQ   136(R15), DI
	JMP    emitk64

rowplain64: // weights outside the shortcut's argument
	MOVQ $0, 8(SP)
	JMP  rowcols64

done64:
	MOVQ R10, 168(R15)
	MOVQ R12, 176(R15)
	VZEROUPPER
	RET

// func denseEmitAVX512(a *emitArgs)
// denseEmitAVX2 for blocks of 64 pixels (n32 counts 64-pixel blocks here), with
// the mask registers of AVX-512BW: masked byte add for the heat count.
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
	MOVQ  AX, (DI) // the SAM's bits: the unit's inside the ROI
	JMP   next512

zero512:
	TESTQ DI, DI
	JZ    next512
	MOVQ  $0, (DI)

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
	ADDQ $8, DI

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

// The transposed logits: a block of 16 cells (of one source row) times 16 units
// (or 8) is loaded cell by cell, one vector per cell holding its units, and
// turned into one vector per unit holding its 16 cells, for a plain store,
// instead of a scatter per cell. The turn is a 16×16 transpose by four stages
// of two-table permutes: stage s exchanges bit s of the register number with
// bit s of the lane (transIdx: per stage, the indices of the pair's lower and
// upper outputs). For 8 units, two cells per vector (lane = 8·(cell&1) +
// unit), three stages suffice, the last also moving lane bit 3 to bit 0
// (trans8Last).
DATA transIdx<>+0(SB)/8, $0x0000001000000000
DATA transIdx<>+8(SB)/8, $0x0000001200000002
DATA transIdx<>+16(SB)/8, $0x0000001400000004
DATA transIdx<>+24(SB)/8, $0x0000001600000006
DATA transIdx<>+32(SB)/8, $0x0000001800000008
DATA transIdx<>+40(SB)/8, $0x0000001a0000000a
DATA transIdx<>+48(SB)/8, $0x0000001c0000000c
DATA transIdx<>+56(SB)/8, $0x0000001e0000000e
DATA transIdx<>+64(SB)/8, $0x0000001100000001
DATA transIdx<>+72(SB)/8, $0x0000001300000003
DATA transIdx<>+80(SB)/8, $0x0000001500000005
DATA transIdx<>+88(SB)/8, $0x0000001700000007
DATA transIdx<>+96(SB)/8, $0x0000001900000009
DATA transIdx<>+104(SB)/8, $0x0000001b0000000b
DATA transIdx<>+112(SB)/8, $0x0000001d0000000d
DATA transIdx<>+120(SB)/8, $0x0000001f0000000f
DATA transIdx<>+128(SB)/8, $0x0000000100000000
DATA transIdx<>+136(SB)/8, $0x0000001100000010
DATA transIdx<>+144(SB)/8, $0x0000000500000004
DATA transIdx<>+152(SB)/8, $0x0000001500000014
DATA transIdx<>+160(SB)/8, $0x0000000900000008
DATA transIdx<>+168(SB)/8, $0x0000001900000018
DATA transIdx<>+176(SB)/8, $0x0000000d0000000c
DATA transIdx<>+184(SB)/8, $0x0000001d0000001c
DATA transIdx<>+192(SB)/8, $0x0000000300000002
DATA transIdx<>+200(SB)/8, $0x0000001300000012
DATA transIdx<>+208(SB)/8, $0x0000000700000006
DATA transIdx<>+216(SB)/8, $0x0000001700000016
DATA transIdx<>+224(SB)/8, $0x0000000b0000000a
DATA transIdx<>+232(SB)/8, $0x0000001b0000001a
DATA transIdx<>+240(SB)/8, $0x0000000f0000000e
DATA transIdx<>+248(SB)/8, $0x0000001f0000001e
DATA transIdx<>+256(SB)/8, $0x0000000100000000
DATA transIdx<>+264(SB)/8, $0x0000000300000002
DATA transIdx<>+272(SB)/8, $0x0000001100000010
DATA transIdx<>+280(SB)/8, $0x0000001300000012
DATA transIdx<>+288(SB)/8, $0x0000000900000008
DATA transIdx<>+296(SB)/8, $0x0000000b0000000a
DATA transIdx<>+304(SB)/8, $0x0000001900000018
DATA transIdx<>+312(SB)/8, $0x0000001b0000001a
DATA transIdx<>+320(SB)/8, $0x0000000500000004
DATA transIdx<>+328(SB)/8, $0x0000000700000006
DATA transIdx<>+336(SB)/8, $0x0000001500000014
DATA transIdx<>+344(SB)/8, $0x0000001700000016
DATA transIdx<>+352(SB)/8, $0x0000000d0000000c
DATA transIdx<>+360(SB)/8, $0x0000000f0000000e
DATA transIdx<>+368(SB)/8, $0x0000001d0000001c
DATA transIdx<>+376(SB)/8, $0x0000001f0000001e
DATA transIdx<>+384(SB)/8, $0x0000000100000000
DATA transIdx<>+392(SB)/8, $0x0000000300000002
DATA transIdx<>+400(SB)/8, $0x0000000500000004
DATA transIdx<>+408(SB)/8, $0x0000000700000006
DATA transIdx<>+416(SB)/8, $0x0000001100000010
DATA transIdx<>+424(SB)/8, $0x0000001300000012
DATA transIdx<>+432(SB)/8, $0x0000001500000014
DATA transIdx<>+440(SB)/8, $0x0000001700000016
DATA transIdx<>+448(SB)/8, $0x0000000900000008
DATA transIdx<>+456(SB)/8, $0x0000000b0000000a
DATA transIdx<>+464(SB)/8, $0x0000000d0000000c
DATA transIdx<>+472(SB)/8, $0x0000000f0000000e
DATA transIdx<>+480(SB)/8, $0x0000001900000018
DATA transIdx<>+488(SB)/8, $0x0000001b0000001a
DATA transIdx<>+496(SB)/8, $0x0000001d0000001c
DATA transIdx<>+504(SB)/8, $0x0000001f0000001e
GLOBL transIdx<>(SB), RODATA|NOPTR, $512

DATA trans8Last<>+0(SB)/8, $0x0000000800000000
DATA trans8Last<>+8(SB)/8, $0x0000000900000001
DATA trans8Last<>+16(SB)/8, $0x0000000a00000002
DATA trans8Last<>+24(SB)/8, $0x0000000b00000003
DATA trans8Last<>+32(SB)/8, $0x0000001800000010
DATA trans8Last<>+40(SB)/8, $0x0000001900000011
DATA trans8Last<>+48(SB)/8, $0x0000001a00000012
DATA trans8Last<>+56(SB)/8, $0x0000001b00000013
DATA trans8Last<>+64(SB)/8, $0x0000000c00000004
DATA trans8Last<>+72(SB)/8, $0x0000000d00000005
DATA trans8Last<>+80(SB)/8, $0x0000000e00000006
DATA trans8Last<>+88(SB)/8, $0x0000000f00000007
DATA trans8Last<>+96(SB)/8, $0x0000001c00000014
DATA trans8Last<>+104(SB)/8, $0x0000001d00000015
DATA trans8Last<>+112(SB)/8, $0x0000001e00000016
DATA trans8Last<>+120(SB)/8, $0x0000001f00000017
GLOBL trans8Last<>(SB), RODATA|NOPTR, $128

// TPAIR exchanges one bit between registers A and B and the lanes (Z24 scratch).
#define TPAIR(A, B, I0, I1) \
	VMOVAPS   A, Z24; \
	VPERMT2PS B, I0, A; \
	VPERMT2PS B, I1, Z24; \
	VMOVAPS   Z24, B

// LOGIT turns the feature values in Z into logits d·(2f − s) (Z25 d, Z26 s),
// each step rounded to float32, and adds the lanes of K1 out of range (Z27 the
// |·| mask, Z28 max; Z29 scratch) to K5.
#define LOGIT(Z) \
	VADDPS Z, Z, Z; \
	VSUBPS Z26, Z, Z; \
	VMULPS Z, Z25, Z; \
	VPANDD Z27, Z, Z29; \
	VCMPPS $6, Z28, Z29, K1, K2; \
	KORW   K2, K5, K5

// STORE stores Z at DX and moves DX to the next unit's row (R12 bytes on); it
// jumps to stored after the BX-th unit.
#define STORE(Z, I) \
	VMOVUPS Z, (DX); \
	CMPQ    BX, $I; \
	JLE     stored; \
	ADDQ    R12, DX

// func denseLogitsT16AVX512(a *logitArgs)
// denseLogitsAVX512 for s1 a multiple of 16: per group of 16 units (masked at
// the end) and block of 16 cells, 16 loads, the logits, a transpose and 16
// stores. Registers: R15 args, SI f at the group (advancing a block at a
// time), R8 cell, R9 c·4, R10 units, R11 s1, R12 rows·4, R13 column, R14 row
// offset, CX group, AX load pointer, DX store pointer, BX units in the group;
// Z0–Z15 the block, Z16–Z23 the permute indices.
TEXT ·denseLogitsT16AVX512(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), R15
	MOVQ 8(R15), R9
	SHLQ $2, R9
	MOVQ 16(R15), R10
	MOVQ 32(R15), R11
	MOVQ 56(R15), R12
	SHLQ $2, R12
	VMOVUPS transIdx<>+0(SB), Z16
	VMOVUPS transIdx<>+64(SB), Z17
	VMOVUPS transIdx<>+128(SB), Z18
	VMOVUPS transIdx<>+192(SB), Z19
	VMOVUPS transIdx<>+256(SB), Z20
	VMOVUPS transIdx<>+320(SB), Z21
	VMOVUPS transIdx<>+384(SB), Z22
	VMOVUPS transIdx<>+448(SB), Z23
	MOVL $0x7fffffff, AX
	VPBROADCASTD AX, Z27
	VBROADCASTSS 80(R15), Z28
	KXORW K5, K5, K5
	XORQ CX, CX

tgroup:
	CMPQ CX, R10
	JGE  tdone
	MOVQ R10, BX
	SUBQ CX, BX
	CMPQ BX, $16
	JLT  tpartial
	MOVQ $16, BX
	KXNORW K1, K1, K1
	JMP  tmasked

tpartial:
	MOVL  $1, AX
	SHLXL BX, AX, AX
	DECL  AX
	KMOVW AX, K1

tmasked:
	MOVQ      64(R15), AX
	VMOVUPS.Z (AX)(CX*4), K1, Z25 // d
	MOVQ      72(R15), AX
	VMOVUPS.Z (AX)(CX*4), K1, Z26 // s
	MOVQ      0(R15), SI
	LEAQ      (SI)(CX*4), SI
	XORQ      R8, R8
	XORQ      R13, R13
	XORQ      R14, R14

tblock:
	CMPQ R8, 24(R15)
	JGE  tgroupdone
	MOVQ SI, AX
	VMOVUPS.Z (AX), K1, Z0
	ADDQ R9, AX
	VMOVUPS.Z (AX), K1, Z1
	ADDQ R9, AX
	VMOVUPS.Z (AX), K1, Z2
	ADDQ R9, AX
	VMOVUPS.Z (AX), K1, Z3
	ADDQ R9, AX
	VMOVUPS.Z (AX), K1, Z4
	ADDQ R9, AX
	VMOVUPS.Z (AX), K1, Z5
	ADDQ R9, AX
	VMOVUPS.Z (AX), K1, Z6
	ADDQ R9, AX
	VMOVUPS.Z (AX), K1, Z7
	ADDQ R9, AX
	VMOVUPS.Z (AX), K1, Z8
	ADDQ R9, AX
	VMOVUPS.Z (AX), K1, Z9
	ADDQ R9, AX
	VMOVUPS.Z (AX), K1, Z10
	ADDQ R9, AX
	VMOVUPS.Z (AX), K1, Z11
	ADDQ R9, AX
	VMOVUPS.Z (AX), K1, Z12
	ADDQ R9, AX
	VMOVUPS.Z (AX), K1, Z13
	ADDQ R9, AX
	VMOVUPS.Z (AX), K1, Z14
	ADDQ R9, AX
	VMOVUPS.Z (AX), K1, Z15
	ADDQ R9, AX
	MOVQ AX, SI // the next block
	LOGIT(Z0)
	LOGIT(Z1)
	LOGIT(Z2)
	LOGIT(Z3)
	LOGIT(Z4)
	LOGIT(Z5)
	LOGIT(Z6)
	LOGIT(Z7)
	LOGIT(Z8)
	LOGIT(Z9)
	LOGIT(Z10)
	LOGIT(Z11)
	LOGIT(Z12)
	LOGIT(Z13)
	LOGIT(Z14)
	LOGIT(Z15)
	TPAIR(Z0, Z1, Z16, Z17)
	TPAIR(Z2, Z3, Z16, Z17)
	TPAIR(Z4, Z5, Z16, Z17)
	TPAIR(Z6, Z7, Z16, Z17)
	TPAIR(Z8, Z9, Z16, Z17)
	TPAIR(Z10, Z11, Z16, Z17)
	TPAIR(Z12, Z13, Z16, Z17)
	TPAIR(Z14, Z15, Z16, Z17)
	TPAIR(Z0, Z2, Z18, Z19)
	TPAIR(Z1, Z3, Z18, Z19)
	TPAIR(Z4, Z6, Z18, Z19)
	TPAIR(Z5, Z7, Z18, Z19)
	TPAIR(Z8, Z10, Z18, Z19)
	TPAIR(Z9, Z11, Z18, Z19)
	TPAIR(Z12, Z14, Z18, Z19)
	TPAIR(Z13, Z15, Z18, Z19)
	TPAIR(Z0, Z4, Z20, Z21)
	TPAIR(Z1, Z5, Z20, Z21)
	TPAIR(Z2, Z6, Z20, Z21)
	TPAIR(Z3, Z7, Z20, Z21)
	TPAIR(Z8, Z12, Z20, Z21)
	TPAIR(Z9, Z13, Z20, Z21)
	TPAIR(Z10, Z14, Z20, Z21)
	TPAIR(Z11, Z15, Z20, Z21)
	TPAIR(Z0, Z8, Z22, Z23)
	TPAIR(Z1, Z9, Z22, Z23)
	TPAIR(Z2, Z10, Z22, Z23)
	TPAIR(Z3, Z11, Z22, Z23)
	TPAIR(Z4, Z12, Z22, Z23)
	TPAIR(Z5, Z13, Z22, Z23)
	TPAIR(Z6, Z14, Z22, Z23)
	TPAIR(Z7, Z15, Z22, Z23)
	// DX = dst + (CX·rows + row offset + column)·4
	MOVQ  56(R15), DX
	IMULQ CX, DX
	ADDQ  R14, DX
	ADDQ  R13, DX
	SHLQ  $2, DX
	ADDQ  48(R15), DX
	STORE(Z0, 1)
	STORE(Z1, 2)
	STORE(Z2, 3)
	STORE(Z3, 4)
	STORE(Z4, 5)
	STORE(Z5, 6)
	STORE(Z6, 7)
	STORE(Z7, 8)
	STORE(Z8, 9)
	STORE(Z9, 10)
	STORE(Z10, 11)
	STORE(Z11, 12)
	STORE(Z12, 13)
	STORE(Z13, 14)
	STORE(Z14, 15)
	VMOVUPS Z15, (DX)

stored:
	ADDQ $16, R8
	ADDQ $16, R13
	CMPQ R13, R11
	JLT  tblock
	XORQ R13, R13
	ADDQ 40(R15), R14
	JMP  tblock

tgroupdone:
	ADDQ $16, CX
	JMP  tgroup

tdone:
	KMOVW K5, AX
	MOVQ  AX, 88(R15)
	VZEROUPPER
	RET

// func denseLogitsT8AVX512(a *logitArgs)
// denseLogitsT16AVX512 for exactly 8 units (c = units = 8): a block of 16
// cells is 8 vectors of two cells (d and s point at 16 values, the 8 terms
// twice), and 8 stores. Registers as in denseLogitsT16AVX512.
TEXT ·denseLogitsT8AVX512(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), R15
	MOVQ 0(R15), SI
	MOVQ 24(R15), R8
	MOVQ 32(R15), R11
	MOVQ 56(R15), R12
	SHLQ $2, R12
	MOVQ 64(R15), AX
	VMOVUPS (AX), Z25 // d, twice
	MOVQ 72(R15), AX
	VMOVUPS (AX), Z26 // s, twice
	VMOVUPS transIdx<>+0(SB), Z16
	VMOVUPS transIdx<>+64(SB), Z17
	VMOVUPS transIdx<>+128(SB), Z18
	VMOVUPS transIdx<>+192(SB), Z19
	VMOVUPS trans8Last<>+0(SB), Z20
	VMOVUPS trans8Last<>+64(SB), Z21
	MOVL $0x7fffffff, AX
	VPBROADCASTD AX, Z27
	VBROADCASTSS 80(R15), Z28
	KXORW K5, K5, K5
	KXNORW K1, K1, K1
	MOVQ 48(R15), DI
	XORQ R13, R13
	XORQ R14, R14

t8block:
	TESTQ R8, R8
	JZ    t8done
	VMOVUPS 0(SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	VMOVUPS 256(SI), Z4
	VMOVUPS 320(SI), Z5
	VMOVUPS 384(SI), Z6
	VMOVUPS 448(SI), Z7
	ADDQ $512, SI
	LOGIT(Z0)
	LOGIT(Z1)
	LOGIT(Z2)
	LOGIT(Z3)
	LOGIT(Z4)
	LOGIT(Z5)
	LOGIT(Z6)
	LOGIT(Z7)
	TPAIR(Z0, Z1, Z16, Z17)
	TPAIR(Z2, Z3, Z16, Z17)
	TPAIR(Z4, Z5, Z16, Z17)
	TPAIR(Z6, Z7, Z16, Z17)
	TPAIR(Z0, Z2, Z18, Z19)
	TPAIR(Z1, Z3, Z18, Z19)
	TPAIR(Z4, Z6, Z18, Z19)
	TPAIR(Z5, Z7, Z18, Z19)
	TPAIR(Z0, Z4, Z20, Z21)
	TPAIR(Z1, Z5, Z20, Z21)
	TPAIR(Z2, Z6, Z20, Z21)
	TPAIR(Z3, Z7, Z20, Z21)
	LEAQ    (R14)(R13*1), DX
	LEAQ    (DI)(DX*4), DX
	VMOVUPS Z0, (DX)
	ADDQ    R12, DX
	VMOVUPS Z1, (DX)
	ADDQ    R12, DX
	VMOVUPS Z2, (DX)
	ADDQ    R12, DX
	VMOVUPS Z3, (DX)
	ADDQ    R12, DX
	VMOVUPS Z4, (DX)
	ADDQ    R12, DX
	VMOVUPS Z5, (DX)
	ADDQ    R12, DX
	VMOVUPS Z6, (DX)
	ADDQ    R12, DX
	VMOVUPS Z7, (DX)
	SUBQ $16, R8
	ADDQ $16, R13
	CMPQ R13, R11
	JLT  t8block
	XORQ R13, R13
	ADDQ 40(R15), R14
	JMP  t8block

t8done:
	KMOVW K5, AX
	MOVQ  AX, 88(R15)
	VZEROUPPER
	RET

// laneShift: 31 − lane, for lanes 0–31 (USEDLANES moves bit lane to the top).
DATA laneShift<>+0(SB)/4, $31
DATA laneShift<>+4(SB)/4, $30
DATA laneShift<>+8(SB)/4, $29
DATA laneShift<>+12(SB)/4, $28
DATA laneShift<>+16(SB)/4, $27
DATA laneShift<>+20(SB)/4, $26
DATA laneShift<>+24(SB)/4, $25
DATA laneShift<>+28(SB)/4, $24
DATA laneShift<>+32(SB)/4, $23
DATA laneShift<>+36(SB)/4, $22
DATA laneShift<>+40(SB)/4, $21
DATA laneShift<>+44(SB)/4, $20
DATA laneShift<>+48(SB)/4, $19
DATA laneShift<>+52(SB)/4, $18
DATA laneShift<>+56(SB)/4, $17
DATA laneShift<>+60(SB)/4, $16
DATA laneShift<>+64(SB)/4, $15
DATA laneShift<>+68(SB)/4, $14
DATA laneShift<>+72(SB)/4, $13
DATA laneShift<>+76(SB)/4, $12
DATA laneShift<>+80(SB)/4, $11
DATA laneShift<>+84(SB)/4, $10
DATA laneShift<>+88(SB)/4, $9
DATA laneShift<>+92(SB)/4, $8
DATA laneShift<>+96(SB)/4, $7
DATA laneShift<>+100(SB)/4, $6
DATA laneShift<>+104(SB)/4, $5
DATA laneShift<>+108(SB)/4, $4
DATA laneShift<>+112(SB)/4, $3
DATA laneShift<>+116(SB)/4, $2
DATA laneShift<>+120(SB)/4, $1
DATA laneShift<>+124(SB)/4, $0
GLOBL laneShift<>(SB), RODATA|NOPTR, $128
