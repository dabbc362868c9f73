package camo

import "errors"

// Errors of this package. Returned errors wrap one of these or one of transport's (ErrClosed,
// ErrTooLarge, ErrInvalidAddr); test with errors.Is.
var (
	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("camo: invalid configuration")

	// ErrBadToken reports an authentication token that is malformed or whose MAC does not verify
	// (a wrong key).
	ErrBadToken = errors.New("camo: bad authentication token")

	// ErrStaleToken reports a token whose timestamp is more than MaxClockSkew from the clock.
	ErrStaleToken = errors.New("camo: stale authentication token")

	// ErrReplay reports a token that was already accepted, or one that arrived while the replay
	// cache was full.
	ErrReplay = errors.New("camo: replayed authentication token")

	// ErrNotMesh reports a dialled server that did not switch to mesh mode with a valid proof of
	// the key: a decoy, a wrong key, or something else listening at the address.
	ErrNotMesh = errors.New("camo: server did not authenticate")

	// ErrProxy reports an HTTP CONNECT proxy that refused or failed the tunnel.
	ErrProxy = errors.New("camo: proxy refused the tunnel")

	// ErrFrame reports a ModeTLS stream or WebSocket message that is not a valid datagram frame.
	ErrFrame = errors.New("camo: bad frame")
)
