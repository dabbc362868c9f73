package strategy

// Limits on the inputs of every strategy. They bound memory and rule out
// floating-point overflow: with |x| <= MaxAbsValue, a squared distance
// summed over MaxDimension coordinates stays far below math.MaxFloat64.
const (
	// MaxDimension is the longest parameter vector accepted (2^24, about
	// 16.7 million parameters, 128 MiB per vector).
	MaxDimension = 1 << 24

	// MaxClients is the largest number of updates one Aggregate call takes.
	MaxClients = 1 << 14

	// MaxPairwiseClients is the largest number of updates taken by the
	// rules that keep a matrix of pairwise distances (Krum, MultiKrum and
	// Bulyan): the matrix then takes at most 32 MiB.
	MaxPairwiseClients = 1 << 11

	// MaxAbsValue is the largest magnitude of a parameter or delta. A model
	// weight beyond it is an attack or a bug; rejecting it keeps every sum
	// of squares finite.
	MaxAbsValue = 1e30

	// MaxClientIDLength is the longest ClientID, in bytes.
	MaxClientIDLength = 256
)

// Defaults of the adaptive server optimisers (Reddi et al. 2021, "Adaptive
// Federated Optimization", section 5 and appendix D).
const (
	// DefaultEta is the server learning rate.
	DefaultEta = 1e-2
	// DefaultBeta1 is the decay of the first-moment estimate.
	DefaultBeta1 = 0.9
	// DefaultBeta2 is the decay of the second-moment estimate.
	DefaultBeta2 = 0.99
	// DefaultTau is the adaptivity: it bounds the per-coordinate learning
	// rate by Eta/Tau and is the initial second moment's square root.
	DefaultTau = 1e-3
)

// Defaults of GeometricMedian (the smoothed Weiszfeld iteration of
// Pillutla, Kakade and Harchaoui, "Robust Aggregation for Federated
// Learning", 2019).
const (
	// DefaultNu is the smoothing: distances below it count as Nu, so no
	// weight divides by zero.
	DefaultNu = 1e-6
	// DefaultMaxIterations bounds the Weiszfeld iterations.
	DefaultMaxIterations = 100
	// DefaultTolerance stops the iteration once the objective improves by
	// less than this fraction of itself.
	DefaultTolerance = 1e-6
	// MaxIterationsLimit is the largest MaxIterations accepted.
	MaxIterationsLimit = 10000
)

// trimSlack is added to Beta*n before rounding it down in TrimmedMean, so
// that a product such as 0.29*100 = 28.999999999999996 trims 29 updates, as
// written, and not 28.
const trimSlack = 1e-9
