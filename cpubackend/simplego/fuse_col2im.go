package simplego

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/protoseg-go/protoseg-go/cpubackend/gemm"
)

// Fusion of the im2col gradient (col2im).
//
// The gradient of the 9 slices of an im2col convolution (fuse_conv.go) with
// respect to the zero-padded input is the sum of 9 Pads, one per (dy, dx), of
// the channel block k = 3·dy + dx of the patch-matrix gradient D [N,H,W,9·C]:
// Pad k places D[..., k·C:(k+1)·C] at offset (dy, dx) in [N,H+2,W+2,C]. Each
// such Pad is marked with a padSumInfo; Add merges the marks of partial sums of
// the same D, and the Add that completes the 9 blocks is replaced by one col2im
// node that gathers them in a single pass (the 9 padded tensors and 8 Adds are
// never computed when nothing else uses them).

type padSumInfo struct {
	src        *Node // D [N, H, W, 9·C]
	n, h, w, c int
	mask       uint32 // blocks k included
	d          int    // depth of a 3×3×3 convolution's D [N, d, H, W, 27·C] (fuse_conv3d.go); 0 in 2D
}

func (p *padSumInfo) complete() bool {
	if p.d > 0 {
		return p.mask == 1<<27-1
	}
	return p.mask == 1<<9-1
}

type col2imData struct {
	n, h, w, c int
}

// padSumOf returns the mark of Pad(view of x, fill) when it is one block of a
// col2im sum, or nil.
func padSumOf(src, fill *Node, data *padData) *padSumInfo {
	if src.shape.DType == dtypes.Float32 && src.shape.Rank() == 5 && isZeroScalar(fill) {
		return padSumOf3D(src, data) // fuse_conv3d.go
	}
	if src.shape.DType != dtypes.Float32 || src.shape.Rank() != 4 || len(data.viewDims) != 4 || !isZeroScalar(fill) {
		return nil
	}
	n, h, w, c := data.viewDims[0], data.viewDims[1], data.viewDims[2], data.viewDims[3]
	sd := src.shape.Dimensions
	if sd[0] != n || sd[1] != h || sd[2] != w || sd[3] != 9*c || c == 0 {
		return nil
	}
	st := contiguousStrides(sd)
	for ax := range st {
		if data.viewStrides[ax] != st[ax] {
			return nil
		}
	}
	if data.viewOffset%c != 0 {
		return nil
	}
	k := data.viewOffset / c
	dy, dx := k/3, k%3
	cfg := data.config
	if cfg[0] != (backends.PadAxis{}) || cfg[3] != (backends.PadAxis{}) ||
		cfg[1] != (backends.PadAxis{Start: dy, End: 2 - dy}) || cfg[2] != (backends.PadAxis{Start: dx, End: 2 - dx}) {
		return nil
	}
	return &padSumInfo{src: src, n: n, h: h, w: w, c: c, mask: 1 << k}
}

func isZeroScalar(n *Node) bool {
	if n.opType != backends.OpTypeConstant || n.shape.Size() != 1 {
		return false
	}
	buf, ok := n.data.(*Buffer)
	if !ok {
		return false
	}
	flat, ok := buf.flat.([]float32)
	return ok && flat[0] == 0
}

// mergePadSums returns the mark of lhs + rhs, or nil.
func mergePadSums(lhs, rhs *Node) *padSumInfo {
	a, b := lhs.padSum, rhs.padSum
	if a == nil || b == nil || a.src != b.src || a.mask&b.mask != 0 || a.d != b.d || a.n != b.n || a.h != b.h || a.w != b.w || a.c != b.c {
		return nil
	}
	m := *a
	m.mask |= b.mask
	return &m
}

func (b *Builder) newCol2ImNode(info *padSumInfo) *Node {
	if info.d > 0 {
		return b.newInputGrad3DNode(info) // fuse_conv3d.go
	}
	fusionCounts.col2im.Add(1)
	node := b.newNode(backends.OpTypePad, shapes.Make(dtypes.Float32, info.n, info.h+2, info.w+2, info.c), info.src)
	node.data = &col2imData{n: info.n, h: info.h, w: info.w, c: info.c}
	return node
}

// execCol2Im computes out[n, y', x', :] = Σ_{dy,dx} D[n, y'-dy, x'-dx, k·C:(k+1)·C]
// (k = 3·dy + dx, terms outside D omitted): the interior [1:h+1, 1:w+1] with
// gemm.Col2Im3x3 (AVX2, parallel), the one-pixel border directly.
func execCol2Im(backend *Backend, output, src *Buffer, d *col2imData) (*Buffer, error) {
	o, D := output.flat.([]float32), src.flat.([]float32)
	n, h, w, c := d.n, d.h, d.w, d.c
	hp, wp := h+2, w+2
	inner := backend.getBuffer(dtypes.Float32, n*h*w*c)
	defer backend.putBuffer(inner)
	in := inner.flat.([]float32)
	gemm.Col2Im3x3(in, D, n, h, w, c)
	// pixel accumulates into t the patch gradients landing on padded (b, yp, xp).
	pixel := func(t []float32, b, yp, xp int) {
		clear(t)
		for dy := range 3 {
			y := yp - dy
			if y < 0 || y >= h {
				continue
			}
			for dx := range 3 {
				x := xp - dx
				if x < 0 || x >= w {
					continue
				}
				k := 3*dy + dx
				base := ((b*h+y)*w+x)*9*c + k*c
				for i, v := range D[base : base+c] {
					t[i] += v
				}
			}
		}
	}
	parallelFor(n*hp, wp*c, func(r0, r1 int) {
		for r := r0; r < r1; r++ {
			b, yp := r/hp, r%hp
			row := o[r*wp*c : (r+1)*wp*c]
			if yp == 0 || yp == hp-1 {
				for xp := range wp {
					pixel(row[xp*c:(xp+1)*c], b, yp, xp)
				}
				continue
			}
			pixel(row[:c], b, yp, 0)
			pixel(row[(wp-1)*c:], b, yp, wp-1)
			copy(row[c:(wp-1)*c], in[((b*h)+yp-1)*w*c:((b*h)+yp)*w*c])
		}
	})
	return output, nil
}
