package link

import "errors"

// Errors returned by this package. Returned errors wrap one of these with
// detail; test for them with errors.Is.
var (
	// ErrMalformed reports a message that cannot be decoded or breaks a rule
	// of the format.
	ErrMalformed = errors.New("link: malformed message")

	// ErrVersion reports a message of a format version this package does
	// not speak.
	ErrVersion = errors.New("link: unsupported message version")

	// ErrInvalidConfig reports a Config that Validate refuses; the error
	// names the field.
	ErrInvalidConfig = errors.New("link: invalid configuration")

	// ErrUnknownNeighbour reports a message from, or a call about, a node
	// that is not in the Table.
	ErrUnknownNeighbour = errors.New("link: unknown neighbour")

	// ErrDuplicateNeighbour reports an Add of a node already in the Table.
	ErrDuplicateNeighbour = errors.New("link: neighbour already present")

	// ErrBadAck reports a HelloAck that matches no hello this Table sent
	// recently: unknown sequence number, wrong echoed timestamp, or a hold
	// time longer than the round trip.
	ErrBadAck = errors.New("link: ack matches no outstanding hello")
)
