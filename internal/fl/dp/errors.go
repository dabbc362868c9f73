package dp

import "errors"

// Sentinel errors. Every error returned by this package wraps one of them
// (or, for bad updates, an error of package strategy).
var (
	// ErrInvalidParameter reports a parameter out of its range: a noise
	// multiplier <= 0, a sampling rate outside (0, 1], a delta outside
	// (0, 1), a NaN, a bad order list.
	ErrInvalidParameter = errors.New("invalid parameter")
	// ErrBudgetExhausted reports a round that would take the spent
	// epsilon past the budget's limit.
	ErrBudgetExhausted = errors.New("privacy budget exhausted")
	// ErrRandomness reports a failure to read the random source.
	ErrRandomness = errors.New("reading randomness failed")
)
