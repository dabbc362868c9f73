package mesh

import "errors"

// Errors returned by this package. Returned errors wrap one of these (and,
// where a lower layer refused the input, that layer's error too); test for
// them with errors.Is.
var (
	// ErrInvalidConfig reports a Config that Validate refuses; the error
	// names the field.
	ErrInvalidConfig = errors.New("mesh: invalid configuration")

	// ErrMalformed reports a payload that is not a valid mesh payload: empty,
	// too long, of an unknown kind, with a bad packet header, or whose link,
	// route or end-to-end content does not decode.
	ErrMalformed = errors.New("mesh: malformed payload")

	// ErrUnknownNeighbour reports a payload from, or a call about, a node that
	// is not a neighbour, or whose link is not up yet.
	ErrUnknownNeighbour = errors.New("mesh: unknown neighbour")

	// ErrInvalidNeighbour reports a NeighbourUp for the zero ID or the node
	// itself.
	ErrInvalidNeighbour = errors.New("mesh: invalid neighbour")

	// ErrTooManyNeighbours reports a NeighbourUp beyond MaxNeighbours.
	ErrTooManyNeighbours = errors.New("mesh: too many neighbours")

	// ErrRoute reports a route message the router refused in part (a full
	// table); the rest of it was applied.
	ErrRoute = errors.New("mesh: route message refused")

	// ErrLink reports a link message the link table refused, such as an ack
	// that matches no recent hello.
	ErrLink = errors.New("mesh: link message refused")

	// ErrNoRoute reports a packet dropped, or a datagram not sent, because
	// there is no route to its destination.
	ErrNoRoute = errors.New("mesh: no route to destination")

	// ErrHopLimit reports a packet dropped because its hop limit ran out.
	ErrHopLimit = errors.New("mesh: hop limit exceeded")

	// ErrQueueFull reports a payload or datagram dropped because a bounded
	// queue or table was full.
	ErrQueueFull = errors.New("mesh: queue full")

	// ErrDecrypt reports an end-to-end frame that no session opens: unknown
	// receiver index, failed authentication, replay, expired session.
	ErrDecrypt = errors.New("mesh: end-to-end decryption failed")

	// ErrHandshake reports an end-to-end handshake message the handshake
	// Machine dropped.
	ErrHandshake = errors.New("mesh: end-to-end handshake message refused")

	// ErrIdentity reports an end-to-end handshake completed with a node whose
	// certificate names another NodeID than the one addressed.
	ErrIdentity = errors.New("mesh: peer identity mismatch")

	// ErrInvalidDestination reports a Send to the zero ID or to the node
	// itself.
	ErrInvalidDestination = errors.New("mesh: invalid destination")

	// ErrTooLarge reports a datagram longer than MaxDatagramSize.
	ErrTooLarge = errors.New("mesh: datagram too large")

	// ErrInvalidCostFactor reports a SetCostFactor outside [1, MaxCostFactor].
	ErrInvalidCostFactor = errors.New("mesh: invalid cost factor")

	// ErrNoPeer reports a Rekey of a node this Core has no end-to-end
	// state for.
	ErrNoPeer = errors.New("mesh: no such end-to-end peer")
)
