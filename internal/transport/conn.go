// Package transport is the datagram boundary of a node, in the spirit of wireguard-go's
// conn.Bind: an interface that moves whole datagrams between addresses, a real UDP
// implementation, and (in package memnet) an in-memory network for tests.
package transport

import (
	"errors"
	"net/netip"
)

// Errors returned by implementations of Conn. Returned errors wrap one of these; test with
// errors.Is.
var (
	// ErrClosed reports an operation on a closed Conn, including a ReadFrom that Close
	// interrupted.
	ErrClosed = errors.New("transport: connection closed")

	// ErrTooLarge reports a datagram longer than MaxDatagramSize.
	ErrTooLarge = errors.New("transport: datagram too large")

	// ErrInvalidAddr reports a destination or listen address that is not a valid address and
	// port.
	ErrInvalidAddr = errors.New("transport: invalid address")
)

// Conn sends and receives datagrams. Implementations are safe for concurrent use; Close
// unblocks every pending ReadFrom with an error wrapping ErrClosed.
type Conn interface {
	// ReadFrom blocks until a datagram arrives, copies it into b and returns its length and
	// source address. A datagram longer than b is truncated to len(b), as with UDP; callers
	// should pass a buffer of MaxDatagramSize bytes. IPv4 sources are returned as IPv4
	// addresses, never IPv4-mapped IPv6.
	ReadFrom(b []byte) (n int, from netip.AddrPort, err error)

	// WriteTo sends b as one datagram to the address. Delivery is not guaranteed. b is not
	// retained after WriteTo returns.
	WriteTo(b []byte, to netip.AddrPort) error

	// LocalAddr returns the address the Conn is bound to.
	LocalAddr() netip.AddrPort

	// Close releases the Conn. Later calls to any method, Close included, return an error
	// wrapping ErrClosed.
	Close() error
}
