package handshake

import "errors"

// Errors returned by the Machine. Receive wraps one of them with detail for every datagram it
// drops; test for them with errors.Is.
var (
	// ErrConfig reports an invalid Config given to New.
	ErrConfig = errors.New("handshake: invalid configuration")
	// ErrMalformed reports a datagram that is not a well-formed handshake message: wrong length,
	// unknown type, non-zero reserved bytes, or a transport data frame.
	ErrMalformed = errors.New("handshake: malformed message")
	// ErrMAC reports a message whose mac1 (or the reserved mac2 of a Response) is wrong.
	ErrMAC = errors.New("handshake: bad MAC")
	// ErrCookieRequired reports a message dropped because the responder demands a cookie for the
	// source address; the Result carries the CookieReply or Retry to send.
	ErrCookieRequired = errors.New("handshake: cookie required")
	// ErrRateLimited reports a message dropped by the per-source rate limit.
	ErrRateLimited = errors.New("handshake: rate limited")
	// ErrReplay reports an Initiation whose timestamp is not newer than the last one accepted from
	// the same node.
	ErrReplay = errors.New("handshake: replayed initiation")
	// ErrTimestamp reports an Initiation whose timestamp lies more than MaxClockSkew ahead of the
	// responder's clock, or is not a valid time.
	ErrTimestamp = errors.New("handshake: timestamp out of range")
	// ErrUnknownPeer reports an Initiation that names a certificate by a hash the responder does
	// not hold.
	ErrUnknownPeer = errors.New("handshake: unknown certificate hash")
	// ErrCert reports a certificate refused by the Verifier (the Verifier's error is wrapped too)
	// or unusable for a handshake.
	ErrCert = errors.New("handshake: certificate rejected")
	// ErrNoPending reports an answer (Response, CookieReply, Retry, CertReply) for which no
	// handshake or certificate fetch is pending.
	ErrNoPending = errors.New("handshake: no pending handshake")
	// ErrDecrypt reports a message whose key exchange or authenticated encryption fails.
	ErrDecrypt = errors.New("handshake: decryption failed")
	// ErrFragment reports a Fragment that was refused or that ended a reassembly.
	ErrFragment = errors.New("handshake: bad fragment")
	// ErrTooManyPending reports an Initiate call while MaxPendingHandshakes are pending.
	ErrTooManyPending = errors.New("handshake: too many pending handshakes")
)
