package stream

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"

	"golang.org/x/crypto/cryptobyte"
)

// SOCKS5 protocol constants (RFC 1928).
const (
	socksVersion      = 5
	socksCmdConnect   = 1
	socksAtypIPv4     = 1
	socksAtypDomain   = 3
	socksAtypIPv6     = 4
	socksMethodNoAuth = 0
	socksMethodNone   = 0xff
)

// Reply codes, shared by the exit reply and the SOCKS5 reply (RFC 1928 section 6).
const (
	// ReplySucceeded reports a connected destination.
	ReplySucceeded = 0x00
	// ReplyGeneralFailure reports any other failure.
	ReplyGeneralFailure = 0x01
	// ReplyNotAllowed reports a destination the exit policy refuses.
	ReplyNotAllowed = 0x02
	// ReplyNetworkUnreachable reports an unreachable network.
	ReplyNetworkUnreachable = 0x03
	// ReplyHostUnreachable reports an unreachable host, a dial timeout or a name that did not resolve.
	ReplyHostUnreachable = 0x04
	// ReplyConnectionRefused reports a refused connection.
	ReplyConnectionRefused = 0x05
	// ReplyCommandNotSupported reports a command other than CONNECT.
	ReplyCommandNotSupported = 0x07
	// ReplyAddressNotSupported reports an unknown address type or a malformed destination.
	ReplyAddressNotSupported = 0x08
)

// Target is a destination: an IP address or a host name, and a port.
type Target struct {
	// Host is an IP address literal or a host name, 1 to MaxHostLen bytes.
	Host string
	// Port is the TCP port.
	Port uint16
}

// String returns host:port, bracketing IPv6 addresses.
func (t Target) String() string { return net.JoinHostPort(t.Host, strconv.Itoa(int(t.Port))) }

// ParseTarget parses host:port.
func ParseTarget(s string) (Target, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return Target{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return Target{}, fmt.Errorf("%w: port %q", ErrMalformed, port)
	}
	t := Target{Host: host, Port: uint16(p)}
	return t, t.check()
}

// check rejects an empty or overlong host and port 0.
func (t Target) check() error {
	if len(t.Host) == 0 || len(t.Host) > MaxHostLen {
		return fmt.Errorf("%w: host of %d bytes", ErrMalformed, len(t.Host))
	}
	if t.Port == 0 {
		return fmt.Errorf("%w: port 0", ErrMalformed)
	}
	for i := 0; i < len(t.Host); i++ {
		if c := t.Host[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("%w: byte %#x in host", ErrMalformed, c)
		}
	}
	return nil
}

// readSOCKSGreeting reads the client's method selection and reports whether it offers "no
// authentication".
func readSOCKSGreeting(r io.Reader) (bool, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return false, fmt.Errorf("%w: greeting: %w", ErrMalformed, err)
	}
	if hdr[0] != socksVersion || hdr[1] == 0 {
		return false, fmt.Errorf("%w: greeting version %d, %d methods", ErrMalformed, hdr[0], hdr[1])
	}
	methods := make([]byte, hdr[1])
	if _, err := io.ReadFull(r, methods); err != nil {
		return false, fmt.Errorf("%w: methods: %w", ErrMalformed, err)
	}
	for _, m := range methods {
		if m == socksMethodNoAuth {
			return true, nil
		}
	}
	return false, nil
}

// readSOCKSRequest reads a SOCKS5 request. A command other than CONNECT or an unknown address type
// fails with ErrUnsupported (and the matching reply code), anything else malformed with
// ErrMalformed.
func readSOCKSRequest(r io.Reader) (Target, byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return Target{}, ReplyGeneralFailure, fmt.Errorf("%w: request: %w", ErrMalformed, err)
	}
	if hdr[0] != socksVersion || hdr[2] != 0 {
		return Target{}, ReplyGeneralFailure, fmt.Errorf("%w: request version %d reserved %d", ErrMalformed, hdr[0], hdr[2])
	}
	if hdr[1] != socksCmdConnect {
		return Target{}, ReplyCommandNotSupported, fmt.Errorf("%w: command %d", ErrUnsupported, hdr[1])
	}
	var addrLen int
	switch hdr[3] {
	case socksAtypIPv4:
		addrLen = 4
	case socksAtypIPv6:
		addrLen = 16
	case socksAtypDomain:
		var l [1]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return Target{}, ReplyGeneralFailure, fmt.Errorf("%w: name length: %w", ErrMalformed, err)
		}
		addrLen = int(l[0])
	default:
		return Target{}, ReplyAddressNotSupported, fmt.Errorf("%w: address type %d", ErrUnsupported, hdr[3])
	}
	buf := make([]byte, addrLen+2)
	if _, err := io.ReadFull(r, buf); err != nil {
		return Target{}, ReplyGeneralFailure, fmt.Errorf("%w: address: %w", ErrMalformed, err)
	}
	t := Target{Port: uint16(buf[addrLen])<<8 | uint16(buf[addrLen+1])}
	if hdr[3] == socksAtypDomain {
		t.Host = string(buf[:addrLen])
		// Clients such as curl --socks5-hostname send IP literals as names: use the canonical form,
		// so that "0::" and "::" are the same target for the exit policy.
		if a, err := netip.ParseAddr(t.Host); err == nil && a.Zone() == "" {
			t.Host = a.String()
		}
	} else {
		a, _ := netip.AddrFromSlice(buf[:addrLen])
		t.Host = a.String()
	}
	if err := t.check(); err != nil {
		return Target{}, ReplyAddressNotSupported, err
	}
	return t, ReplySucceeded, nil
}

// appendSOCKSRequest encodes a CONNECT request, as a client sends it.
func appendSOCKSRequest(b []byte, t Target) []byte {
	b = append(b, socksVersion, socksCmdConnect, 0)
	if a, err := netip.ParseAddr(t.Host); err == nil && a.Zone() == "" {
		if a.Is4() {
			b = append(b, socksAtypIPv4)
		} else {
			b = append(b, socksAtypIPv6)
		}
		b = append(b, a.AsSlice()...)
	} else {
		b = append(b, socksAtypDomain, byte(len(t.Host)))
		b = append(b, t.Host...)
	}
	return append(b, byte(t.Port>>8), byte(t.Port))
}

// socksReply encodes a reply with an unspecified IPv4 bound address; clients ignore it for CONNECT.
func socksReply(code byte) []byte {
	return []byte{socksVersion, code, 0, socksAtypIPv4, 0, 0, 0, 0, 0, 0}
}

// Exit request, sent by the proxying node at the start of a stream to the exit's ExitPort:
//
//	version  1  ExitVersion
//	host     1 + n  length-prefixed host, n in 1..MaxHostLen
//	port     2  big-endian, not 0
//
// and the exit's reply: version (1) and a reply code (1).
const exitReplySize = 2

// maxExitRequestSize is the largest exit request.
const maxExitRequestSize = 1 + 1 + MaxHostLen + 2

// marshalExitRequest encodes an exit request.
func marshalExitRequest(t Target) ([]byte, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddUint8(ExitVersion)
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(t.Host)) })
	b.AddUint16(t.Port)
	return b.Bytes()
}

// parseExitRequest decodes an exit request that must fill b exactly.
func parseExitRequest(b []byte) (Target, error) {
	s := cryptobyte.String(b)
	var version uint8
	var host cryptobyte.String
	var t Target
	if !s.ReadUint8(&version) || !s.ReadUint8LengthPrefixed(&host) || !s.ReadUint16(&t.Port) || !s.Empty() {
		return Target{}, fmt.Errorf("%w: exit request of %d bytes", ErrMalformed, len(b))
	}
	if version != ExitVersion {
		return Target{}, fmt.Errorf("%w: exit request version %d", ErrMalformed, version)
	}
	t.Host = string(host)
	return t, t.check()
}

// readExitRequest reads one exit request from r, reading no further than it.
func readExitRequest(r io.Reader) (Target, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return Target{}, fmt.Errorf("%w: exit request: %w", ErrMalformed, err)
	}
	b := make([]byte, 2+int(hdr[1])+2)
	copy(b, hdr[:])
	if _, err := io.ReadFull(r, b[2:]); err != nil {
		return Target{}, fmt.Errorf("%w: exit request: %w", ErrMalformed, err)
	}
	return parseExitRequest(b)
}

// readExitReply reads the exit's reply code.
func readExitReply(r io.Reader) (byte, error) {
	var b [exitReplySize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		if errors.Is(err, ErrRefused) {
			return ReplyGeneralFailure, err
		}
		return ReplyGeneralFailure, fmt.Errorf("%w: exit reply: %w", ErrMalformed, err)
	}
	if b[0] != ExitVersion {
		return ReplyGeneralFailure, fmt.Errorf("%w: exit reply version %d", ErrMalformed, b[0])
	}
	return b[1], nil
}
