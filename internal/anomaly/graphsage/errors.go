package graphsage

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of them; check with errors.Is.
var (
	// ErrConfig reports an invalid Config; the error is a *ConfigError naming the field.
	ErrConfig = errors.New("graphsage: invalid config")
	// ErrArchitecture reports an invalid architecture, or one that does not fit the graph or the
	// parameter count it is used with.
	ErrArchitecture = errors.New("graphsage: invalid or mismatched architecture")
	// ErrGraph reports an invalid graph, features or split.
	ErrGraph = errors.New("graphsage: invalid graph")
	// ErrParamCount reports a parameter vector of the wrong length.
	ErrParamCount = errors.New("graphsage: wrong number of parameters")
	// ErrNonFinite reports a NaN or infinite parameter or feature value, or a training run whose
	// loss stopped being finite.
	ErrNonFinite = errors.New("graphsage: non-finite value")
	// ErrMagic reports a model file that does not start with the model file magic.
	ErrMagic = errors.New("graphsage: not a model file")
	// ErrVersion reports a model file of an unknown format version.
	ErrVersion = errors.New("graphsage: unknown model file version")
	// ErrTruncated reports a model file that ends early.
	ErrTruncated = errors.New("graphsage: model file truncated")
	// ErrTooLarge reports a model file larger than MaxModelFileSize or with trailing data.
	ErrTooLarge = errors.New("graphsage: model file too large")
	// ErrHash reports a model file whose SHA-256 trailer does not match its content.
	ErrHash = errors.New("graphsage: model file hash mismatch")
	// ErrNilRand reports a nil *rand.Rand given to New or Train.
	ErrNilRand = errors.New("graphsage: nil random source")
)

// ConfigError names the Config field that is invalid. It wraps ErrConfig.
type ConfigError struct {
	// Field is the name of the Config field.
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error returns "graphsage: invalid config: Field: reason".
func (e *ConfigError) Error() string {
	return fmt.Sprintf("%v: %s: %s", ErrConfig, e.Field, e.Reason)
}

// Unwrap returns ErrConfig.
func (e *ConfigError) Unwrap() error { return ErrConfig }

func configErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
