package dp

import (
	"fmt"
	"math"
)

// L2Norm returns the Euclidean norm of v without intermediate overflow or
// underflow. It returns NaN if v holds a NaN and +Inf if it holds an
// infinity.
func L2Norm(v []float64) float64 {
	var sum float64
	for _, x := range v {
		sum += x * x
	}
	// Below 1e-290 squares may have underflowed; above 1e290 the sum may
	// have overflowed. Only then rescale by the largest magnitude.
	if sum >= 1e-290 && sum <= 1e290 {
		return math.Sqrt(sum)
	}
	var m float64
	for _, x := range v {
		if math.IsNaN(x) {
			return math.NaN()
		}
		m = max(m, math.Abs(x))
	}
	if m == 0 || math.IsInf(m, 1) {
		return m
	}
	sum = 0
	for _, x := range v {
		y := x / m
		sum += y * y
	}
	return m * math.Sqrt(sum)
}

// Clip scales v in place so that its L2 norm is at most c, and returns the
// norm before clipping. A vector already within the bound is left
// unchanged; otherwise it is scaled by about c/norm, and after Clip
// L2Norm(v) <= c holds as computed, not only up to rounding. c must be
// finite and > 0 and v must hold finite values.
func Clip(v []float64, c float64) (float64, error) {
	if !(c > 0) || math.IsInf(c, 0) {
		return 0, fmt.Errorf("%w: clip norm %v, want finite and > 0", ErrInvalidParameter, c)
	}
	norm := L2Norm(v)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return 0, fmt.Errorf("%w: vector has a non-finite value", ErrInvalidParameter)
	}
	n := norm
	for pass := 0; n > c; pass++ {
		if pass == maxClipPasses {
			// Unreachable in practice; the zero vector certainly fits.
			clear(v)
			break
		}
		// Aim a little below c, more on each pass, so that rounding in
		// the scaling and in L2Norm cannot leave the norm above c.
		f := c / n * (1 - math.Ldexp(1, 5*pass-52))
		for j := range v {
			v[j] *= f
		}
		n = L2Norm(v)
	}
	return norm, nil
}
