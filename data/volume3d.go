package data

import "fmt"

// minDepth is the fewest slices a volumetric sample may have (Depth 0 or 1
// means 2D).
const minDepth = 2

// shape3 is the size of a 3D array along its axes, slowest first: depth (the
// axial axis, NIfTI k), height (rows, NIfTI j), width (columns, NIfTI i).
type shape3 [3]int

// size returns the number of voxels.
func (s shape3) size() int { return s[0] * s[1] * s[2] }

// resampleLinear resamples a field of from.size() voxels (one channel, [d][h][w])
// to the shape to, one axis after the other (so trilinear overall): along an
// axis shrunk 2× or more, non-overlapping runs of the integer factor are first
// averaged (the last partial run is dropped), as [resizeImage] does in 2D; then
// linear interpolation with voxel centres aligned and edges clamped.
func resampleLinear(src []float32, from, to shape3) []float32 {
	for axis := range 3 {
		if f := from[axis] / to[axis]; f >= 2 {
			src, from = boxAxis(src, from, axis, f)
		}
		if from[axis] != to[axis] {
			src, from = linearAxis(src, from, axis, to[axis])
		}
	}
	return src
}

// strides returns, for axis, the number of runs before it (outer) and the
// number of voxels after it (inner) in a [d][h][w] array of shape s.
func (s shape3) strides(axis int) (outer, inner int) {
	outer, inner = 1, 1
	for a := range axis {
		outer *= s[a]
	}
	for a := axis + 1; a < 3; a++ {
		inner *= s[a]
	}
	return outer, inner
}

// boxAxis averages runs of f voxels along axis.
func boxAxis(src []float32, s shape3, axis, f int) ([]float32, shape3) {
	n0, n := s[axis], s[axis]/f
	outer, inner := s.strides(axis)
	t := s
	t[axis] = n
	out := make([]float32, t.size())
	inv := 1 / float32(f)
	for o := range outer {
		for x := range n {
			dst := out[(o*n+x)*inner : (o*n+x+1)*inner]
			for k := range f {
				row := src[(o*n0+x*f+k)*inner : (o*n0+x*f+k+1)*inner]
				for i, v := range row {
					dst[i] += v
				}
			}
			for i := range dst {
				dst[i] *= inv
			}
		}
	}
	return out, t
}

// linearAxis resamples axis to n voxels by linear interpolation (centres
// aligned, edges clamped).
func linearAxis(src []float32, s shape3, axis, n int) ([]float32, shape3) {
	n0 := s[axis]
	outer, inner := s.strides(axis)
	t := s
	t[axis] = n
	out := make([]float32, t.size())
	scale := float64(n0) / float64(n)
	for x := range n {
		p := min(max((float64(x)+0.5)*scale-0.5, 0), float64(n0-1))
		x0 := int(p)
		x1 := min(x0+1, n0-1)
		w := float32(p - float64(x0))
		for o := range outer {
			a := src[(o*n0+x0)*inner : (o*n0+x0+1)*inner]
			b := src[(o*n0+x1)*inner : (o*n0+x1+1)*inner]
			dst := out[(o*n+x)*inner : (o*n+x+1)*inner]
			for i := range dst {
				dst[i] = a[i]*(1-w) + b[i]*w
			}
		}
	}
	return out, t
}

// resampleNearest resamples a [d][h][w] mask to the shape to by nearest
// neighbour: each output voxel takes the input voxel under its centre.
func resampleNearest(m []uint8, from, to shape3) []uint8 {
	var idx [3][]int
	for a := range 3 {
		idx[a] = make([]int, to[a])
		for x := range to[a] {
			idx[a][x] = min(int((float64(x)+0.5)*float64(from[a])/float64(to[a])), from[a]-1)
		}
	}
	out := make([]uint8, to.size())
	for z, sz := range idx[0] {
		for y, sy := range idx[1] {
			for x, sx := range idx[2] {
				out[(z*to[1]+y)*to[2]+x] = m[(sz*from[1]+sy)*from[2]+sx]
			}
		}
	}
	return out
}

// volumeShape returns the requested D×H×W of a volumetric load, or an error
// naming the dataset when opts.Depth or opts.Size is too small.
func volumeShape(name string, opts Options) (shape3, error) {
	size := opts.Size
	if size <= 0 {
		size = DefaultSize
	}
	if opts.Depth < minDepth {
		return shape3{}, fmt.Errorf("data: %s: depth %d too small for volumes (want ≥ %d)", name, opts.Depth, minDepth)
	}
	return shape3{opts.Depth, size, size}, nil
}

// loadVolumes3D turns volume cases into a volumetric dataset: one sample per
// case (subject), every channel resampled to opts.Depth×Size×Size.
func loadVolumes3D(cfg volumeConfig, cases []volumeCase, opts Options) (*Dataset, error) {
	to, err := volumeShape(cfg.name, opts)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Name: cfg.name, Channels: cfg.channels, Depth: to[0], Height: to[1], Width: to[2]}
	var all []Sample
	for _, vc := range cases {
		s, ok, err := loadVolumeCase3D(cfg, vc, to, opts.KeepEmpty)
		if err != nil {
			return nil, err
		}
		if ok {
			all = append(all, s)
		}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("data: %s: none of %d volumes has an object (set KeepEmpty to keep them)", cfg.name, len(cases))
	}
	return splitSamples(d, all, opts)
}

// loadVolumeCase3D reads one case as a volume resampled to to: channels mapped
// to [0,1] and resampled linearly, the merged object mask by nearest neighbour.
// It returns false when the mask has no object and keepEmpty is not set.
func loadVolumeCase3D(cfg volumeConfig, vc volumeCase, to shape3, keepEmpty bool) (Sample, bool, error) {
	cv := &caseVolumes{cfg: cfg, vc: vc}
	var err error
	if cv.srcs, err = readCaseChannels(cfg, vc); err != nil {
		return Sample{}, false, err
	}
	if err := cv.readLabel(); err != nil {
		return Sample{}, false, err
	}
	from := shape3{cv.lab.NumSlices(), cv.lab.Dims[1], cv.lab.Dims[0]}
	mask := make([]uint8, from.size())
	objects := 0
	for i, v := range cv.lab.Data[:from.size()] {
		if cfg.object(v) {
			mask[i] = 1
			objects++
		}
	}
	if objects == 0 && !keepEmpty {
		return Sample{}, false, nil
	}
	nc := cfg.channels
	img := make([]float32, to.size()*nc)
	for c, s := range cv.srcs {
		raw := s.vol.Data[s.frame*from.size() : (s.frame+1)*from.size()]
		ch := make([]float32, len(raw))
		for i, v := range raw {
			ch[i] = cv.maps[c].apply(v)
		}
		for i, v := range resampleLinear(ch, from, to) {
			img[i*nc+c] = v
		}
	}
	return Sample{Image: img, Mask: resampleNearest(mask, from, to), Subject: vc.subject}, true, nil
}
