package stream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// Rule allows TCP connections to the addresses of Prefix on ports FirstPort through LastPort.
type Rule struct {
	// Prefix is the allowed destination network, e.g. 127.0.0.1/32.
	Prefix netip.Prefix
	// FirstPort and LastPort delimit the allowed ports, inclusive.
	FirstPort, LastPort uint16
}

// Policy decides which destinations an exit node connects to. The zero Policy allows nothing.
type Policy struct {
	// Rules are the allowed destinations; a destination matching none is refused.
	Rules []Rule
	// ResolveNames lets the exit resolve host names; the resolved addresses must still match a
	// rule. Without it a host name is refused.
	ResolveNames bool
	// Resolver resolves names; nil means net.DefaultResolver.
	Resolver *net.Resolver
}

// Allows reports whether a rule allows addr and port.
func (p *Policy) Allows(addr netip.Addr, port uint16) bool {
	addr = addr.Unmap()
	for _, r := range p.Rules {
		if r.Prefix.Contains(addr) && port >= r.FirstPort && port <= r.LastPort {
			return true
		}
	}
	return false
}

// check validates the rules.
func (p *Policy) check() error {
	for _, r := range p.Rules {
		if !r.Prefix.IsValid() || r.FirstPort == 0 || r.FirstPort > r.LastPort {
			return fmt.Errorf("%w: exit rule %v ports %d-%d", ErrBadConfig, r.Prefix, r.FirstPort, r.LastPort)
		}
	}
	return nil
}

// resolve returns the allowed addresses of t, in resolver order, or ErrNotAllowed. Checking the
// addresses and then dialing exactly them leaves no room for a second, different resolution.
func (p *Policy) resolve(ctx context.Context, t Target) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(t.Host); err == nil {
		if a.Zone() != "" || !p.Allows(a, t.Port) {
			return nil, fmt.Errorf("%w: %s", ErrNotAllowed, t)
		}
		return []netip.Addr{a.Unmap()}, nil
	}
	if !p.ResolveNames {
		return nil, fmt.Errorf("%w: %s (names are not resolved)", ErrNotAllowed, t)
	}
	res := p.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	addrs, err := res.LookupNetIP(ctx, "ip", t.Host)
	if err != nil {
		return nil, fmt.Errorf("stream: resolve %s: %w", t.Host, err)
	}
	var ok []netip.Addr
	for _, a := range addrs {
		if p.Allows(a, t.Port) {
			ok = append(ok, a.Unmap())
		}
	}
	if len(ok) == 0 {
		return nil, fmt.Errorf("%w: %s resolves to no allowed address", ErrNotAllowed, t)
	}
	return ok, nil
}

// dial connects to t under the policy within DialTimeout and returns the reply code.
func (p *Policy) dial(ctx context.Context, t Target) (net.Conn, byte, error) {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	addrs, err := p.resolve(ctx, t)
	if err != nil {
		if errors.Is(err, ErrNotAllowed) {
			return nil, ReplyNotAllowed, err
		}
		return nil, ReplyHostUnreachable, err
	}
	var d net.Dialer
	for _, a := range addrs {
		var c net.Conn
		c, err = d.DialContext(ctx, "tcp", netip.AddrPortFrom(a, t.Port).String())
		if err == nil {
			return c, ReplySucceeded, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, dialReply(err), fmt.Errorf("stream: dial %s: %w", t, err)
}

// dialReply maps a dial error to a reply code.
func dialReply(err error) byte {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return ReplyConnectionRefused
	case errors.Is(err, syscall.ENETUNREACH):
		return ReplyNetworkUnreachable
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return ReplyHostUnreachable
	default:
		return ReplyGeneralFailure
	}
}

// replyError maps a reply code to an error.
func replyError(code byte) error {
	switch code {
	case ReplySucceeded:
		return nil
	case ReplyNotAllowed:
		return ErrNotAllowed
	default:
		return fmt.Errorf("%w: exit reply %#x", ErrRefused, code)
	}
}
