# Generates winograd_amd64.s, the AVX-512 and AVX2 Winograd F(2×2, 3×3)
# transforms (see winograd_transforms.go for their contracts):
#
#   python3 winograd_amd64_gen.py > winograd_amd64.s
#
# Both variants are one instruction sequence over zmm (16 channels) or ymm
# (8 channels) registers; the weight transform's AVX2 variant does each
# 16-wide panel row in two halves.
import sys

def addr(disp, base, base8, s, s3, s5, s7, k):
    b = base if k < 8 else base8
    k %= 8
    idx = {0: "", 1: f"({s}*1)", 2: f"({s}*2)", 3: f"({s3}*1)", 4: f"({s}*4)",
           5: f"({s5}*1)", 6: f"({s3}*2)", 7: f"({s7}*1)"}[k]
    d = str(disp) if disp else ""
    return f"{d}({b}){idx}"

out = []
def e(s=""):
    out.append(s)

def gen(name, R, vb, lanes):
    r = lambda i: f"{R}{i}"
    # ---------------- input transform ----------------
    e(f"// func winoInput{name}(v, r0, r1, r2, r3 unsafe.Pointer, vs, cin, tw, cv int)")
    e(f"TEXT ·winoInput{name}(SB), NOSPLIT, $0-72")
    e("\tMOVQ vs+40(FP), R8")
    e("\tSHLQ $2, R8")
    e("\tLEAQ (R8)(R8*2), R9")
    e("\tLEAQ (R8)(R8*4), R10")
    e("\tLEAQ (R9)(R8*4), R11")
    e("\tMOVQ cin+48(FP), R12")
    e("\tSHLQ $2, R12")
    e("\tLEAQ (R12)(R12*2), R13")
    e(f"winoInput{name}_outer:")
    e("\tMOVQ v+0(FP), DI")
    e("\tMOVQ r0+8(FP), SI")
    e("\tMOVQ r1+16(FP), BX")
    e("\tMOVQ r2+24(FP), DX")
    e("\tMOVQ r3+32(FP), R14")
    e("\tMOVQ tw+56(FP), CX")
    e(f"winoInput{name}_tile:")
    rowreg = ["SI", "BX", "DX", "R14"]
    def ld(k):
        j, i = k // 4, k % 4
        b = rowreg[i]
        return {0: f"({b})", 1: f"({b})(R12*1)", 2: f"({b})(R12*2)", 3: f"({b})(R13*1)"}[j]
    st = lambda k: addr(0, "DI", "AX", "R8", "R9", "R10", "R11", k)
    # d1j -> r(j), d2j -> r(4+j); pixel (i, j) at k = 4j + i
    for j in range(4):
        e(f"\tVMOVUPS {ld(4*j+1)}, {r(j)}")
        e(f"\tVMOVUPS {ld(4*j+2)}, {r(4+j)}")
    e("\tLEAQ (DI)(R8*8), AX")
    for row in range(4):
        for j in range(4):
            ej = r(8 + j)
            if row == 0:
                e(f"\tVMOVUPS {ld(4*j)}, {ej}")
                e(f"\tVSUBPS {r(4+j)}, {ej}, {ej}")
            elif row == 1:
                e(f"\tVADDPS {r(4+j)}, {r(j)}, {ej}")
            elif row == 2:
                e(f"\tVSUBPS {r(j)}, {r(4+j)}, {ej}")
            else:
                e(f"\tVMOVUPS {ld(4*j+3)}, {r(12)}")
                e(f"\tVSUBPS {r(12)}, {r(j)}, {ej}")
        e0, e1, e2, e3 = r(8), r(9), r(10), r(11)
        t = r(13)
        e(f"\tVSUBPS {e2}, {e0}, {t}")
        e(f"\tVMOVUPS {t}, {st(4*row)}")
        e(f"\tVADDPS {e2}, {e1}, {t}")
        e(f"\tVMOVUPS {t}, {st(4*row+1)}")
        e(f"\tVSUBPS {e1}, {e2}, {t}")
        e(f"\tVMOVUPS {t}, {st(4*row+2)}")
        e(f"\tVSUBPS {e3}, {e1}, {t}")
        e(f"\tVMOVUPS {t}, {st(4*row+3)}")
    e("\tADDQ R12, DI")
    for b in rowreg:
        e(f"\tLEAQ ({b})(R12*2), {b}")
    e("\tDECQ CX")
    e(f"\tJNZ winoInput{name}_tile")
    for a in ("v+0", "r0+8", "r1+16", "r2+24", "r3+32"):
        e(f"\tADDQ ${vb}, {a}(FP)")
    e(f"\tSUBQ ${lanes}, cv+64(FP)")
    e(f"\tJGT winoInput{name}_outer")
    e("\tVZEROUPPER")
    e("\tRET")
    e()
    # ---------------- output transform ----------------
    e(f"// func winoOutput{name}(o, m unsafe.Pointer, ms, ldo, cout, tw, cv int)")
    e(f"TEXT ·winoOutput{name}(SB), NOSPLIT, $0-56")
    e("\tMOVQ ms+16(FP), R8")
    e("\tSHLQ $2, R8")
    e("\tLEAQ (R8)(R8*2), R9")
    e("\tLEAQ (R8)(R8*4), R10")
    e("\tLEAQ (R9)(R8*4), R11")
    e("\tMOVQ ldo+24(FP), R13")
    e("\tSHLQ $2, R13")
    e("\tMOVQ cout+32(FP), R12")
    e("\tSHLQ $2, R12")
    e(f"winoOutput{name}_outer:")
    e("\tMOVQ o+0(FP), DI")
    e("\tMOVQ m+8(FP), BX")
    e("\tMOVQ tw+40(FP), CX")
    e("\tLEAQ (DI)(R13*1), DX")
    e(f"winoOutput{name}_tile:")
    e("\tLEAQ (BX)(R8*8), SI")
    ld = lambda k: addr(0, "BX", "SI", "R8", "R9", "R10", "R11", k)
    for j in range(4):
        for i in range(4):
            e(f"\tVMOVUPS {ld(4*i+j)}, {r(i)}")
        e(f"\tVADDPS {r(1)}, {r(0)}, {r(4+j)}")
        e(f"\tVADDPS {r(2)}, {r(4+j)}, {r(4+j)}")
        e(f"\tVSUBPS {r(2)}, {r(1)}, {r(8+j)}")
        e(f"\tVSUBPS {r(3)}, {r(8+j)}, {r(8+j)}")
    for a, dst in ((4, "(DI)"), (8, "(DX)")):
        t = r(12)
        e(f"\tVADDPS {r(a+1)}, {r(a)}, {t}")
        e(f"\tVADDPS {r(a+2)}, {t}, {t}")
        e(f"\tVMOVUPS {t}, {dst}")
        e(f"\tVSUBPS {r(a+2)}, {r(a+1)}, {t}")
        e(f"\tVSUBPS {r(a+3)}, {t}, {t}")
        e(f"\tVMOVUPS {t}, {dst}(R12*1)")
    e("\tADDQ R12, BX")
    e("\tLEAQ (DI)(R12*2), DI")
    e("\tLEAQ (DX)(R12*2), DX")
    e("\tDECQ CX")
    e(f"\tJNZ winoOutput{name}_tile")
    e(f"\tADDQ ${vb}, o+0(FP)")
    e(f"\tADDQ ${vb}, m+8(FP)")
    e(f"\tSUBQ ${lanes}, cv+48(FP)")
    e(f"\tJGT winoOutput{name}_outer")
    e("\tVZEROUPPER")
    e("\tRET")
    e()
    # ---------------- weight transform ----------------
    e(f"// func winoWeights{name}(u, wt unsafe.Pointer, panel, cin, cout, rows int)")
    e(f"TEXT ·winoWeights{name}(SB), NOSPLIT, $0-48")
    e("\tMOVL $0x3f000000, AX")
    e("\tVMOVD AX, X15")
    e(f"\tVBROADCASTSS X15, {r(15)}")
    e("\tMOVQ cin+24(FP), R8")
    e("\tMOVQ R8, AX")
    e("\tSHLQ $6, AX") # 16*cin*4: panel stride
    e("\tIMULQ cout+32(FP), R8")
    e("\tSHLQ $2, R8")
    e("\tLEAQ (R8)(R8*2), R9")
    e("\tLEAQ (R8)(R8*4), R10")
    e("\tLEAQ (R9)(R8*4), R11")
    e("\tMOVQ panel+16(FP), R12")
    e("\tSHLQ $2, R12")
    e("\tLEAQ (R12)(R12*2), R13")
    e("\tLEAQ (R12)(R12*4), R14")
    e("\tLEAQ (R13)(R12*4), DX")
    e("\tMOVQ wt+8(FP), BX")
    e(f"winoWeights{name}_row:")
    e("\tMOVQ u+0(FP), DI")
    e("\tMOVQ cout+32(FP), CX")
    e("\tSHRQ $4, CX")
    e(f"winoWeights{name}_panel:")
    e("\tLEAQ (DI)(R12*8), SI")
    for h in range(64 // vb):
        d = h * vb
        ld = lambda k: addr(d, "BX", "BX", "R8", "R9", "R10", "R11", k) if k < 8 else (f"{d}(BX)(R8*8)" if d else "(BX)(R8*8)")
        st = lambda k: addr(d, "DI", "SI", "R12", "R13", "R14", "DX", k)
        for k in range(9):
            e(f"\tVMOVUPS {ld(k)}, {r(k)}")
        for c in range(3):
            e(f"\tVADDPS {r(3+c)}, {r(c)}, {r(9+c)}")
            e(f"\tVADDPS {r(6+c)}, {r(9+c)}, {r(9+c)}")
            e(f"\tVMULPS {r(15)}, {r(9+c)}, {r(9+c)}")
        rows = [(0, 1, 2), (9, 10, 11), None, (6, 7, 8)]
        for row in range(4):
            if row == 2:
                for c in range(3):
                    e(f"\tVSUBPS {r(3+c)}, {r(c)}, {r(9+c)}")
                    e(f"\tVADDPS {r(6+c)}, {r(9+c)}, {r(9+c)}")
                    e(f"\tVMULPS {r(15)}, {r(9+c)}, {r(9+c)}")
                a, b, cc = 9, 10, 11
            else:
                a, b, cc = rows[row]
            if row == 1:
                # row 2 overwrites regs 9..11: finish row 1 first (it does)
                pass
            t = r(12)
            e(f"\tVMOVUPS {r(a)}, {st(4*row)}")
            e(f"\tVADDPS {r(b)}, {r(a)}, {t}")
            e(f"\tVADDPS {r(cc)}, {t}, {t}")
            e(f"\tVMULPS {r(15)}, {t}, {t}")
            e(f"\tVMOVUPS {t}, {st(4*row+1)}")
            e(f"\tVSUBPS {r(b)}, {r(a)}, {t}")
            e(f"\tVADDPS {r(cc)}, {t}, {t}")
            e(f"\tVMULPS {r(15)}, {t}, {t}")
            e(f"\tVMOVUPS {t}, {st(4*row+2)}")
            e(f"\tVMOVUPS {r(cc)}, {st(4*row+3)}")
    e("\tADDQ $64, BX")
    e("\tADDQ AX, DI")
    e("\tDECQ CX")
    e(f"\tJNZ winoWeights{name}_panel")
    e("\tADDQ $64, u+0(FP)")
    e("\tDECQ rows+40(FP)")
    e(f"\tJNZ winoWeights{name}_row")
    e("\tVZEROUPPER")
    e("\tRET")
    e()

e("""//go:build amd64 && !purego

// Code generated by winograd_amd64_gen.py; DO NOT EDIT.

// Winograd F(2×2, 3×3) transforms, vectorised over channels: 16 channels per
// zmm register (AVX512) or 8 per ymm register (AVX2); the two variants are
// the same instruction sequence. Each output element is the same chain of
// float32 additions and subtractions (and exact halvings) as in the Go
// versions of winograd_transforms.go, without FMA, so all three paths give
// the same bits. The 16 planes ξ at base + ξ·s (V, M, U) are addressed with
// the scaled indexes s, 3s, 5s, 7s from base and from base + 8s; the input
// transform reads its four input rows from four pointers.

#include "textflag.h"
""")
gen("AVX512", "Z", 64, 16)
gen("AVX2", "Y", 32, 8)
sys.stdout.write("\n".join(out))
