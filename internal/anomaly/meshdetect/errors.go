package meshdetect

import "errors"

// Sentinel errors. Errors returned by this package wrap one of them (or a graphsage sentinel for
// the embedded model); check with errors.Is.
var (
	// ErrInvalidSpec reports an invalid dataset specification or training option.
	ErrInvalidSpec = errors.New("meshdetect: invalid specification")
	// ErrSimulation reports a simulator failure while generating data.
	ErrSimulation = errors.New("meshdetect: simulation failed")
	// ErrEmptyDataset reports a dataset without the samples an operation needs.
	ErrEmptyDataset = errors.New("meshdetect: empty dataset")
	// ErrMagic reports a detector file that does not start with the detector magic.
	ErrMagic = errors.New("meshdetect: not a detector file")
	// ErrVersion reports a detector file of an unknown format version.
	ErrVersion = errors.New("meshdetect: unknown detector file version")
	// ErrMismatch reports a detector file whose feature schema, class count or embedded model does
	// not match what this package computes.
	ErrMismatch = errors.New("meshdetect: detector does not match the feature schema")
	// ErrTruncated reports a detector file that ends early.
	ErrTruncated = errors.New("meshdetect: detector file truncated")
	// ErrTooLarge reports a detector file larger than MaxDetectorFileSize or with trailing data.
	ErrTooLarge = errors.New("meshdetect: detector file too large")
	// ErrHash reports a detector file whose SHA-256 trailer does not match its content.
	ErrHash = errors.New("meshdetect: detector file hash mismatch")
	// ErrCorrupt reports a detector file with invalid normalisation statistics.
	ErrCorrupt = errors.New("meshdetect: corrupt detector file")
	// ErrNilRand reports a nil random source.
	ErrNilRand = errors.New("meshdetect: nil random source")
)
