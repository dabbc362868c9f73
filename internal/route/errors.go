package route

import "errors"

// Errors returned by this package. Returned errors wrap one of these; test with errors.Is.
var (
	// ErrMalformed reports bytes that are not a valid routing message: truncated, with an
	// unknown or repeated TLV, a bad entry size, a zero node ID, a zero interval or hop count,
	// or trailing bytes.
	ErrMalformed = errors.New("route: malformed message")

	// ErrUnsupportedVersion reports a message whose version byte is not Version.
	ErrUnsupportedVersion = errors.New("route: unsupported message version")

	// ErrTooLarge reports a message longer than MaxMessageSize.
	ErrTooLarge = errors.New("route: message too large")

	// ErrInvalidConfig reports arguments that New refuses.
	ErrInvalidConfig = errors.New("route: invalid configuration")

	// ErrInvalidNeighbour reports a neighbour ID that is zero or the router's own ID, or a
	// link cost of zero (costs must be at least 1 for metrics to grow along every path).
	ErrInvalidNeighbour = errors.New("route: invalid neighbour")

	// ErrTooManyNeighbours reports a NeighbourUp beyond MaxNeighbours.
	ErrTooManyNeighbours = errors.New("route: too many neighbours")

	// ErrNotNeighbour reports a message or a cost change for a node that is not a neighbour.
	ErrNotNeighbour = errors.New("route: not a neighbour")

	// ErrTableFull reports updates dropped because the routing table or the source table is
	// at its limit (Config.MaxRoutes, Config.MaxSources). The rest of the message was
	// processed.
	ErrTableFull = errors.New("route: routing table full")
)
