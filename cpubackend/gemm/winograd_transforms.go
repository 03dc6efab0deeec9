package gemm

import "unsafe"

// The three transforms of Winograd's F(2×2, 3×3), vectorised over channels.
//
// Layouts (float32 elements):
//   - the input of a run of tw tiles is four rows r[i] (channels-last
//     pixels, stride cin): the 4×4 patch of tile tx has pixel (row i,
//     column j) at r[i][(2tx+j)·cin:]. The rows are image rows read in
//     place (or a zero row) for interior tiles, and a small zero-padded
//     copy for the tiles at the image's left and right edges.
//   - V[ξ][t][c] and M[ξ][t][o]: transformed inputs and the 16 products, ξ
//     stride vs (ms) elements, tile stride cin (cout).
//   - U, the packed transformed weights: U[ξ] is panel elements, the packed
//     B operand of the products (16-wide panels of cin rows, see packBPanel).
//
// Each output is a fixed chain of float32 additions, subtractions and exact
// halvings (no FMA), the same in the Go loops below and in the AVX2 and
// AVX-512 assembly (winograd_amd64.s), so every path gives the same bits.

// winoImpl is one set of transforms: lanes channels per assembly step
// (0: Go only); input8 and output8 (AVX2, 8 channels a step, or nil) take
// a multiple of 8 channels left over by 16-lane steps, and the Go loops
// finish the rest.
type winoImpl struct {
	lanes           int
	name            string
	input, input8   func(v, r0, r1, r2, r3 unsafe.Pointer, vs, cin, tw, cv int)
	output, output8 func(o, m unsafe.Pointer, ms, ldo, cout, tw, cv int)
	weights         func(u, wt unsafe.Pointer, panel, cin, cout, rows int)
}

// winoK is the transform set chosen at init (selectWinograd).
var winoK = winoImpl{name: "go"}

// winoInput writes V[ξ][tx][c] = (Bᵀ d B)[ξ] for tw tiles whose input rows
// are r (layout above; each at least (2tw+2)·cin long), V's ξ stride vs.
func winoInput(v []float32, vs int, r *[4][]float32, cin, tw int) {
	_ = v[15*vs+tw*cin-1]
	for i := range r {
		_ = r[i][(2*tw+2)*cin-1]
	}
	cv := 0
	if winoK.lanes > 0 {
		cv = cin / winoK.lanes * winoK.lanes
		if cv > 0 {
			winoK.input(unsafe.Pointer(&v[0]), unsafe.Pointer(&r[0][0]), unsafe.Pointer(&r[1][0]),
				unsafe.Pointer(&r[2][0]), unsafe.Pointer(&r[3][0]), vs, cin, tw, cv)
		}
		if c8 := (cin - cv) / 8 * 8; c8 > 0 && winoK.input8 != nil {
			winoK.input8(unsafe.Pointer(&v[cv]), unsafe.Pointer(&r[0][cv]), unsafe.Pointer(&r[1][cv]),
				unsafe.Pointer(&r[2][cv]), unsafe.Pointer(&r[3][cv]), vs, cin, tw, c8)
			cv += c8
		}
	}
	if cv < cin {
		winoInputGo(v, vs, r, cin, tw, cv)
	}
}

// winoInputGo is winoInput for channels c0..cin-1 in Go: Bᵀd (columns),
// then ·B (rows).
func winoInputGo(v []float32, vs int, r *[4][]float32, cin, tw, c0 int) {
	for tx := 0; tx < tw; tx++ {
		for c := c0; c < cin; c++ {
			var e [16]float32
			for j := 0; j < 4; j++ {
				x := (2*tx+j)*cin + c
				d0, d1, d2, d3 := r[0][x], r[1][x], r[2][x], r[3][x]
				e[j] = d0 - d2
				e[4+j] = d1 + d2
				e[8+j] = d2 - d1
				e[12+j] = d1 - d3
			}
			o := tx*cin + c
			for i := 0; i < 4; i++ {
				e0, e1, e2, e3 := e[i*4], e[i*4+1], e[i*4+2], e[i*4+3]
				v[(i*4)*vs+o] = e0 - e2
				v[(i*4+1)*vs+o] = e1 + e2
				v[(i*4+2)*vs+o] = e2 - e1
				v[(i*4+3)*vs+o] = e1 - e3
			}
		}
	}
}

// winoOutput writes Y = Aᵀ M A of the tw tiles whose products start at m
// (ξ stride ms, tile stride cout) into two image rows: o (row 0, pixels
// 0..2tw-1) and o[ldo:] (row 1).
func winoOutput(o []float32, ldo int, m []float32, ms, cout, tw int) {
	_ = o[ldo+2*tw*cout-1]
	_ = m[15*ms+tw*cout-1]
	cv := 0
	if winoK.lanes > 0 {
		cv = cout / winoK.lanes * winoK.lanes
		if cv > 0 {
			winoK.output(unsafe.Pointer(&o[0]), unsafe.Pointer(&m[0]), ms, ldo, cout, tw, cv)
		}
		if c8 := (cout - cv) / 8 * 8; c8 > 0 && winoK.output8 != nil {
			winoK.output8(unsafe.Pointer(&o[cv]), unsafe.Pointer(&m[cv]), ms, ldo, cout, tw, c8)
			cv += c8
		}
	}
	if cv < cout {
		winoOutputGo(o, ldo, m, ms, cout, tw, cv)
	}
}

// winoOutputGo is winoOutput for channels c0..cout-1 in Go.
func winoOutputGo(o []float32, ldo int, m []float32, ms, cout, tw, c0 int) {
	for tx := 0; tx < tw; tx++ {
		t, x := tx*cout, 2*tx*cout
		for c := c0; c < cout; c++ {
			var a0, a1 [4]float32 // Aᵀ q
			for j := 0; j < 4; j++ {
				q0, q1, q2, q3 := m[j*ms+t+c], m[(4+j)*ms+t+c], m[(8+j)*ms+t+c], m[(12+j)*ms+t+c]
				a0[j] = q0 + q1 + q2
				a1[j] = q1 - q2 - q3
			}
			o[x+c] = a0[0] + a0[1] + a0[2]
			o[x+cout+c] = a0[1] - a0[2] - a0[3]
			o[ldo+x+c] = a1[0] + a1[1] + a1[2]
			o[ldo+x+cout+c] = a1[1] - a1[2] - a1[3]
		}
	}
}

// winoWeights writes U = G g Gᵀ of the HWIO weights wt [3,3,cin,cout],
// packed: U[ξ] at u[ξ·panel:], panel = np·16·cin for np = ⌈cout/16⌉ panels
// (the layout packBPanel gives a [cin, cout] matrix). tmp holds
// 16·cin·cout floats for the Go path (unused by the assembly). Input rows
// are spread over up to nw goroutines.
func winoWeights(u, tmp, wt []float32, cin, cout, nw int) {
	np := (cout + nr - 1) / nr
	panel := np * nr * cin
	_ = u[16*panel-1]
	_ = wt[9*cin*cout-1]
	if winoK.lanes > 0 && cout%nr == 0 {
		const blk = 32 // input channels per item
		if cin*cout < 1<<14 {
			nw = 1
		}
		parallelFor((cin+blk-1)/blk, nw, func(it int, _ *workspace) {
			i0 := it * blk
			winoK.weights(unsafe.Pointer(&u[i0*nr]), unsafe.Pointer(&wt[i0*cout]), panel, cin, cout, min(blk, cin-i0))
		})
		return
	}
	full := winogradWeights(tmp, wt, cin, cout)
	base := plan{n: cout, k: cin, ldb: cout}
	for xi := 0; xi < 16; xi++ {
		base.b = full[xi*cin*cout:]
		for q := 0; q < np; q++ {
			base.packBPanel(u[xi*panel:], 0, cout, q)
		}
	}
}
