package measure

// ttaTransforms returns the test-time augmentations of images of the given depth
// (1 for 2D images): identity, horizontal flip, vertical flip, and rotations by
// 90°, 180° and 270° in the H×W plane (slices are square), and for volumes
// (depth > 1) the flip along D as well.
func ttaTransforms(depth int) []string {
	ts := []string{"identity", "hflip", "vflip", "rot90", "rot180", "rot270"}
	if depth > 1 {
		ts = append(ts, "dflip")
	}
	return ts
}

// ttaSource returns, for output pixel (i, j) of transform t on an s×s grid, the
// input pixel it is taken from.
func ttaSource(t string, s, i, j int) (int, int) {
	switch t {
	case "hflip":
		return i, s - 1 - j
	case "vflip":
		return s - 1 - i, j
	case "rot90": // counter-clockwise
		return j, s - 1 - i
	case "rot180":
		return s - 1 - i, s - 1 - j
	case "rot270":
		return s - 1 - j, i
	}
	return i, j
}

// ttaInverse is the transform that undoes t (flips and rot180 undo themselves).
func ttaInverse(t string) string {
	switch t {
	case "rot90":
		return "rot270"
	case "rot270":
		return "rot90"
	}
	return t
}

// transformHWC applies t to n images of s×s×c values stored HWC.
func transformHWC[T any](t string, x []T, n, s, c int) []T {
	out := make([]T, len(x))
	for b := range n {
		base := b * s * s * c
		for i := range s {
			for j := range s {
				si, sj := ttaSource(t, s, i, j)
				copy(out[base+(i*s+j)*c:base+(i*s+j+1)*c], x[base+(si*s+sj)*c:base+(si*s+sj+1)*c])
			}
		}
	}
	return out
}

// transformVolume applies t to n volumes of depth × s × s × c values stored
// D H W C (depth 1: images): an in-plane transform acts on every slice, "dflip"
// reverses the slices.
func transformVolume[T any](t string, x []T, n, depth, s, c int) []T {
	if t != "dflip" {
		return transformHWC(t, x, n*depth, s, c)
	}
	out := make([]T, len(x))
	slice := s * s * c
	for b := range n {
		for d := range depth {
			src, dst := (b*depth+depth-1-d)*slice, (b*depth+d)*slice
			copy(out[dst:dst+slice], x[src:src+slice])
		}
	}
	return out
}
