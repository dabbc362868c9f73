package strategy

import "fmt"

// FedAvg is federated averaging (McMahan et al. 2017): the next model is
// the global model plus the mean of the deltas weighted by NumSamples.
type FedAvg struct{}

// Name returns "fedavg".
func (FedAvg) Name() string { return "fedavg" }

// Aggregate returns global + sum_i (n_i / sum_k n_k) * delta_i. It needs at
// least one update and a positive total of samples.
func (s FedAvg) Aggregate(global []float64, updates []Update) ([]float64, error) {
	delta, err := fedAvgDelta(global, updates)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name(), err)
	}
	return addGlobal(delta, global), nil
}

// fedAvgDelta validates the inputs and returns the sample-weighted mean of
// the deltas.
func fedAvgDelta(global []float64, updates []Update) ([]float64, error) {
	ups, err := sorted(global, updates, 1, MaxClients)
	if err != nil {
		return nil, err
	}
	w, err := sampleWeights(ups)
	if err != nil {
		return nil, err
	}
	delta := make([]float64, len(global))
	weightedSum(delta, ups, w)
	return delta, nil
}
