package simplego

// transposeFloat32 writes into dst the transposition of src (with dimensions
// dims) where output axis i is source axis perm[i]. Axes of dimension 1 are
// dropped and adjacent source axes that stay adjacent are merged first, so the
// common cases become a 2D or 3D transposition, done in cache-sized tiles.
func transposeFloat32(dst, src []float32, dims, perm []int) {
	transposeGeneric(dst, src, dims, perm)
}

// transposeGeneric is transposeFloat32 for any element type.
func transposeGeneric[T any](dst, src []T, dims, perm []int) {
	// Source strides.
	rank := len(dims)
	srcStrides := make([]int, rank)
	s := 1
	for ax := rank - 1; ax >= 0; ax-- {
		srcStrides[ax] = s
		s *= dims[ax]
	}
	// Simplify: output axes (in order) as (dim, srcStride), dropping 1s and merging
	// consecutive output axes that are consecutive in the source.
	var oDims, oStrides []int
	for _, ax := range perm {
		d := dims[ax]
		if d == 1 {
			continue
		}
		n := len(oDims)
		if n > 0 && oStrides[n-1] == srcStrides[ax]*d {
			oDims[n-1] *= d
			oStrides[n-1] = srcStrides[ax]
			continue
		}
		oDims = append(oDims, d)
		oStrides = append(oStrides, srcStrides[ax])
	}
	total := len(src)
	switch {
	case len(oDims) == 0 || (len(oDims) == 1 && oStrides[0] == 1):
		copy(dst[:total], src[:total])
		return
	case len(oDims) == 2 && oStrides[0] == 1:
		// dst[i, j] = src[j, i]: src is [oDims[1], oDims[0]].
		transpose2D(dst, src, oDims[1], oDims[0])
		return
	case len(oDims) == 3 && oStrides[1] == 1 && oStrides[0] == oDims[1]*oDims[2]:
		// Batched 2D: dst[b, i, j] = src[b, j, i].
		rows, cols := oDims[2], oDims[1]
		parallelFor(oDims[0], rows*cols, func(b0, b1 int) {
			for b := b0; b < b1; b++ {
				transpose2DSerial(dst[b*rows*cols:], src[b*rows*cols:], rows, cols)
			}
		})
		return
	}
	// General case: iterate the output, innermost axis with a source stride.
	n := len(oDims)
	inner, innerStride := oDims[n-1], oStrides[n-1]
	outer := total / inner
	parallelFor(outer, inner, func(o0, o1 int) {
		idx := make([]int, n-1)
		// Position of o0.
		rem := o0
		srcPos := 0
		for ax := n - 2; ax >= 0; ax-- {
			idx[ax] = rem % oDims[ax]
			rem /= oDims[ax]
			srcPos += idx[ax] * oStrides[ax]
		}
		for o := o0; o < o1; o++ {
			d := dst[o*inner : (o+1)*inner]
			if innerStride == 1 {
				copy(d, src[srcPos:srcPos+inner])
			} else {
				p := srcPos
				for j := range d {
					d[j] = src[p]
					p += innerStride
				}
			}
			for ax := n - 2; ax >= 0; ax-- {
				idx[ax]++
				srcPos += oStrides[ax]
				if idx[ax] < oDims[ax] {
					break
				}
				srcPos -= idx[ax] * oStrides[ax]
				idx[ax] = 0
			}
		}
	})
}

// transpose2D writes dst[c, r] = src[r, c] for a rows×cols src.
func transpose2D[T any](dst, src []T, rows, cols int) {
	if rows*cols < 1<<15 {
		transpose2DSerial(dst, src, rows, cols)
		return
	}
	// Split the source rows (= destination columns) into tile-aligned chunks.
	parallelFor((rows+31)/32, 32*cols, func(t0, t1 int) {
		r0, r1 := t0*32, min(t1*32, rows)
		transpose2DRange(dst, src, rows, cols, r0, r1)
	})
}

func transpose2DSerial[T any](dst, src []T, rows, cols int) {
	transpose2DRange(dst, src, rows, cols, 0, rows)
}

// transpose2DRange transposes source rows [r0, r1) in 32×32 tiles.
func transpose2DRange[T any](dst, src []T, rows, cols, r0, r1 int) {
	const tile = 32
	for rb := r0; rb < r1; rb += tile {
		re := min(rb+tile, r1)
		for cb := 0; cb < cols; cb += tile {
			ce := min(cb+tile, cols)
			for r := rb; r < re; r++ {
				row := src[r*cols : r*cols+cols]
				for c := cb; c < ce; c++ {
					dst[c*rows+r] = row[c]
				}
			}
		}
	}
}
