package store

import "errors"

// Errors returned by this package; test for them with errors.Is.
var (
	// ErrCorrupt reports a file that is not a consistent store: truncated,
	// overwritten, of another schema or holding a value that does not
	// decode.
	ErrCorrupt = errors.New("store: corrupt store")
	// ErrLocked reports a file another Store holds beyond the lock timeout.
	ErrLocked = errors.New("store: file locked")
	// ErrMalformed reports an encoded value that does not decode.
	ErrMalformed = errors.New("store: malformed value")
	// ErrInvalid reports a record that cannot be stored (unknown kinds,
	// oversize text, non-finite numbers).
	ErrInvalid = errors.New("store: invalid record")
	// ErrInvalidOptions reports Options out of range.
	ErrInvalidOptions = errors.New("store: invalid options")
	// ErrClosed reports a call on a closed Store.
	ErrClosed = errors.New("store: closed")
)
