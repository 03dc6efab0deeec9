package stats

import (
	"fmt"
	"math"
)

// Verdict is the outcome of judging a claim by a confidence interval
// ([Band.Judge]); its text is what the report and results.json print.
type Verdict string

// The verdicts of a claim.
const (
	// Holds: the whole interval lies in the claim's band.
	Holds Verdict = "holds"
	// Fails: the whole interval lies outside the band.
	Fails Verdict = "fails"
	// Inconclusive: the interval straddles a bound of the band.
	Inconclusive Verdict = "inconclusive"
)

// Band is the range a claim puts its effect in: the open interval (Lo, Hi) for
// a strict claim ("> 0"), the closed [Lo, Hi] for an inclusive one ("≥ 0",
// "20–50 %"). Either bound may be infinite.
type Band struct {
	Lo, Hi float64
	// Closed makes both finite bounds inclusive.
	Closed bool
}

// Above is the strict claim "effect > lo".
func Above(lo float64) Band { return Band{Lo: lo, Hi: math.Inf(1)} }

// AtLeast is the inclusive claim "effect ≥ lo".
func AtLeast(lo float64) Band { return Band{Lo: lo, Hi: math.Inf(1), Closed: true} }

// inside tells whether v lies in the band.
func (b Band) inside(v float64) bool {
	if b.Closed {
		return v >= b.Lo && v <= b.Hi
	}
	return v > b.Lo && v < b.Hi
}

// Judge is the verdict of the claim by its confidence interval: holds when the
// whole interval [Low, High] lies in the band, fails when it lies wholly outside
// (entirely below Lo or above Hi), and inconclusive otherwise. With a closed
// band an interval that touches a bound still holds (unit fractions move in steps
// of 1/C, so an exact 0.500 [0.500, 0.500] is inside 20–50 %).
func (b Band) Judge(iv Interval) Verdict {
	switch {
	case b.inside(iv.Low) && b.inside(iv.High):
		return Holds
	case b.Closed && (iv.High < b.Lo || iv.Low > b.Hi):
		return Fails
	case !b.Closed && (iv.High <= b.Lo || iv.Low >= b.Hi):
		return Fails
	}
	return Inconclusive
}

// Worst returns the value of vs closest to violating the band: the smallest for
// a lower bound only, the largest for an upper bound only, and for a band with
// two finite bounds the one farthest from its centre in units of its half-width.
func (b Band) Worst(vs []float64) float64 {
	lo, hi := math.IsInf(b.Lo, -1), math.IsInf(b.Hi, 1)
	w := vs[0]
	for _, v := range vs[1:] {
		switch {
		case hi && !lo:
			w = math.Min(w, v)
		case lo && !hi:
			w = math.Max(w, v)
		default:
			mid, half := (b.Lo+b.Hi)/2, (b.Hi-b.Lo)/2
			if math.Abs(v-mid)/half > math.Abs(w-mid)/half {
				w = v
			}
		}
	}
	return w
}

// String writes the band as the claim's condition on the effect.
func (b Band) String() string {
	switch lo, hi := !math.IsInf(b.Lo, -1), !math.IsInf(b.Hi, 1); {
	case lo && hi && b.Closed:
		return fmt.Sprintf("in [%g, %g]", b.Lo, b.Hi)
	case lo && hi:
		return fmt.Sprintf("in (%g, %g)", b.Lo, b.Hi)
	case lo && b.Closed:
		return fmt.Sprintf("≥ %g", b.Lo)
	case lo:
		return fmt.Sprintf("> %g", b.Lo)
	case b.Closed:
		return fmt.Sprintf("≤ %g", b.Hi)
	}
	return fmt.Sprintf("< %g", b.Hi)
}

// CombineVerdicts is the verdict of a conjunction of claims (or of one claim on
// every dataset): fails when any fails, holds when all hold, else inconclusive.
func CombineVerdicts(vs ...Verdict) Verdict {
	out := Holds
	for _, v := range vs {
		switch v {
		case Fails:
			return Fails
		case Inconclusive:
			out = Inconclusive
		}
	}
	if len(vs) == 0 {
		return Inconclusive
	}
	return out
}
