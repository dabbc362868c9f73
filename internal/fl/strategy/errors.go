package strategy

import (
	"errors"
	"fmt"
	"math"
)

// Sentinel errors. Every error returned by this package wraps one of them.
var (
	// ErrTooFewClients reports fewer updates than the strategy needs.
	ErrTooFewClients = errors.New("too few clients")
	// ErrTooManyClients reports more updates than MaxClients (or
	// MaxPairwiseClients for the distance-based rules).
	ErrTooManyClients = errors.New("too many clients")
	// ErrDimension reports a global model that is empty or longer than
	// MaxDimension.
	ErrDimension = errors.New("bad vector dimension")
	// ErrShapeMismatch reports a vector whose length differs from the
	// global model's.
	ErrShapeMismatch = errors.New("shape mismatch")
	// ErrNotFinite reports a NaN or infinite value.
	ErrNotFinite = errors.New("value not finite")
	// ErrOutOfRange reports a finite value beyond MaxAbsValue.
	ErrOutOfRange = errors.New("value out of range")
	// ErrDuplicateClient reports two updates with the same ClientID.
	ErrDuplicateClient = errors.New("duplicate client")
	// ErrInvalidClientID reports an empty ClientID or one longer than
	// MaxClientIDLength.
	ErrInvalidClientID = errors.New("invalid client ID")
	// ErrNegativeSamples reports an update with NumSamples < 0.
	ErrNegativeSamples = errors.New("negative sample count")
	// ErrNoSamples reports sample-weighted aggregation of updates whose
	// sample counts are all zero.
	ErrNoSamples = errors.New("no samples")
	// ErrInvalidParameter reports a strategy parameter out of its range.
	ErrInvalidParameter = errors.New("invalid strategy parameter")
)

// ClientError is the error about one client's update.
type ClientError struct {
	// ClientID names the client whose update was refused.
	ClientID string
	// Err says what is wrong with it.
	Err error
}

// Error returns a message like `client "c7": NaN at index 12`.
func (e *ClientError) Error() string { return fmt.Sprintf("client %q: %v", e.ClientID, e.Err) }

// Unwrap returns e.Err.
func (e *ClientError) Unwrap() error { return e.Err }

// ValueError is the error about one bad value of a vector. It wraps
// ErrNotFinite for NaN and infinities and ErrOutOfRange for finite values
// beyond MaxAbsValue.
type ValueError struct {
	// Index is the position of the value in its vector.
	Index int
	// Value is the value itself.
	Value float64
}

// Error returns a message like "NaN at index 12".
func (e *ValueError) Error() string {
	if e.finite() {
		return fmt.Sprintf("%g at index %d exceeds the limit %g", e.Value, e.Index, float64(MaxAbsValue))
	}
	return fmt.Sprintf("%v at index %d", e.Value, e.Index)
}

// Unwrap returns ErrNotFinite or ErrOutOfRange.
func (e *ValueError) Unwrap() error {
	if e.finite() {
		return ErrOutOfRange
	}
	return ErrNotFinite
}

func (e *ValueError) finite() bool { return !math.IsNaN(e.Value) && !math.IsInf(e.Value, 0) }
