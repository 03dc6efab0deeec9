package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// DefaultTestFraction is the fraction of subjects of a real dataset that go to the
// test split when Options.TestFraction is 0.
const DefaultTestFraction = 0.2

// resizeImage resizes im to h×w with bilinear interpolation (pixel centres
// aligned, edges clamped). When shrinking by 2× or more it first averages
// non-overlapping boxes of the integer factor, so that large photos do not alias.
func resizeImage(im *Image, h, w int) *Image {
	fy, fx := im.Height/h, im.Width/w
	if fy >= 2 || fx >= 2 {
		im = boxReduce(im, max(fy, 1), max(fx, 1))
	}
	if im.Height == h && im.Width == w {
		return im
	}
	nc := im.Channels
	out := &Image{Height: h, Width: w, Channels: nc, Pix: make([]float32, h*w*nc)}
	sy, sx := float64(im.Height)/float64(h), float64(im.Width)/float64(w)
	for y := range h {
		py := min(max((float64(y)+0.5)*sy-0.5, 0), float64(im.Height-1))
		y0 := int(py)
		y1 := min(y0+1, im.Height-1)
		ty := float32(py - float64(y0))
		for x := range w {
			px := min(max((float64(x)+0.5)*sx-0.5, 0), float64(im.Width-1))
			x0 := int(px)
			x1 := min(x0+1, im.Width-1)
			tx := float32(px - float64(x0))
			for c := range nc {
				a := im.Pix[(y0*im.Width+x0)*nc+c]*(1-tx) + im.Pix[(y0*im.Width+x1)*nc+c]*tx
				b := im.Pix[(y1*im.Width+x0)*nc+c]*(1-tx) + im.Pix[(y1*im.Width+x1)*nc+c]*tx
				out.Pix[(y*w+x)*nc+c] = a*(1-ty) + b*ty
			}
		}
	}
	return out
}

// boxReduce averages fy×fx boxes (the last partial row/column of boxes is dropped).
func boxReduce(im *Image, fy, fx int) *Image {
	h, w, nc := im.Height/fy, im.Width/fx, im.Channels
	out := &Image{Height: h, Width: w, Channels: nc, Pix: make([]float32, h*w*nc)}
	inv := 1 / float32(fy*fx)
	for y := range h {
		for x := range w {
			for dy := range fy {
				row := ((y*fy+dy)*im.Width + x*fx) * nc
				for dx := range fx {
					for c := range nc {
						out.Pix[(y*w+x)*nc+c] += im.Pix[row+dx*nc+c]
					}
				}
			}
			for c := range nc {
				out.Pix[(y*w+x)*nc+c] *= inv
			}
		}
	}
	return out
}

// resizeMask resizes a binary h0×w0 mask to h×w by nearest neighbour (the input
// pixel under each output pixel's centre).
func resizeMask(m []uint8, h0, w0, h, w int) []uint8 {
	out := make([]uint8, h*w)
	for y := range h {
		sy := min(int((float64(y)+0.5)*float64(h0)/float64(h)), h0-1)
		for x := range w {
			sx := min(int((float64(x)+0.5)*float64(w0)/float64(w)), w0-1)
			out[y*w+x] = m[sy*w0+sx]
		}
	}
	return out
}

// intensityMap maps raw values of one channel to [0,1] (clipped).
type intensityMap struct{ lo, hi float64 }

func (m intensityMap) apply(v float32) float32 {
	if m.hi <= m.lo {
		return 0
	}
	return float32(min(max((float64(v)-m.lo)/(m.hi-m.lo), 0), 1))
}

// MinMaxChannels returns the values of img with each channel scaled to [0,1] by
// its minimum and maximum (in float64, channels last as in img.Pix); a constant
// channel becomes 0.
func MinMaxChannels(img *Image) []float64 {
	c := img.Channels
	out := make([]float64, len(img.Pix))
	for ch := range c {
		lo, hi := float64(img.Pix[ch]), float64(img.Pix[ch])
		for i := ch; i < len(img.Pix); i += c {
			v := float64(img.Pix[i])
			lo, hi = min(lo, v), max(hi, v)
		}
		for i := ch; i < len(img.Pix); i += c {
			if hi > lo {
				out[i] = (float64(img.Pix[i]) - lo) / (hi - lo)
			}
		}
	}
	return out
}

// robustRange returns the 0.5th and 99.5th percentiles of values (estimated on at
// most ~200k evenly strided values): the per-volume, per-channel MR normalisation.
func robustRange(values []float32) intensityMap {
	stride := max(1, len(values)/200000)
	s := make([]float32, 0, len(values)/stride+1)
	for i := 0; i < len(values); i += stride {
		if v := values[i]; !math.IsNaN(float64(v)) {
			s = append(s, v)
		}
	}
	if len(s) == 0 {
		return intensityMap{0, 1}
	}
	slices.Sort(s)
	return intensityMap{float64(s[len(s)*5/1000]), float64(s[min(len(s)*995/1000, len(s)-1)])}
}

// splitSubjects assigns subjects to the test split: the sorted ids are shuffled by
// a PCG generator seeded with seed, and the first round(frac·n) (at least 1, at
// most n−1) are the test subjects.
func splitSubjects(ids []string, frac float64, seed uint64) (map[string]bool, error) {
	if len(ids) < 2 {
		return nil, fmt.Errorf("need at least 2 subjects to split train/test, found %d", len(ids))
	}
	if frac <= 0 {
		frac = DefaultTestFraction
	}
	if frac >= 1 {
		return nil, fmt.Errorf("test fraction %g, want in (0, 1)", frac)
	}
	s := slices.Clone(ids)
	sort.Strings(s)
	r := rand.New(rand.NewPCG(seed, 0x5b1175eed))
	r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	n := min(max(int(math.Round(frac*float64(len(s)))), 1), len(s)-1)
	test := make(map[string]bool, n)
	for _, id := range s[:n] {
		test[id] = true
	}
	return test, nil
}

// Stats summarises a dataset for the CLI and notebooks.
type Stats struct {
	// Name, Channels, Height, Width and Depth repeat the dataset's.
	Name                           string
	Channels, Height, Width, Depth int
	// Train and Test count samples; TrainSubjects and TestSubjects count subjects.
	Train, Test, TrainSubjects, TestSubjects int
	// ObjectMin, ObjectMean and ObjectMax are the fraction of object pixels (voxels
	// in a volumetric dataset) per sample over both splits.
	ObjectMin, ObjectMean, ObjectMax float64
	// Empty counts samples without object pixels.
	Empty int
}

// Summary computes the dataset's Stats.
func (d *Dataset) Summary() Stats {
	st := Stats{Name: d.Name, Channels: d.Channels, Height: d.Height, Width: d.Width, Depth: d.Depth, Train: len(d.Train), Test: len(d.Test), ObjectMin: math.Inf(1)}
	subjects := func(ss []Sample) int {
		m := map[string]bool{}
		for _, s := range ss {
			m[s.Subject] = true
		}
		return len(m)
	}
	st.TrainSubjects, st.TestSubjects = subjects(d.Train), subjects(d.Test)
	n := 0
	for _, ss := range [][]Sample{d.Train, d.Test} {
		for _, s := range ss {
			f := objectFraction(s.Mask)
			st.ObjectMin = min(st.ObjectMin, f)
			st.ObjectMax = max(st.ObjectMax, f)
			st.ObjectMean += f
			if f == 0 {
				st.Empty++
			}
			n++
		}
	}
	if n == 0 {
		st.ObjectMin = 0
	} else {
		st.ObjectMean /= float64(n)
	}
	return st
}

// String formats the stats as a few human-readable lines; the shape reads
// D×H×W for a volumetric dataset, H×W otherwise.
func (st Stats) String() string {
	shape := fmt.Sprintf("%d×%d", st.Height, st.Width)
	if st.Depth > 1 {
		shape = fmt.Sprintf("%d×%s volumes", st.Depth, shape)
	}
	return fmt.Sprintf("dataset %s: %d channels, %s\n  train: %d samples from %d subjects\n  test:  %d samples from %d subjects\n  object fraction per sample: min %.4f  mean %.4f  max %.4f  (%d samples without object)\n",
		st.Name, st.Channels, shape, st.Train, st.TrainSubjects, st.Test, st.TestSubjects, st.ObjectMin, st.ObjectMean, st.ObjectMax, st.Empty)
}
