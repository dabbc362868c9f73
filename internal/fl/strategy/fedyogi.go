package strategy

import "fmt"

// FedYogi is the FedYogi server optimiser of Reddi et al. 2021: like
// FedAdam, but the second moment moves additively towards Delta^2 (Yogi,
// Zaheer et al. 2018), which keeps the effective learning rate from growing
// abruptly. It is safe for concurrent use.
type FedYogi struct {
	a adaptive
}

// NewFedYogi returns a FedYogi with the given hyper-parameters.
func NewFedYogi(cfg AdaptiveConfig) (*FedYogi, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("fedyogi: %w", err)
	}
	return &FedYogi{a: adaptive{cfg: cfg}}, nil
}

// Name returns "fedyogi".
func (*FedYogi) Name() string { return "fedyogi" }

// Aggregate runs one server optimiser step and returns the next model.
func (s *FedYogi) Aggregate(global []float64, updates []Update) ([]float64, error) {
	return s.a.step(s.Name(), true, global, updates)
}

// Rounds returns the number of rounds aggregated since creation or Reset.
func (s *FedYogi) Rounds() int { return s.a.roundCount() }

// Reset forgets the optimiser state, as before the first round.
func (s *FedYogi) Reset() { s.a.reset() }
