package dp

import (
	"fmt"
	"math"
)

// DefaultOrders returns a new copy of the Rényi orders Opacus'
// RDPAccountant uses by default: 1.1, 1.2, ..., 10.9 and 12, 13, ..., 63.
func DefaultOrders() []float64 {
	orders := make([]float64, 0, defaultFractionalOrders+defaultLastInteger-defaultFirstInteger+1)
	for x := 1; x <= defaultFractionalOrders; x++ {
		orders = append(orders, 1+float64(x)/10.0)
	}
	for a := defaultFirstInteger; a <= defaultLastInteger; a++ {
		orders = append(orders, float64(a))
	}
	return orders
}

// Guarantee is an (Epsilon, Delta)-DP guarantee obtained from RDP.
type Guarantee struct {
	// Epsilon is the privacy loss, >= 0; +Inf means no guarantee.
	Epsilon float64
	// Delta is the failure probability it holds with.
	Delta float64
	// Order is the Rényi order that gave the smallest epsilon.
	Order float64
	// OrderAtEdge reports that Order is the first or last of the orders
	// searched: a wider range of orders might give a smaller epsilon.
	OrderAtEdge bool
}

// Epsilon converts RDP values rdp at orders into the smallest (epsilon,
// delta)-DP guarantee over the orders, by Theorem 21 of Balle et al. 2020:
//
//	epsilon = rdp - (log(delta) + log(alpha))/(alpha-1) + log((alpha-1)/alpha)
//
// A negative result is reported as 0, which it implies. rdp values must be
// >= 0 and not NaN (+Inf is allowed and yields +Inf); delta must be in
// (0, 1).
func Epsilon(orders, rdp []float64, delta float64) (Guarantee, error) {
	if err := checkOrders(orders); err != nil {
		return Guarantee{}, err
	}
	if len(rdp) != len(orders) {
		return Guarantee{}, fmt.Errorf("%w: %d RDP values for %d orders", ErrInvalidParameter, len(rdp), len(orders))
	}
	if !(delta > 0 && delta < 1) {
		return Guarantee{}, fmt.Errorf("%w: delta %v not in (0, 1)", ErrInvalidParameter, delta)
	}
	best, bestEps := 0, math.Inf(1)
	for i, a := range orders {
		if !(rdp[i] >= 0) {
			return Guarantee{}, fmt.Errorf("%w: RDP %v at order %v", ErrInvalidParameter, rdp[i], a)
		}
		eps := rdp[i] - (math.Log(delta)+math.Log(a))/(a-1) + math.Log((a-1)/a)
		if eps < bestEps {
			best, bestEps = i, eps
		}
	}
	return Guarantee{
		Epsilon:     max(bestEps, 0),
		Delta:       delta,
		Order:       orders[best],
		OrderAtEdge: len(orders) > 1 && (best == 0 || best == len(orders)-1),
	}, nil
}

// ComputeEpsilon returns the (epsilon, delta)-DP guarantee of m over the
// given orders (nil means DefaultOrders). For SamplingRate 0.04,
// NoiseMultiplier 1.5, 2250 steps and delta 1e-5 it gives
// epsilon = 7.32911..., as Opacus does.
func ComputeEpsilon(m Mechanism, delta float64, orders []float64) (Guarantee, error) {
	if orders == nil {
		orders = DefaultOrders()
	}
	rdp, err := RDP(m, orders)
	if err != nil {
		return Guarantee{}, err
	}
	return Epsilon(orders, rdp, delta)
}
