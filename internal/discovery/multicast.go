package discovery

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/net/ipv4"
)

// MulticastConn is a UDP socket bound to an IPv4 multicast group and port, joined to the group on
// every usable interface, that sends each datagram out of all of them. It implements PacketConn.
type MulticastConn struct {
	c      *net.UDPConn
	p      *ipv4.PacketConn
	ifaces []net.Interface
}

// ListenMulticast opens a socket for the IPv4 multicast group and port and joins the group on
// ifaces, or, when ifaces is empty, on every interface that is up, multicast-capable, not loopback
// and has an IPv4 address. Interfaces that fail to join are skipped; ErrNoInterface is returned
// when none joins. Other processes may bind the same group and port (SO_REUSEADDR), so several
// nodes can run on one host.
func ListenMulticast(group netip.AddrPort, ifaces []net.Interface) (*MulticastConn, error) {
	if !group.Addr().Is4() || !group.Addr().IsMulticast() || group.Port() == 0 {
		return nil, fmt.Errorf("%w: group %v is not an IPv4 multicast address and port", ErrConfig, group)
	}
	if len(ifaces) == 0 {
		all, err := net.Interfaces()
		if err != nil {
			return nil, fmt.Errorf("discovery: listing interfaces: %w", err)
		}
		ifaces = usableInterfaces(all)
	}
	if len(ifaces) == 0 {
		return nil, fmt.Errorf("%w: no interface is up, multicast-capable and has an IPv4 address", ErrNoInterface)
	}
	gaddr := net.UDPAddrFromAddrPort(group)
	var (
		c    *net.UDPConn
		errs []error
		rest []net.Interface
	)
	for i := range ifaces {
		// ListenMulticastUDP binds the group address and port with SO_REUSEADDR and joins on one
		// interface; the others join through the ipv4 package.
		var err error
		if c, err = net.ListenMulticastUDP("udp4", &ifaces[i], gaddr); err == nil {
			rest = ifaces[i+1:]
			ifaces = ifaces[i : i+1]
			break
		}
		errs = append(errs, fmt.Errorf("%s: %w", ifaces[i].Name, err))
	}
	if c == nil {
		return nil, fmt.Errorf("%w: %w", ErrNoInterface, errors.Join(errs...))
	}
	m := &MulticastConn{c: c, p: ipv4.NewPacketConn(c), ifaces: ifaces}
	for i := range rest {
		if err := m.p.JoinGroup(&rest[i], gaddr); err == nil {
			m.ifaces = append(m.ifaces, rest[i])
		}
	}
	// ListenMulticastUDP turns loopback off; turn it on so that nodes on one host find each other
	// (a node ignores its own beacons).
	if err := errors.Join(m.p.SetMulticastTTL(BeaconTTL), m.p.SetMulticastLoopback(true)); err != nil {
		c.Close()
		return nil, fmt.Errorf("discovery: setting multicast options: %w", err)
	}
	return m, nil
}

// usableInterfaces returns the interfaces that are up, multicast-capable, not loopback and have an
// IPv4 address.
func usableInterfaces(all []net.Interface) []net.Interface {
	var out []net.Interface
	for _, ifi := range all {
		const want = net.FlagUp | net.FlagMulticast
		if ifi.Flags&want != want || ifi.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifi.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
				out = append(out, ifi)
				break
			}
		}
	}
	return out
}

// Interfaces returns the names of the interfaces that joined the group.
func (m *MulticastConn) Interfaces() []string {
	names := make([]string, len(m.ifaces))
	for i, ifi := range m.ifaces {
		names[i] = ifi.Name
	}
	return names
}

// ReadFrom reads one datagram sent to the group. Sources are plain IPv4 addresses.
func (m *MulticastConn) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	n, from, err := m.c.ReadFromUDPAddrPort(b)
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	return n, netip.AddrPortFrom(from.Addr().Unmap(), from.Port()), nil
}

// WriteTo sends b out of every joined interface; it fails only when no interface sent it.
func (m *MulticastConn) WriteTo(b []byte, to netip.AddrPort) error {
	dst := net.UDPAddrFromAddrPort(to)
	var errs []error
	for _, ifi := range m.ifaces {
		if _, err := m.p.WriteTo(b, &ipv4.ControlMessage{IfIndex: ifi.Index}, dst); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ifi.Name, err))
		}
	}
	if len(errs) == len(m.ifaces) {
		return fmt.Errorf("discovery: sending to %v: %w", to, errors.Join(errs...))
	}
	return nil
}

// Close closes the socket, unblocking ReadFrom.
func (m *MulticastConn) Close() error { return m.c.Close() }
