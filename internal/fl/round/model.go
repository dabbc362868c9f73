package round

import "slices"

// GlobalModel is one version of the global model, as a coordinator
// produces it and a model registry records it.
type GlobalModel struct {
	// Round is the round that produced the model; 0 for the initial one.
	Round uint64
	// Parent is the Round of the model it was derived from.
	Parent uint64
	// Strategy names the aggregation rule, such as "fedavg" or
	// "dp-fedavg"; empty for the initial model.
	Strategy string
	// Epsilon is the differential privacy spent by all private rounds up
	// to this model, at Delta, for the population under Poisson sampling
	// (see package doc); 0 without DP.
	Epsilon float64
	// Delta is the delta Epsilon holds at; 0 without DP.
	Delta float64
	// Participants are the clients whose updates went into the model,
	// ascending.
	Participants []NodeID
	// Params is the parameter vector.
	Params []float64
}

// Clone returns a deep copy of m.
func (m GlobalModel) Clone() GlobalModel {
	m.Participants = slices.Clone(m.Participants)
	m.Params = slices.Clone(m.Params)
	return m
}
