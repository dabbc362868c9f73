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
	// ErrNotApplicable is for Actuators: an action error wrapping it (or
	// errors.ErrUnsupported) says the action cannot apply on this node at
	// all (unsupported, or nothing to act on, such as no spare peer to
	// dial). The action is recorded failed but consumes neither the
	// cooldown nor the budget, and the next rung is tried at once.
	ErrNotApplicable = errors.New("mapek: action not applicable")
)
