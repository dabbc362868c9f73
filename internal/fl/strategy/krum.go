package strategy

import (
	"cmp"
	"fmt"
	"slices"
)

// Krum is the Krum rule (Blanchard et al. 2017, "Machine Learning with
// Adversaries: Byzantine Tolerant Gradient Descent"). Each delta is scored
// by the sum of its squared distances to its n-F-2 nearest other deltas;
// the delta with the lowest score (ties broken by ClientID) becomes the
// aggregate. It tolerates F Byzantine updates and needs n >= 2F+3.
// NumSamples is ignored.
type Krum struct {
	// F is the number of Byzantine updates tolerated, >= 0.
	F int
}

// Name returns "krum".
func (Krum) Name() string { return "krum" }

// Aggregate returns global plus the delta Krum selects.
func (s Krum) Aggregate(global []float64, updates []Update) ([]float64, error) {
	ups, dist, err := krumInputs(global, updates, s.F, 2*s.F+3, "n >= 2f+3")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name(), err)
	}
	n := len(ups)
	scores := krumScores(dist, n, identity(n), s.F)
	best := 0
	for i, sc := range scores {
		if sc < scores[best] {
			best = i
		}
	}
	return addGlobal(slices.Clone(ups[best].Vector), global), nil
}

// MultiKrum is Multi-Krum (Blanchard et al. 2017): the M deltas with the
// lowest Krum scores (ties broken by ClientID) are averaged without
// weights. It needs n >= 2F+3; M = 1 is Krum and M = n is plain averaging.
// NumSamples is ignored.
type MultiKrum struct {
	// F is the number of Byzantine updates tolerated, >= 0.
	F int
	// M is the number of deltas averaged, in [1, n-F]; 0 means n-F.
	M int
}

// Name returns "multi-krum".
func (MultiKrum) Name() string { return "multi-krum" }

// Aggregate returns global plus the mean of the M best-scored deltas.
func (s MultiKrum) Aggregate(global []float64, updates []Update) ([]float64, error) {
	ups, dist, err := krumInputs(global, updates, s.F, 2*s.F+3, "n >= 2f+3")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name(), err)
	}
	n := len(ups)
	m := s.M
	if m == 0 {
		m = n - s.F
	}
	if m < 1 || m > n-s.F {
		return nil, fmt.Errorf("%s: %w: M = %d, want in [1, %d] for n = %d, f = %d",
			s.Name(), ErrInvalidParameter, s.M, n-s.F, n, s.F)
	}
	scores := krumScores(dist, n, identity(n), s.F)
	order := identity(n)
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(scores[a], scores[b]) })
	out := make([]float64, len(global))
	mean(out, ups, order[:m])
	return addGlobal(out, global), nil
}

// krumInputs checks f, validates the inputs with at least need updates
// and returns them sorted, with their matrix of squared distances.
func krumInputs(global []float64, updates []Update, f, need int, rule string) ([]Update, []float64, error) {
	if f < 0 || f > MaxPairwiseClients {
		return nil, nil, fmt.Errorf("%w: F = %d, want in [0, %d]", ErrInvalidParameter, f, MaxPairwiseClients)
	}
	ups, err := sorted(global, updates, 1, MaxPairwiseClients)
	if err != nil {
		return nil, nil, err
	}
	if len(ups) < need {
		return nil, nil, minClientsError(len(ups), need, fmt.Sprintf("%s with f = %d", rule, f))
	}
	return ups, distances(ups), nil
}

// distances returns the n-by-n matrix, row-major, of squared distances
// between the updates' vectors.
func distances(ups []Update) []float64 {
	n := len(ups)
	dist := make([]float64, n*n)
	for a := range n {
		for b := a + 1; b < n; b++ {
			d := sqDist(ups[a].Vector, ups[b].Vector)
			dist[a*n+b] = d
			dist[b*n+a] = d
		}
	}
	return dist
}

// krumScores returns, for each position p of active, the Krum score of
// update active[p] within the active set: the sum of its
// max(len(active)-f-2, 0) smallest squared distances to the other active
// updates.
func krumScores(dist []float64, n int, active []int, f int) []float64 {
	k := max(len(active)-f-2, 0)
	scores := make([]float64, len(active))
	row := make([]float64, 0, len(active))
	for p, a := range active {
		row = row[:0]
		for _, b := range active {
			if b != a {
				row = append(row, dist[a*n+b])
			}
		}
		slices.Sort(row)
		var s float64
		for _, d := range row[:k] {
			s += d
		}
		scores[p] = s
	}
	return scores
}

// identity returns [0, 1, ..., n-1].
func identity(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
