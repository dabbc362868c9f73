package strategy

import (
	"fmt"
	"math"
)

// FedProx is FedProx (Li et al. 2020, "Federated Optimization in
// Heterogeneous Networks"). Clients minimise their loss plus the proximal
// term Mu/2 * ||w - w_global||^2, adding its gradient with
// AddProximalGradient during local training; the server side is FedAvg.
type FedProx struct {
	// Mu is the proximal coefficient, finite and >= 0 (0 is FedAvg).
	Mu float64
}

// Name returns "fedprox".
func (FedProx) Name() string { return "fedprox" }

// Aggregate checks Mu and then aggregates as FedAvg does.
func (s FedProx) Aggregate(global []float64, updates []Update) ([]float64, error) {
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name(), err)
	}
	delta, err := fedAvgDelta(global, updates)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name(), err)
	}
	return addGlobal(delta, global), nil
}

// AddProximalGradient adds the gradient of the proximal term,
// Mu * (w - global), to grad in place. This is the correction a FedProx
// client applies to each local gradient step. The three vectors must have
// the same length and finite values.
func (s FedProx) AddProximalGradient(grad, w, global []float64) error {
	if err := s.checkProx(grad, w, global); err != nil {
		return err
	}
	for j := range grad {
		grad[j] += s.Mu * (w[j] - global[j])
	}
	return nil
}

// ProximalTerm returns Mu/2 * ||w - global||^2, the term a FedProx client
// adds to its loss.
func (s FedProx) ProximalTerm(w, global []float64) (float64, error) {
	if err := s.checkProx(w, w, global); err != nil {
		return 0, err
	}
	return s.Mu / 2 * sqDist(w, global), nil
}

func (s FedProx) check() error {
	if !(s.Mu >= 0) || math.IsInf(s.Mu, 0) {
		return fmt.Errorf("%w: Mu = %v, want finite and >= 0", ErrInvalidParameter, s.Mu)
	}
	return nil
}

func (s FedProx) checkProx(grad, w, global []float64) error {
	if err := s.check(); err != nil {
		return fmt.Errorf("%s: %w", s.Name(), err)
	}
	if len(w) != len(global) || len(grad) != len(global) {
		return fmt.Errorf("%s: %w: gradient %d, weights %d, global model %d",
			s.Name(), ErrShapeMismatch, len(grad), len(w), len(global))
	}
	for _, x := range []struct {
		name string
		v    []float64
	}{{"gradient", grad}, {"weights", w}, {"global model", global}} {
		if err := checkValues(x.v); err != nil {
			return fmt.Errorf("%s: %s: %w", s.Name(), x.name, err)
		}
	}
	return nil
}
