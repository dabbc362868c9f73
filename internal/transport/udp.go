package transport

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// UDPConn is a Conn over one operating-system UDP socket.
type UDPConn struct {
	c     *net.UDPConn
	local netip.AddrPort
}

var _ Conn = (*UDPConn)(nil)

// ListenUDP opens a UDP socket bound to addr. Port 0 picks a free port; LocalAddr reports it.
// An unspecified IPv6 address ([::]) also receives IPv4 on dual-stack systems.
func ListenUDP(addr netip.AddrPort) (*UDPConn, error) {
	if !addr.IsValid() {
		return nil, fmt.Errorf("%w: listen address %v", ErrInvalidAddr, addr)
	}
	network := "udp6"
	if addr.Addr().Unmap().Is4() {
		network = "udp4"
		addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	}
	if addr.Addr().IsUnspecified() && addr.Addr().Is6() {
		network = "udp"
	}
	c, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return nil, fmt.Errorf("transport: listen on %v: %w", addr, err)
	}
	local := c.LocalAddr().(*net.UDPAddr).AddrPort()
	return &UDPConn{c: c, local: netip.AddrPortFrom(local.Addr().Unmap(), local.Port())}, nil
}

// ReadFrom implements Conn.
func (u *UDPConn) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	n, from, err := u.c.ReadFromUDPAddrPort(b)
	if err != nil {
		return 0, netip.AddrPort{}, wrap("read", err)
	}
	return n, netip.AddrPortFrom(from.Addr().Unmap(), from.Port()), nil
}

// WriteTo implements Conn.
func (u *UDPConn) WriteTo(b []byte, to netip.AddrPort) error {
	if len(b) > MaxDatagramSize {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(b), MaxDatagramSize)
	}
	if !to.IsValid() || to.Port() == 0 {
		return fmt.Errorf("%w: destination %v", ErrInvalidAddr, to)
	}
	to = netip.AddrPortFrom(to.Addr().Unmap(), to.Port())
	if _, err := u.c.WriteToUDPAddrPort(b, to); err != nil {
		return wrap("write", err)
	}
	return nil
}

// LocalAddr implements Conn.
func (u *UDPConn) LocalAddr() netip.AddrPort { return u.local }

// Close implements Conn.
func (u *UDPConn) Close() error {
	if err := u.c.Close(); err != nil {
		return wrap("close", err)
	}
	return nil
}

// wrap turns net.ErrClosed into ErrClosed (keeping both in the chain) and names the operation.
func wrap(op string, err error) error {
	if errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("transport: %s: %w: %w", op, ErrClosed, err)
	}
	return fmt.Errorf("transport: %s: %w", op, err)
}
