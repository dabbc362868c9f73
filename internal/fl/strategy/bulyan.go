package strategy

import (
	"fmt"
	"slices"
)

// Bulyan is the Bulyan rule (El Mhamdi, Guerraoui and Rouault 2018, "The
// Hidden Vulnerability of Distributed Learning in Byzantium"). It needs
// n >= 4F+3 and works in two phases:
//
//  1. Selection: Krum is applied repeatedly, each time to the deltas not
//     yet selected, until theta = n-2F deltas are selected.
//  2. Aggregation: for each coordinate, the average of the beta = theta-2F
//     selected values closest to the coordinate's median over the
//     selection (a trimmed mean centred on the median, as in the paper).
//
// Ties are broken by ClientID. NumSamples is ignored.
type Bulyan struct {
	// F is the number of Byzantine updates tolerated, >= 0.
	F int
}

// Name returns "bulyan".
func (Bulyan) Name() string { return "bulyan" }

// Aggregate returns global plus the Bulyan aggregate of the deltas.
func (s Bulyan) Aggregate(global []float64, updates []Update) ([]float64, error) {
	ups, dist, err := krumInputs(global, updates, s.F, 4*s.F+3, "n >= 4f+3")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name(), err)
	}
	n := len(ups)
	theta := n - 2*s.F
	beta := theta - 2*s.F

	// Selection by repeated Krum.
	active := identity(n)
	selected := make([]int, 0, theta)
	for len(selected) < theta {
		scores := krumScores(dist, n, active, s.F)
		best := 0
		for p, sc := range scores {
			if sc < scores[best] {
				best = p
			}
		}
		selected = append(selected, active[best])
		active = slices.Delete(active, best, best+1)
	}
	slices.Sort(selected)
	chosen := make([]Update, theta)
	for p, i := range selected {
		chosen[p] = ups[i]
	}

	// Coordinate-wise average of the beta values closest to the median.
	out := make([]float64, len(global))
	col := make([]float64, theta)
	for j := range out {
		column(col, chosen, j)
		slices.Sort(col)
		out[j] = global[j] + closestToMedianMean(col, beta)
	}
	return out, nil
}

// closestToMedianMean returns the mean of the beta values of the sorted
// slice x that are closest to its median, ties going to the smaller value.
// The nearest values to a point form a contiguous run of a sorted slice,
// grown here one value at a time from the median outwards.
func closestToMedianMean(x []float64, beta int) float64 {
	med := medianOfSorted(x)
	lo, hi := len(x)/2, len(x)/2 // the run is x[lo:hi]
	for hi-lo < beta {
		if lo > 0 && (hi == len(x) || med-x[lo-1] <= x[hi]-med) {
			lo--
		} else {
			hi++
		}
	}
	return meanOf(x[lo:hi])
}
