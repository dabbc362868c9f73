package stream

import "errors"

// Errors returned by the package; check them with errors.Is.
var (
	// ErrClosed is returned by operations on a closed Mux, PacketConn, Endpoint or Listener.
	ErrClosed = errors.New("stream: closed")
	// ErrPortInUse is returned by Mux.ListenPacket and Endpoint.Listen for a port already bound.
	ErrPortInUse = errors.New("stream: port in use")
	// ErrBadAddr is returned when an address is not an Addr, or names a different port than the
	// PacketConn it is written on.
	ErrBadAddr = errors.New("stream: bad address")
	// ErrTooLarge is returned for a datagram larger than MaxPacketSize.
	ErrTooLarge = errors.New("stream: datagram too large")
	// ErrMalformed is returned for a SOCKS5 request or exit request header that cannot be parsed.
	ErrMalformed = errors.New("stream: malformed request")
	// ErrUnsupported is returned for a SOCKS5 request the server does not implement (a command
	// other than CONNECT, an unknown address type, no acceptable authentication method).
	ErrUnsupported = errors.New("stream: unsupported request")
	// ErrNotAllowed is returned when the exit policy refuses a destination.
	ErrNotAllowed = errors.New("stream: destination not allowed by exit policy")
	// ErrRefused is returned when a stream port has no listener or the exit node reports a failure.
	ErrRefused = errors.New("stream: refused")
	// ErrBadConfig is returned for an invalid Config, Policy or server field.
	ErrBadConfig = errors.New("stream: bad configuration")
)
