package secagg

import "errors"

// Sentinel errors. Every error returned by this package wraps one of them
// and can be tested with errors.Is.
var (
	// ErrParams reports invalid round parameters, or parameters that
	// differ between the server and a client.
	ErrParams = errors.New("secagg: invalid parameters")
	// ErrOverflow reports a round in which the sum of every client's
	// largest quantised input would not fit in 32 bits.
	ErrOverflow = errors.New("secagg: sum of quantised inputs can overflow 2^32")
	// ErrInput reports an input vector of the wrong length or with NaN.
	ErrInput = errors.New("secagg: invalid input vector")
	// ErrMalformed reports bytes that do not decode as the expected
	// message.
	ErrMalformed = errors.New("secagg: malformed message")
	// ErrVersion reports a message with an unknown version byte.
	ErrVersion = errors.New("secagg: unsupported message version")
	// ErrLimit reports a message or parameter beyond MaxClients or MaxDim.
	ErrLimit = errors.New("secagg: limit exceeded")
	// ErrRound reports a message that belongs to another round.
	ErrRound = errors.New("secagg: wrong round")
	// ErrPhase reports a call that the state machine does not accept in
	// its current phase.
	ErrPhase = errors.New("secagg: wrong phase")
	// ErrUnknownClient reports a message from or about a client that is
	// not part of the round at this point.
	ErrUnknownClient = errors.New("secagg: unknown client")
	// ErrDuplicate reports a second message from the same client in one
	// phase.
	ErrDuplicate = errors.New("secagg: duplicate message")
	// ErrInconsistent reports a message whose content contradicts what
	// the receiver already knows (missing or extra peers, wrong kinds).
	ErrInconsistent = errors.New("secagg: inconsistent message")
	// ErrAuth reports an encrypted share or escrow that fails
	// authentication: it was forged, altered or misrouted.
	ErrAuth = errors.New("secagg: authentication failed")
	// ErrBelowThreshold reports fewer than Threshold clients (or shares)
	// where the protocol needs at least Threshold.
	ErrBelowThreshold = errors.New("secagg: below threshold")
	// ErrDoubleReveal reports an unmasking request that asks a client for
	// both the self-mask share and the recovery share of the same peer,
	// at once or over several requests. Answering it would let the server
	// unmask that peer's input.
	ErrDoubleReveal = errors.New("secagg: request would reveal both shares of one client")
)
