package strategy

import "fmt"

// FedAdam is the FedAdam server optimiser of Reddi et al. 2021: Adam
// applied by the server to the pseudo-gradient, the sample-weighted mean of
// the clients' deltas. It keeps its moments between rounds, so the model
// dimension must stay the same; it is safe for concurrent use.
type FedAdam struct {
	a adaptive
}

// NewFedAdam returns a FedAdam with the given hyper-parameters.
func NewFedAdam(cfg AdaptiveConfig) (*FedAdam, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("fedadam: %w", err)
	}
	return &FedAdam{a: adaptive{cfg: cfg}}, nil
}

// Name returns "fedadam".
func (*FedAdam) Name() string { return "fedadam" }

// Aggregate runs one server optimiser step and returns the next model.
func (s *FedAdam) Aggregate(global []float64, updates []Update) ([]float64, error) {
	return s.a.step(s.Name(), false, global, updates)
}

// Rounds returns the number of rounds aggregated since creation or Reset.
func (s *FedAdam) Rounds() int { return s.a.roundCount() }

// Reset forgets the optimiser state, as before the first round.
func (s *FedAdam) Reset() { s.a.reset() }
