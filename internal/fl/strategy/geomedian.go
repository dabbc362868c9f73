package strategy

import (
	"fmt"
	"math"
)

// GeometricMedian is the smoothed geometric median of the deltas, computed
// by the smoothed Weiszfeld iteration of RFA (Pillutla, Kakade and
// Harchaoui 2019, "Robust Aggregation for Federated Learning", Algorithm
// 3). It minimises the smoothed objective sum_i a_i * ||z - delta_i||_Nu,
// where ||r||_Nu is ||r|| when ||r|| >= Nu and (||r||^2/Nu + Nu)/2 below,
// with the Weiszfeld weights a_i / max(Nu, ||z - delta_i||). The geometric
// median has breakdown point 1/2: fewer than half the updates cannot move
// it arbitrarily far. Each iterate is a convex combination of the deltas.
//
// The zero value uses DefaultNu, DefaultMaxIterations, DefaultTolerance
// and equal weights.
type GeometricMedian struct {
	// Nu is the smoothing, > 0; 0 means DefaultNu.
	Nu float64
	// MaxIterations bounds the Weiszfeld steps, in [1,
	// MaxIterationsLimit]; 0 means DefaultMaxIterations.
	MaxIterations int
	// Tolerance stops the iteration once the objective improves by less
	// than Tolerance times itself, >= 0; 0 means DefaultTolerance.
	Tolerance float64
	// WeightBySamples sets the weights a_i proportional to NumSamples, as
	// in the RFA paper. It is off by default: a Byzantine client can claim
	// any sample count and so any weight.
	WeightBySamples bool
}

// Name returns "geometric-median".
func (GeometricMedian) Name() string { return "geometric-median" }

// Aggregate returns global plus the smoothed geometric median of the
// deltas.
func (s GeometricMedian) Aggregate(global []float64, updates []Update) ([]float64, error) {
	nu, iters, tol, err := s.params()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name(), err)
	}
	ups, err := sorted(global, updates, 1, MaxClients)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name(), err)
	}
	n := len(ups)
	alpha := make([]float64, n)
	if s.WeightBySamples {
		if alpha, err = sampleWeights(ups); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name(), err)
		}
	} else {
		for i := range alpha {
			alpha[i] = 1 / float64(n)
		}
	}

	z := make([]float64, len(global))
	weightedSum(z, ups, alpha)
	beta := make([]float64, n)
	prev := math.Inf(1)
	for range iters {
		// Objective and Weiszfeld weights at the current iterate.
		var obj, total float64
		for i, u := range ups {
			r := math.Sqrt(sqDist(z, u.Vector))
			d := r
			if r < nu {
				d = nu
				r = (r*r/nu + nu) / 2
			}
			obj += alpha[i] * r
			beta[i] = alpha[i] / d
			total += beta[i]
		}
		if math.Abs(prev-obj) <= tol*obj {
			break
		}
		prev = obj
		for i := range beta {
			beta[i] /= total
		}
		weightedSum(z, ups, beta)
	}
	return addGlobal(z, global), nil
}

// params returns the parameters with defaults applied, or an error.
func (s GeometricMedian) params() (nu float64, iters int, tol float64, err error) {
	nu, iters, tol = s.Nu, s.MaxIterations, s.Tolerance
	if nu == 0 {
		nu = DefaultNu
	}
	if iters == 0 {
		iters = DefaultMaxIterations
	}
	if tol == 0 {
		tol = DefaultTolerance
	}
	switch {
	case !(nu > 0) || math.IsInf(nu, 0):
		return 0, 0, 0, fmt.Errorf("%w: Nu = %v, want finite and > 0", ErrInvalidParameter, s.Nu)
	case iters < 1 || iters > MaxIterationsLimit:
		return 0, 0, 0, fmt.Errorf("%w: MaxIterations = %d, want in [1, %d]", ErrInvalidParameter, s.MaxIterations, MaxIterationsLimit)
	case !(tol >= 0) || math.IsInf(tol, 0):
		return 0, 0, 0, fmt.Errorf("%w: Tolerance = %v, want finite and >= 0", ErrInvalidParameter, s.Tolerance)
	}
	return nu, iters, tol, nil
}
