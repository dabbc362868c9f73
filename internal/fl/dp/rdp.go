package dp

import (
	"fmt"
	"math"
)

// Mechanism is the sampled Gaussian mechanism run Steps times: each step
// includes every record (here: every client) independently with
// probability SamplingRate and adds Gaussian noise of standard deviation
// NoiseMultiplier times the L2 sensitivity to the sum of the included
// records' contributions.
type Mechanism struct {
	// SamplingRate q is the probability that a record takes part in a
	// step, in (0, 1]; 1 means no subsampling.
	SamplingRate float64
	// NoiseMultiplier sigma is the noise standard deviation divided by the
	// L2 sensitivity, at least MinNoiseMultiplier and finite.
	NoiseMultiplier float64
	// Steps is the number of steps composed, >= 1.
	Steps int
}

// Validate reports an ErrInvalidParameter error for a field out of range.
func (m Mechanism) Validate() error {
	switch {
	case !(m.SamplingRate > 0 && m.SamplingRate <= 1):
		return fmt.Errorf("%w: sampling rate %v not in (0, 1]", ErrInvalidParameter, m.SamplingRate)
	case !(m.NoiseMultiplier >= MinNoiseMultiplier) || math.IsInf(m.NoiseMultiplier, 0):
		return fmt.Errorf("%w: noise multiplier %v, want finite and >= %g", ErrInvalidParameter, m.NoiseMultiplier, MinNoiseMultiplier)
	case m.Steps < 1:
		return fmt.Errorf("%w: steps %d < 1", ErrInvalidParameter, m.Steps)
	}
	return nil
}

// RDP returns the Rényi differential privacy of m at each of orders: the
// value at order alpha is Steps times the RDP of one step, which is
// alpha/(2 sigma^2) when q = 1 and log(A_alpha)/(alpha-1) otherwise, with
// A_alpha as in section 3.3 of Mironov, Talwar and Zhang 2019. Should the
// series of a fractional order fail its accuracy checks, the value at the
// next integer order, an upper bound, is returned instead. Orders must be
// finite, greater than 1 and at most MaxOrder. Nil orders means
// DefaultOrders.
func RDP(m Mechanism, orders []float64) ([]float64, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if orders == nil {
		orders = DefaultOrders()
	}
	if err := checkOrders(orders); err != nil {
		return nil, err
	}
	out := make([]float64, len(orders))
	for i, alpha := range orders {
		out[i] = rdpStep(m.SamplingRate, m.NoiseMultiplier, alpha) * float64(m.Steps)
	}
	return out, nil
}

// checkOrders reports an ErrInvalidParameter error for an empty or too long
// list or an order that is not finite, > 1 and <= MaxOrder.
func checkOrders(orders []float64) error {
	if len(orders) == 0 || len(orders) > MaxOrders {
		return fmt.Errorf("%w: %d orders, want 1 to %d", ErrInvalidParameter, len(orders), MaxOrders)
	}
	for _, a := range orders {
		if !(a > 1 && a <= MaxOrder) {
			return fmt.Errorf("%w: order %v not in (1, %d]", ErrInvalidParameter, a, MaxOrder)
		}
	}
	return nil
}

// rdpStep returns the RDP of one step of the sampled Gaussian mechanism at
// order alpha.
func rdpStep(q, sigma, alpha float64) float64 {
	if q == 1 {
		return alpha / (2 * sigma * sigma)
	}
	if alpha == math.Trunc(alpha) {
		return logAInteger(q, sigma, int(alpha)) / (alpha - 1)
	}
	logA, ok := logAFractional(q, sigma, alpha)
	if !ok {
		return rdpNextInteger(q, sigma, alpha)
	}
	return logA / (alpha - 1)
}

// rdpNextInteger returns the RDP at order ceil(alpha), computed without
// cancellation. Rényi divergence does not decrease with the order, so it
// bounds the RDP at alpha from above; it stands in when the fractional
// series cannot be trusted.
func rdpNextInteger(q, sigma, alpha float64) float64 {
	c := math.Ceil(alpha)
	return logAInteger(q, sigma, int(c)) / (c - 1)
}

// logAInteger returns log(A_alpha) for an integer alpha by the binomial
// expansion
//
//	A_alpha = sum_{i=0}^{alpha} C(alpha, i) q^i (1-q)^(alpha-i) exp((i^2-i)/(2 sigma^2)).
func logAInteger(q, sigma float64, alpha int) float64 {
	logQ, log1mQ := math.Log(q), math.Log1p(-q)
	logA := math.Inf(-1)
	for i := 0; i <= alpha; i++ {
		fi := float64(i)
		s := logBinomial(alpha, i) + fi*logQ + float64(alpha-i)*log1mQ + (fi*fi-fi)/(2*sigma*sigma)
		logA = logAdd(logA, s)
	}
	return logA
}

// logAFractional returns log(A_alpha) for a fractional alpha: A_alpha is
// split into the integrals over (-inf, z0] and [z0, inf), with
// z0 = sigma^2 log(1/q - 1) + 1/2, and each is expanded into a series with
// generalized binomial coefficients, whose signs alternate once i > alpha.
// The series stops when both new terms are below exp(seriesCutoff), but
// not before i > alpha: Opacus stops at the first small terms, and when the
// binomial terms peak late (q 0.5, order 63.5, sigma 30) that skips them
// all and returns A_alpha = 0 in place of 1.75.
//
// It returns ok = false when the result cannot be trusted: the series did
// not converge within maxSeriesTerms, a partial sum went negative, or the
// terms' magnitudes sum to more than exp(maxCancellation) times A_alpha, so
// that rounding may have eaten the result. None of these has been seen for
// orders up to 60000.5, sigma from 1e-3 to 1e4 and q from 1e-9 to 1-1e-6;
// they are guards. A result that rounding left
// just below log(1) = 0 is returned as 0: A_alpha >= 1 always.
func logAFractional(q, sigma, alpha float64) (logA float64, ok bool) {
	logQ, log1mQ := math.Log(q), math.Log1p(-q)
	z0 := sigma*sigma*math.Log(1/q-1) + 0.5
	scale := math.Sqrt2 * sigma
	logA0, logA1 := math.Inf(-1), math.Inf(-1)
	logAbs := math.Inf(-1)         // log of the sum of the terms' magnitudes
	logCoef, positive := 0.0, true // log|C(alpha, i)| and its sign
	for i := 0; i < maxSeriesTerms; i++ {
		fi := float64(i)
		if i > 0 {
			c := (alpha - fi + 1) / fi // C(alpha, i) / C(alpha, i-1)
			logCoef += math.Log(math.Abs(c))
			if c < 0 {
				positive = !positive
			}
		}
		j := alpha - fi
		logT0 := logCoef + fi*logQ + j*log1mQ
		logT1 := logCoef + j*logQ + fi*log1mQ
		logE0 := math.Log(0.5) + logErfc((fi-z0)/scale)
		logE1 := math.Log(0.5) + logErfc((z0-j)/scale)
		logS0 := logT0 + (fi*fi-fi)/(2*sigma*sigma) + logE0
		logS1 := logT1 + (j*j-j)/(2*sigma*sigma) + logE1
		logAbs = logAdd(logAbs, logAdd(logS0, logS1))
		if positive {
			logA0, logA1 = logAdd(logA0, logS0), logAdd(logA1, logS1)
		} else {
			var ok0, ok1 bool
			logA0, ok0 = logSub(logA0, logS0)
			logA1, ok1 = logSub(logA1, logS1)
			if !ok0 || !ok1 {
				return 0, false
			}
		}
		if fi > alpha && max(logS0, logS1) < seriesCutoff {
			logA = logAdd(logA0, logA1)
			if !(logAbs-logA <= maxCancellation) {
				return 0, false
			}
			return max(logA, 0), true
		}
	}
	return 0, false
}
