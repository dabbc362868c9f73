package heal

import (
	"errors"
	"fmt"
)

// Errors returned by this package; test for them with errors.Is.
var (
	// ErrInvalidOptions reports Options that New refuses (no Core, a period
	// out of range, a Config mapek refuses).
	ErrInvalidOptions = errors.New("heal: invalid options")
	// ErrUnsupported reports an action this node cannot perform (one
	// transport, no spare-peer dialler...): the loop records it as failed
	// and, as it wraps errors.ErrUnsupported, moves to the next rung at once
	// without spending the cooldown.
	ErrUnsupported = fmt.Errorf("heal: action not supported: %w", errors.ErrUnsupported)
	// ErrNotReversible reports an Undo of an action that cannot be undone
	// (a rekey, a restart, spare peers dialled).
	ErrNotReversible = errors.New("heal: action not reversible")
	// ErrStore reports a failure to read or write the Knowledge store.
	ErrStore = errors.New("heal: store")
)
