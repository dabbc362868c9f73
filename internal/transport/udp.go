package transport

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// UDPConn is a Conn over one operating-system UDP socket. It is also a BatchConn: on Linux
// ReadBatch and WriteBatch use recvmmsg and sendmmsg (through golang.org/x/net), and WriteBatch
// hands runs of equal-sized datagrams to one destination to the kernel as one buffer (UDP
// segmentation offload, UDP_SEGMENT) where the kernel supports it; elsewhere they move one
// datagram per system call.
type UDPConn struct {
	c     *net.UDPConn
	local netip.AddrPort
	v6    bool        // an AF_INET6 socket (possibly dual-stack): IPv4 destinations are sent singly
	xc    batcher     // c seen through golang.org/x/net/ipv4 or ipv6
	gso   atomic.Bool // WriteBatch offloads segmentation to the kernel (gso_linux.go)

	rmu sync.Mutex // serialises ReadBatch and guards rb
	rb  batchState
	wmu sync.Mutex // serialises WriteBatch and guards wb
	wb  batchState
}

var (
	_ Conn      = (*UDPConn)(nil)
	_ BatchConn = (*UDPConn)(nil)
)

// batcher is what ipv4.PacketConn and ipv6.PacketConn have in common (ipv6.Message is an alias of
// ipv4.Message).
type batcher interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

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
	u := &UDPConn{c: c, local: netip.AddrPortFrom(local.Addr().Unmap(), local.Port())}
	if network == "udp4" {
		u.xc = ipv4.NewPacketConn(c)
	} else {
		u.v6 = true
		u.xc = ipv6.NewPacketConn(c)
	}
	u.gso.Store(gsoSupported(c))
	return u, nil
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
	to, err := checkWrite(b, to)
	if err != nil {
		return err
	}
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

func tooLarge(n int) error {
	return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, n, MaxDatagramSize)
}

func invalidDest(to netip.AddrPort) error {
	return fmt.Errorf("%w: destination %v", ErrInvalidAddr, to)
}
