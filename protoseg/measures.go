package protoseg

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// DegenerateMu is the μ given to a degenerate image: one whose binarised output B
// is empty or full inside the region of interest. Every unit SAM of such an image is
// filled by convention and Dice(∅, ∅) = 1, so the plain mean would give it μ = 1,
// the highest confidence, although the network found no boundary at all. It gets
// the least confident value instead, so coverage rejects it first and rankings put
// it first (see the package documentation).
const DegenerateMu = 0.0

// MeanUnitSA returns, per image, the mean SA over every unit of the given unit
// results — the paper's label-free quality score μ(x) when the results are the units
// of layers 17 and 18 scored against the network's own binarised output B (call
// [Analyzer.Units] with gt = B). All results must hold the same images. An image
// whose prototype mask was empty or full in any of the results (see [Degenerate])
// gets μ = [DegenerateMu].
func MeanUnitSA(results ...*UnitResult) ([]float64, error) {
	if len(results) == 0 {
		return nil, errors.New("protoseg: mean unit SA of no layers")
	}
	n := len(results[0].SA)
	degenerate, err := Degenerate(results...)
	if err != nil {
		return nil, err
	}
	mu := make([]float64, n)
	for i := range n {
		var sum float64
		var count int
		for _, r := range results {
			for _, v := range r.SA[i] {
				sum += v
				count++
			}
		}
		if count == 0 {
			return nil, fmt.Errorf("protoseg: mean unit SA: image %d has no units", i)
		}
		mu[i] = sum / float64(count)
		if degenerate[i] {
			mu[i] = DegenerateMu
		}
	}
	return mu, nil
}

// Degenerate reports, per image, whether the prototype mask of any of the unit
// results was empty (no object) or full (no background) inside the region of
// interest. For μ the prototype mask is the network's own output B. All results must
// hold the same images.
func Degenerate(results ...*UnitResult) ([]bool, error) {
	if len(results) == 0 {
		return nil, errors.New("protoseg: degenerate images of no layers")
	}
	n := len(results[0].SA)
	out := make([]bool, n)
	for _, r := range results {
		if len(r.SA) != n {
			return nil, fmt.Errorf("protoseg: mean unit SA: %s has %d images, %s has %d",
				r.Name, len(r.SA), results[0].Name, n)
		}
		for i := range n {
			if (i < len(r.EmptyObject) && r.EmptyObject[i]) || (i < len(r.EmptyBackground) && r.EmptyBackground[i]) {
				out[i] = true
			}
		}
	}
	return out, nil
}

// MeanSD returns the mean and the population standard deviation of x; both are 0
// for an empty x.
func MeanSD(x []float64) (mean, sd float64) {
	if len(x) == 0 {
		return 0, 0
	}
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		sd += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(sd / float64(len(x)))
}

// Pearson returns Pearson's correlation coefficient r of x and y. It is an error
// when the lengths differ, there are fewer than two pairs, or one of them is
// constant (r undefined).
func Pearson(x, y []float64) (float64, error) {
	if len(x) != len(y) {
		return 0, fmt.Errorf("protoseg: Pearson r of %d and %d values", len(x), len(y))
	}
	if len(x) < 2 {
		return 0, fmt.Errorf("protoseg: Pearson r needs at least 2 pairs, got %d", len(x))
	}
	mx, sx := MeanSD(x)
	my, sy := MeanSD(y)
	if sx == 0 || sy == 0 {
		return 0, errors.New("protoseg: Pearson r of a constant series is undefined")
	}
	var cov float64
	for i := range x {
		cov += (x[i] - mx) * (y[i] - my)
	}
	cov /= float64(len(x))
	return math.Max(-1, math.Min(1, cov/(sx*sy))), nil
}

// rankAscending returns the indices of score sorted from lowest to highest (stable,
// so ties keep image order).
func rankAscending(score []float64) []int {
	idx := make([]int, len(score))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] < score[idx[b]] })
	return idx
}

// Coverage returns, for each coverage fraction c in (0,1], the mean Dice of the
// round(c·n) images with the highest quality score — rejecting the lowest-scored
// images first (Table 2). A score where higher means harder (VoG) must be negated
// by the caller. Every kept set has at least one image.
func Coverage(dice, score, fractions []float64) ([]float64, error) {
	if len(dice) != len(score) || len(dice) == 0 {
		return nil, fmt.Errorf("protoseg: coverage of %d Dice values and %d scores", len(dice), len(score))
	}
	out := make([]float64, len(fractions))
	for i, c := range fractions {
		kept, err := KeptAtCoverage(score, c)
		if err != nil {
			return nil, err
		}
		var sum float64
		for _, j := range kept {
			sum += dice[j]
		}
		out[i] = sum / float64(len(kept))
	}
	return out, nil
}

// KeptAtCoverage returns the indices of the round(c·n) images (at least one) with
// the highest score, lowest first: the images a quality score keeps at coverage c.
func KeptAtCoverage(score []float64, c float64) ([]int, error) {
	if c <= 0 || c > 1 || math.IsNaN(c) {
		return nil, fmt.Errorf("protoseg: coverage fraction %v not in (0,1]", c)
	}
	if len(score) == 0 {
		return nil, errors.New("protoseg: coverage of no images")
	}
	order := rankAscending(score)
	keep := max(1, int(math.Round(c*float64(len(score)))))
	return order[len(order)-keep:], nil
}

// ActiveThreshold splits unit SA scores into "inertia" and "active" units (paper
// §4.5, Fig. 7) where the sorted curve separates best: the threshold minimising the
// within-group variance of the two groups (Otsu's criterion in 1D), placed halfway
// between the two groups. With fewer than two distinct values there is no split
// and it returns +Inf.
func ActiveThreshold(sa []float64) float64 {
	v := append([]float64(nil), sa...)
	sort.Float64s(v)
	n := len(v)
	best, threshold := math.Inf(1), math.Inf(1)
	var prefix, prefixSq float64
	var total, totalSq float64
	for _, x := range v {
		total += x
		totalSq += x * x
	}
	for i := 0; i < n-1; i++ {
		prefix += v[i]
		prefixSq += v[i] * v[i]
		if v[i] == v[i+1] {
			continue
		}
		nl, nr := float64(i+1), float64(n-i-1)
		wl := prefixSq - prefix*prefix/nl
		wr := (totalSq - prefixSq) - (total-prefix)*(total-prefix)/nr
		if w := wl + wr; w < best {
			best, threshold = w, (v[i]+v[i+1])/2
		}
	}
	return threshold
}

// ActiveUnits tells which units are "active": those whose SA is at or above
// [ActiveThreshold] of sa (the others are "inertia" units, paper §4.5). With no
// split — fewer than two distinct values — no unit is active. count is the
// number of active units.
func ActiveUnits(sa []float64) (active []bool, count int) {
	th := ActiveThreshold(sa)
	active = make([]bool, len(sa))
	for k, v := range sa {
		if v >= th {
			active[k] = true
			count++
		}
	}
	return active, count
}

// Bucket is one percentile bucket of a quality score (Fig. 11).
type Bucket struct {
	// From and To are the bucket's percentile range, e.g. 0–20.
	From, To float64
	// MeanDice is the mean Dice of the images in the bucket; N is their number.
	MeanDice float64
	N        int
}

// PercentileBuckets sorts the images by score (lowest first), splits them into k
// buckets of (nearly) equal size and returns the mean Dice of each.
func PercentileBuckets(dice, score []float64, k int) ([]Bucket, error) {
	if len(dice) != len(score) {
		return nil, fmt.Errorf("protoseg: buckets of %d Dice values and %d scores", len(dice), len(score))
	}
	if k <= 0 || k > len(dice) {
		return nil, fmt.Errorf("protoseg: %d buckets for %d images", k, len(dice))
	}
	order := rankAscending(score)
	out := make([]Bucket, k)
	n := len(order)
	for b := range k {
		lo, hi := b*n/k, (b+1)*n/k
		var sum float64
		for _, j := range order[lo:hi] {
			sum += dice[j]
		}
		out[b] = Bucket{From: 100 * float64(b) / float64(k), To: 100 * float64(b+1) / float64(k),
			MeanDice: sum / float64(hi-lo), N: hi - lo}
	}
	return out, nil
}

// VoG is the variance-of-gradients baseline (Agarwal et al. 2022) adapted to
// segmentation: grads[k] holds, for checkpoint k, the gradient of
// [VoGObjectScore] (Σ_hw B̂_k·logit_object / max(|B̂_k|, 1)) with respect to the
// input, flat [N, pixels, channels], where B̂_k is checkpoint k's own binarised
// output (so a mask that changes between checkpoints feeds into VoG, as the
// predicted class of each checkpoint does in Agarwal et al.). For every image it
// averages the gradient over channels, takes the population standard deviation
// of each pixel across the K checkpoints, and returns its mean over pixels.
// Higher means harder. It needs K ≥ 2 checkpoints of equal size.
//
// degenerate[n] flags an image whose gradient is exactly zero at every
// checkpoint: its B̂_k is empty at every checkpoint (the score is the constant
// 0), so its VoG of 0 says nothing about its difficulty. Rank such images with
// [VoGHardness], which puts them last, as [DegenerateMu] does for μ.
func VoG(grads [][]float32, n, channels int) (vog []float64, degenerate []bool, err error) {
	k := len(grads)
	if k < 2 {
		return nil, nil, fmt.Errorf("protoseg: VoG needs at least 2 checkpoints, got %d", k)
	}
	if n <= 0 || channels <= 0 || len(grads[0])%(n*channels) != 0 {
		return nil, nil, fmt.Errorf("protoseg: VoG: %d gradient values do not split into %d images × %d channels",
			len(grads[0]), n, channels)
	}
	for i, g := range grads {
		if len(g) != len(grads[0]) {
			return nil, nil, fmt.Errorf("protoseg: VoG: checkpoint %d has %d gradient values, checkpoint 0 has %d", i, len(g), len(grads[0]))
		}
	}
	pixels := len(grads[0]) / (n * channels)
	vog, degenerate = make([]float64, n), make([]bool, n)
	for img := range n {
		if vog[img], degenerate[img], err = imageVoG(grads, img*pixels*channels, pixels, channels); err != nil {
			return nil, nil, fmt.Errorf("protoseg: VoG: image %d: %w", img, err)
		}
	}
	return vog, degenerate, nil
}

// imageVoG is the VoG of one image whose gradients start at base, and whether
// they are all zero.
func imageVoG(grads [][]float32, base, pixels, channels int) (float64, bool, error) {
	vals := make([]float64, len(grads))
	var total float64
	zero := true
	for p := range pixels {
		at := base + p*channels
		for ck, g := range grads {
			var s float64
			for _, v32 := range g[at : at+channels] {
				v := float64(v32)
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return 0, false, fmt.Errorf("checkpoint %d has a non-finite gradient", ck)
				}
				zero = zero && v == 0
				s += v
			}
			vals[ck] = s / float64(channels)
		}
		_, sd := MeanSD(vals)
		total += sd
	}
	return total / float64(pixels), zero, nil
}

// VoGHardness returns the VoG scores to rank and correlate by (higher = harder):
// vog itself, with every degenerate image (see [VoG]) set just above the largest
// score — the next float64 after it — so it ranks as the hardest image while the
// other values, and so the scale of a scatter plot, stay as they are. Ties among
// degenerate images follow [RejectionOrder]. A nil degenerate leaves vog as is.
func VoGHardness(vog []float64, degenerate []bool) []float64 {
	out := append([]float64(nil), vog...)
	if len(degenerate) != len(vog) {
		return out
	}
	top := math.Inf(-1)
	for _, v := range vog {
		top = math.Max(top, v)
	}
	top = math.Nextafter(top, math.Inf(1))
	for i, d := range degenerate {
		if d {
			out[i] = top
		}
	}
	return out
}

// SeparablenessGap returns d = Dice(B,G) − SA(S_x,G) per image and its mean m(d)
// (Table 3): how much the network adds over what the raw input already separates.
func SeparablenessGap(dice, sx []float64) (d []float64, mean float64, err error) {
	if len(dice) != len(sx) || len(dice) == 0 {
		return nil, 0, fmt.Errorf("protoseg: separableness gap of %d Dice values and %d S_x values", len(dice), len(sx))
	}
	d = make([]float64, len(dice))
	for i := range dice {
		d[i] = dice[i] - sx[i]
	}
	mean, _ = MeanSD(d)
	return d, mean, nil
}
