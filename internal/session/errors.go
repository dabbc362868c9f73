package session

import "errors"

// Errors returned by New, Seal and Open. Returned errors wrap one of these; test with errors.Is.
var (
	// ErrInvalidParams reports Params or Limits that New refuses.
	ErrInvalidParams = errors.New("session: invalid parameters")

	// ErrClosed reports a Seal or Open on a closed session.
	ErrClosed = errors.New("session: closed")

	// ErrExhausted reports that the session's counter space is used up: Seal has sealed
	// RejectAfterMessages frames, or Open got a frame whose counter is at or above that limit.
	ErrExhausted = errors.New("session: message limit reached")

	// ErrNotConfirmed reports a Seal on a responder session before the initiator's first frame
	// has been opened: until then the responder has no proof that the initiator holds the keys.
	ErrNotConfirmed = errors.New("session: responder session not yet confirmed")

	// ErrPayloadTooLarge reports a payload longer than MaxPayloadSize.
	ErrPayloadTooLarge = errors.New("session: payload too large")

	// ErrMalformed reports a frame that is not a data frame of a valid size.
	ErrMalformed = errors.New("session: malformed frame")

	// ErrWrongIndex reports a frame addressed to another session (receiver index mismatch).
	ErrWrongIndex = errors.New("session: frame for another receiver index")

	// ErrExpired reports a frame received after the session expired (RejectAfterTime).
	ErrExpired = errors.New("session: expired")

	// ErrAuth reports a frame that fails authentication: wrong key, or modified in transit.
	ErrAuth = errors.New("session: authentication failed")

	// ErrReplay reports an authentic frame whose counter was already opened.
	ErrReplay = errors.New("session: replayed frame")

	// ErrTooOld reports an authentic frame whose counter is ReplayWindowSize or more below the
	// highest counter opened, so the filter can no longer tell whether it is a replay.
	ErrTooOld = errors.New("session: frame too old for the replay window")
)
