package simplego

import (
	"runtime"
	"sync"
)

// ndPlan describes a loop over an n-dimensional index space where each operand
// (operand 0 is usually the output) is addressed with its own strides, in
// elements; a stride of 0 broadcasts. Axes of dimension 1 are dropped and
// adjacent axes merged when every operand walks them contiguously, so most
// element-wise, broadcast, slice and reduce loops become one or two loops with
// a long contiguous inner row.
type ndPlan struct {
	dims    []int
	strides [][]int // [operand][axis]
}

func newNDPlan(dims []int, strides ...[]int) *ndPlan {
	p := &ndPlan{strides: make([][]int, len(strides))}
	for ax, d := range dims {
		if d == 1 {
			continue
		}
		n := len(p.dims)
		merge := n > 0
		if merge {
			for op := range strides {
				if p.strides[op][n-1] != strides[op][ax]*d {
					merge = false
					break
				}
			}
		}
		if merge {
			p.dims[n-1] *= d
			for op := range strides {
				p.strides[op][n-1] = strides[op][ax]
			}
			continue
		}
		p.dims = append(p.dims, d)
		for op := range strides {
			p.strides[op] = append(p.strides[op], strides[op][ax])
		}
	}
	if len(p.dims) == 0 {
		p.dims = []int{1}
		for op := range strides {
			p.strides[op] = []int{0}
		}
	}
	return p
}

// splitLongRow returns p with a single long axis split into [k, n/k] (k a
// power of two up to 16 that divides n, rows of at least 4096 elements), so
// that parallelRows and parallelBlocks can spread it over the cores: a plan of
// one row (same-shape element-wise ops, contiguous copies) otherwise runs on
// one core. Plans of several axes are returned unchanged.
func (p *ndPlan) splitLongRow() *ndPlan {
	if len(p.dims) != 1 || p.dims[0] < 2*parallelMinWork {
		return p
	}
	n := p.dims[0]
	for k := 16; k >= 2; k /= 2 {
		if n%k != 0 || n/k < 4096 {
			continue
		}
		q := &ndPlan{dims: []int{k, n / k}, strides: make([][]int, len(p.strides))}
		for op, st := range p.strides {
			q.strides[op] = []int{st[0] * (n / k), st[0]}
		}
		return q
	}
	return p
}

// contiguousStrides returns row-major strides of dims.
func contiguousStrides(dims []int) []int {
	s := make([]int, len(dims))
	acc := 1
	for ax := len(dims) - 1; ax >= 0; ax-- {
		s[ax] = acc
		acc *= dims[ax]
	}
	return s
}

// broadcastStrides returns the strides of an operand of shape dims (same rank
// as the output) broadcast to the output: 0 where its dimension is 1.
func broadcastStrides(dims []int) []int {
	s := contiguousStrides(dims)
	for ax, d := range dims {
		if d == 1 {
			s[ax] = 0
		}
	}
	return s
}

func (p *ndPlan) inner() int { return p.dims[len(p.dims)-1] }

func (p *ndPlan) numRows() int {
	n := 1
	for _, d := range p.dims[:len(p.dims)-1] {
		n *= d
	}
	return n
}

// forRows calls fn(offsets) for rows [r0, r1) (a row is one run of the last
// axis), with the offset of the row's first element for each operand (base
// added). offs is reused between calls.
func (p *ndPlan) forRows(r0, r1 int, base []int, fn func(offs []int)) {
	n := len(p.dims) - 1
	nOps := len(p.strides)
	offs := make([]int, nOps)
	copy(offs, base)
	idx := make([]int, n)
	rem := r0
	for ax := n - 1; ax >= 0; ax-- {
		idx[ax] = rem % p.dims[ax]
		rem /= p.dims[ax]
		for op := range nOps {
			offs[op] += idx[ax] * p.strides[op][ax]
		}
	}
	for r := r0; r < r1; r++ {
		fn(offs)
		for ax := n - 1; ax >= 0; ax-- {
			idx[ax]++
			for op := range nOps {
				offs[op] += p.strides[op][ax]
			}
			if idx[ax] < p.dims[ax] {
				break
			}
			for op := range nOps {
				offs[op] -= idx[ax] * p.strides[op][ax]
			}
			idx[ax] = 0
		}
	}
}

// parallelRows runs forRows over all rows, split over the available cores in
// chunks whose boundaries are multiples of align rows.
func (p *ndPlan) parallelRows(base []int, align int, fn func(offs []int)) {
	rows := p.numRows()
	inner := p.inner()
	workers := runtime.GOMAXPROCS(0)
	units := rows / max(align, 1)
	if workers <= 1 || rows*inner < 2*parallelMinWork || units < 2 {
		p.forRows(0, rows, base, fn)
		return
	}
	workers = min(workers, units)
	per := (units + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		r0, r1 := w*per*align, min((w+1)*per*align, rows)
		if w == workers-1 {
			r1 = rows
		}
		if r0 >= r1 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.forRows(r0, r1, base, fn)
		}()
	}
	wg.Wait()
}

// parallelBlocks is parallelRows for loops whose rows are short: fn gets
// blocks of m rows (the two innermost axes) with each operand's stride between
// rows in rowStrides, so the per-row bookkeeping stays in fn's tight loop.
func (p *ndPlan) parallelBlocks(base []int, fn func(offs []int, m int, rowStrides []int)) {
	L := len(p.dims)
	if L < 2 || p.inner() >= 256 {
		one := make([]int, len(p.strides))
		p.parallelRows(base, 1, func(offs []int) { fn(offs, 1, one) })
		return
	}
	q := &ndPlan{dims: p.dims[:L-1], strides: make([][]int, len(p.strides))}
	rowStrides := make([]int, len(p.strides))
	for op := range p.strides {
		q.strides[op] = p.strides[op][:L-1]
		rowStrides[op] = p.strides[op][L-2]
	}
	m := p.dims[L-2]
	// Each "row" of q is a block of m rows of p.
	rows := q.numRows()
	workers := runtime.GOMAXPROCS(0)
	if workers <= 1 || rows*m*p.inner() < 2*parallelMinWork || rows < 2 {
		q.forRows(0, rows, base, func(offs []int) { fn(offs, m, rowStrides) })
		return
	}
	workers = min(workers, rows)
	per := (rows + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		r0, r1 := w*per, min((w+1)*per, rows)
		if r0 >= r1 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			q.forRows(r0, r1, base, func(offs []int) { fn(offs, m, rowStrides) })
		}()
	}
	wg.Wait()
}

// copyStridedFloat32 copies a strided view of src (offset srcOff, strides
// srcStrides, dims) into dst (offset dstOff, strides dstStrides). A source
// stride of 0 broadcasts, a negative one reverses.
func copyStridedFloat32(dst []float32, dstOff int, dstStrides []int, src []float32, srcOff int, srcStrides []int, dims []int) {
	copyStrided(dst, dstOff, dstStrides, src, srcOff, srcStrides, dims)
}

// copyStrided is copyStridedFloat32 for any element type.
func copyStrided[T any](dst []T, dstOff int, dstStrides []int, src []T, srcOff int, srcStrides []int, dims []int) {
	for _, d := range dims {
		if d == 0 {
			return
		}
	}
	p := newNDPlan(dims, dstStrides, srcStrides).splitLongRow()
	n := p.inner()
	ds, ss := p.strides[0][len(p.dims)-1], p.strides[1][len(p.dims)-1]
	p.parallelBlocks([]int{dstOff, srcOff}, func(offs []int, m int, rs []int) {
		d, s := offs[0], offs[1]
		for range m {
			switch {
			case ds == 1 && ss == 1:
				if n <= 16 {
					dr, sr := dst[d:d+n], src[s:s+n]
					for i := range dr {
						dr[i] = sr[i]
					}
				} else {
					copy(dst[d:d+n], src[s:s+n])
				}
			case ds == 1 && ss == 0:
				v := src[s]
				row := dst[d : d+n]
				for i := range row {
					row[i] = v
				}
			default:
				for i := range n {
					dst[d+i*ds] = src[s+i*ss]
				}
			}
			d += rs[0]
			s += rs[1]
		}
	})
}
