package roundsim

import "time"

// Limits on Options, checked by Options.Validate.
const (
	// MaxLatency bounds the one-way delay and the jitter of a message.
	MaxLatency = time.Minute
	// MaxTrainTime bounds the virtual duration of one local training run.
	MaxTrainTime = time.Hour
	// MaxStragglerFactor bounds how much slower a straggler trains.
	MaxStragglerFactor = 1000
	// MaxVirtualTime is the longest virtual run.
	MaxVirtualTime = 30 * 24 * time.Hour
	// MaxCrashes bounds the scheduled crashes.
	MaxCrashes = 1024
)

// Defaults applied to zero fields of Options.
const (
	// DefaultLatency is the one-way delay of a message.
	DefaultLatency = 20 * time.Millisecond
	// DefaultTrainTime is the virtual duration of a local training run.
	DefaultTrainTime = time.Second
	// DefaultStragglerFactor is how many times longer a straggler trains.
	DefaultStragglerFactor = 10
	// DefaultDetectionDelay is how long after a crash the other nodes are
	// told the node is dead (MAPE-K's detection time).
	DefaultDetectionDelay = 2 * time.Second
	// DefaultMaxVirtualTime is the default virtual time limit.
	DefaultMaxVirtualTime = 24 * time.Hour
)

// Byzantine attacks.
const (
	// SignFlipScale is the factor a sign-flip attacker multiplies its
	// honest delta by (the sign-flipping attack of Li et al. 2019, "RSA:
	// Byzantine-Robust Stochastic Aggregation Methods", uses -4).
	SignFlipScale = -4
	// ScaleFactor is the factor a scaling attacker multiplies its honest
	// delta by.
	ScaleFactor = 10
	// GaussianStd is the standard deviation of every coordinate of a
	// Gaussian attacker's delta (Blanchard et al. 2017 style random
	// updates).
	GaussianStd = 1.0
)

// start is the virtual time at which every simulation starts.
const start = "2026-01-01T00:00:00Z"
