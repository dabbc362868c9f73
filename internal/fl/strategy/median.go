package strategy

import (
	"fmt"
	"slices"
)

// Median is the coordinate-wise median (Yin et al. 2018, "Byzantine-Robust
// Distributed Learning: Towards Optimal Statistical Rates"): each
// coordinate of the aggregate is the median of that coordinate over the
// deltas, the mean of the two middle values for an even count. With fewer
// than half the updates Byzantine, every coordinate stays within the range
// of the honest values. NumSamples is ignored.
type Median struct{}

// Name returns "median".
func (Median) Name() string { return "median" }

// Aggregate returns global plus the coordinate-wise median of the deltas.
func (s Median) Aggregate(global []float64, updates []Update) ([]float64, error) {
	ups, err := sorted(global, updates, 1, MaxClients)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name(), err)
	}
	n := len(ups)
	out := make([]float64, len(global))
	col := make([]float64, n)
	for j := range out {
		column(col, ups, j)
		slices.Sort(col)
		out[j] = global[j] + medianOfSorted(col)
	}
	return out, nil
}

// medianOfSorted returns the median of a sorted, non-empty slice.
func medianOfSorted(x []float64) float64 {
	n := len(x)
	if n%2 == 1 {
		return x[n/2]
	}
	return x[n/2-1]/2 + x[n/2]/2
}
