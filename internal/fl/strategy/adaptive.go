package strategy

import (
	"fmt"
	"math"
	"sync"
)

// AdaptiveConfig holds the hyper-parameters of the adaptive server
// optimisers FedAdam and FedYogi (Reddi et al. 2021, "Adaptive Federated
// Optimization", Algorithm 2).
type AdaptiveConfig struct {
	// Eta is the server learning rate, finite and > 0.
	Eta float64
	// Beta1 is the first-moment decay, in [0, 1).
	Beta1 float64
	// Beta2 is the second-moment decay, in [0, 1).
	Beta2 float64
	// Tau is the adaptivity, finite and > 0; the second moment starts at
	// Tau^2.
	Tau float64
}

// DefaultAdaptiveConfig returns the defaults DefaultEta, DefaultBeta1,
// DefaultBeta2 and DefaultTau.
func DefaultAdaptiveConfig() AdaptiveConfig {
	return AdaptiveConfig{Eta: DefaultEta, Beta1: DefaultBeta1, Beta2: DefaultBeta2, Tau: DefaultTau}
}

// Validate reports an ErrInvalidParameter error for a hyper-parameter out
// of range.
func (c AdaptiveConfig) Validate() error {
	switch {
	case !(c.Eta > 0) || math.IsInf(c.Eta, 0):
		return fmt.Errorf("%w: Eta = %v, want finite and > 0", ErrInvalidParameter, c.Eta)
	case !(c.Beta1 >= 0 && c.Beta1 < 1):
		return fmt.Errorf("%w: Beta1 = %v, want in [0, 1)", ErrInvalidParameter, c.Beta1)
	case !(c.Beta2 >= 0 && c.Beta2 < 1):
		return fmt.Errorf("%w: Beta2 = %v, want in [0, 1)", ErrInvalidParameter, c.Beta2)
	case !(c.Tau > 0) || math.IsInf(c.Tau, 0):
		return fmt.Errorf("%w: Tau = %v, want finite and > 0", ErrInvalidParameter, c.Tau)
	}
	return nil
}

// adaptive is the state shared by FedAdam and FedYogi.
type adaptive struct {
	mu     sync.Mutex
	cfg    AdaptiveConfig
	m, v   []float64 // first and second moments; nil before the first round
	rounds int
}

// step runs one round of Algorithm 2 of Reddi et al. on the pseudo-gradient
// Delta, the sample-weighted mean of the deltas:
//
//	m = Beta1*m + (1-Beta1)*Delta
//	v = Beta2*v + (1-Beta2)*Delta^2                 (Adam)
//	v = v - (1-Beta2)*Delta^2*sign(v - Delta^2)     (Yogi)
//	w = w + Eta * m / (sqrt(v) + Tau)
//
// with m starting at 0 and v at Tau^2, and no bias correction, as in the
// paper. The state changes only if the round succeeds.
func (a *adaptive) step(name string, yogi bool, global []float64, updates []Update) ([]float64, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cfg := a.cfg
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if a.m != nil && len(global) != len(a.m) {
		return nil, fmt.Errorf("%s: %w: global model length %d, optimiser state length %d",
			name, ErrShapeMismatch, len(global), len(a.m))
	}
	delta, err := fedAvgDelta(global, updates)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if a.m == nil {
		a.m = make([]float64, len(global))
		a.v = make([]float64, len(global))
		for j := range a.v {
			a.v[j] = cfg.Tau * cfg.Tau
		}
	}
	m, v := a.m[:len(delta)], a.v[:len(delta)]
	for j, d := range delta {
		m[j] = cfg.Beta1*m[j] + (1-cfg.Beta1)*d
		d2 := d * d
		if yogi {
			switch {
			case v[j] > d2:
				v[j] -= (1 - cfg.Beta2) * d2
			case v[j] < d2:
				v[j] += (1 - cfg.Beta2) * d2
			}
		} else {
			v[j] = cfg.Beta2*v[j] + (1-cfg.Beta2)*d2
		}
		delta[j] = global[j] + cfg.Eta*m[j]/(math.Sqrt(v[j])+cfg.Tau)
	}
	a.rounds++
	return delta, nil
}

// roundCount returns the number of successful rounds.
func (a *adaptive) roundCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rounds
}

// reset forgets the optimiser state.
func (a *adaptive) reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.m, a.v, a.rounds = nil, nil, 0
}
