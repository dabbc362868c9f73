package mapek

import "errors"

// Errors returned by this package; test for them with errors.Is.
var (
	// ErrInvalidConfig reports a Config that Validate refuses; the error
	// names the field.
	ErrInvalidConfig = errors.New("mapek: invalid configuration")
	// ErrInvalidSnapshot reports a Snapshot that Validate refuses: too many
	// neighbours, a duplicate or zero neighbour ID, or a value out of range.
	ErrInvalidSnapshot = errors.New("mapek: invalid snapshot")
	// ErrTimeWentBack reports a Step whose time is before the previous one.
	ErrTimeWentBack = errors.New("mapek: time went backwards")
	// ErrNoActuator reports a Loop created without an Actuator.
	ErrNoActuator = errors.New("mapek: no actuator")
)
