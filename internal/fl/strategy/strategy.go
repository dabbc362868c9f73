package strategy

// Strategy turns one round of client updates into the next global model.
type Strategy interface {
	// Name returns the strategy's short name, such as "fedavg".
	Name() string
	// Aggregate returns the next global model: global plus the strategy's
	// aggregate of the updates' deltas. It neither modifies nor keeps its
	// arguments, and returns an error, never a panic, for bad input.
	Aggregate(global []float64, updates []Update) ([]float64, error)
}

// Update is one client's contribution to a round.
type Update struct {
	// ClientID identifies the client; it must be unique within a round,
	// non-empty and at most MaxClientIDLength bytes.
	ClientID string
	// NumSamples is the number of training examples behind the update;
	// the sample-weighted strategies weight by it.
	NumSamples int
	// Vector is the client's delta: its locally trained parameters minus
	// the global model of the round.
	Vector []float64
}

// Compile-time checks that every strategy implements Strategy.
var (
	_ Strategy = FedAvg{}
	_ Strategy = FedProx{}
	_ Strategy = (*FedAdam)(nil)
	_ Strategy = (*FedYogi)(nil)
	_ Strategy = Median{}
	_ Strategy = TrimmedMean{}
	_ Strategy = Krum{}
	_ Strategy = MultiKrum{}
	_ Strategy = Bulyan{}
	_ Strategy = GeometricMedian{}
)
