package strategy

import (
	"fmt"
	"math"
	"slices"
)

// TrimmedMean is the coordinate-wise trimmed mean (Yin et al. 2018): for
// each coordinate, the k = floor(Beta*n) largest and k smallest values are
// dropped and the rest averaged. With at most k Byzantine updates, every
// coordinate stays within the range of the honest values. NumSamples is
// ignored.
type TrimmedMean struct {
	// Beta is the fraction trimmed from each side, in [0, 0.5).
	Beta float64
}

// Name returns "trimmed-mean".
func (TrimmedMean) Name() string { return "trimmed-mean" }

// Aggregate returns global plus the coordinate-wise trimmed mean of the
// deltas.
func (s TrimmedMean) Aggregate(global []float64, updates []Update) ([]float64, error) {
	if !(s.Beta >= 0 && s.Beta < 0.5) {
		return nil, fmt.Errorf("%s: %w: Beta = %v, want in [0, 0.5)", s.Name(), ErrInvalidParameter, s.Beta)
	}
	ups, err := sorted(global, updates, 1, MaxClients)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name(), err)
	}
	n := len(ups)
	k := s.Trimmed(n)
	out := make([]float64, len(global))
	col := make([]float64, n)
	for j := range out {
		column(col, ups, j)
		slices.Sort(col)
		out[j] = global[j] + meanOf(col[k:n-k])
	}
	return out, nil
}

// Trimmed returns the number of values dropped from each side of a
// coordinate when n updates are aggregated: floor(Beta*n), at most
// (n-1)/2 so that at least one value remains.
func (s TrimmedMean) Trimmed(n int) int {
	k := int(math.Floor(s.Beta*float64(n) + trimSlack))
	return max(0, min(k, (n-1)/2))
}

// meanOf returns the mean of a non-empty slice.
func meanOf(x []float64) float64 {
	var sum float64
	for _, v := range x {
		sum += v
	}
	return sum / float64(len(x))
}
