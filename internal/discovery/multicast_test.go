package discovery

import (
	"errors"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// testGroup returns a multicast group on a port that is free right now, so parallel test runs do
// not hear each other.
func testGroup(t *testing.T) netip.AddrPort {
	t.Helper()
	c, err := net.ListenPacket("udp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return netip.AddrPortFrom(netip.MustParseAddr("239.255.116.53"), uint16(c.LocalAddr().(*net.UDPAddr).Port))
}

func usableOrSkip(t *testing.T) []net.Interface {
	t.Helper()
	all, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	ifs := usableInterfaces(all)
	if len(ifs) == 0 {
		t.Skip("no interface is up, multicast-capable and has an IPv4 address")
	}
	return ifs
}

// TestMulticastLoop opens two sockets on the same group and port, as two nodes on one host do, and
// checks that a beacon written by one reaches both (multicast loopback), from an interface address.
func TestMulticastLoop(t *testing.T) {
	ifs := usableOrSkip(t)
	group := testGroup(t)
	a, err := ListenMulticast(group, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := ListenMulticast(group, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got := a.Interfaces(); len(got) != len(ifs) || got[0] != ifs[0].Name {
		t.Fatalf("joined %v, usable %v", got, ifs)
	}
	local := map[netip.Addr]bool{}
	for _, ifi := range ifs {
		addrs, _ := ifi.Addrs()
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				ip, _ := netip.AddrFromSlice(ipn.IP)
				local[ip.Unmap()] = true
			}
		}
	}
	msg := AppendBeacon(nil, sample(4))
	if err := a.WriteTo(msg, group); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*MulticastConn{a, b} {
		buf := make([]byte, ReadBufferSize)
		if err := c.c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(buf[:n], msg) || !from.Addr().Is4() || !local[from.Addr()] || from.Port() != group.Port() {
			t.Fatalf("read % x from %v", buf[:n], from)
		}
	}
	// Close unblocks a reader with an error.
	done := make(chan error, 1)
	go func() { _, _, err := a.ReadFrom(make([]byte, ReadBufferSize)); done <- err }()
	a.Close()
	if err := <-done; err == nil {
		t.Fatal("read after Close succeeded")
	}
	if err := a.WriteTo(msg, group); err == nil {
		t.Fatal("write after Close succeeded")
	}
}

func TestListenMulticastRejects(t *testing.T) {
	for _, g := range []string{"192.0.2.1:7199", "239.255.116.52:0", "[ff02::1]:7199"} {
		if _, err := ListenMulticast(netip.MustParseAddrPort(g), nil); !errors.Is(err, ErrConfig) {
			t.Errorf("group %s: err = %v, want ErrConfig", g, err)
		}
	}
	bogus := []net.Interface{{Index: 1 << 30, Name: "nosuch0", Flags: net.FlagUp | net.FlagMulticast}}
	if _, err := ListenMulticast(testGroup(t), bogus); !errors.Is(err, ErrNoInterface) {
		t.Errorf("bogus interface: err = %v, want ErrNoInterface", err)
	}
}

func TestUsableInterfaces(t *testing.T) {
	all, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifi := range usableInterfaces(all) {
		if ifi.Flags&net.FlagLoopback != 0 || ifi.Flags&net.FlagUp == 0 || ifi.Flags&net.FlagMulticast == 0 {
			t.Errorf("%s has flags %v", ifi.Name, ifi.Flags)
		}
	}
	// Interfaces without the flags are left out without looking at their addresses.
	fake := []net.Interface{{Index: 1 << 30, Name: "down0"}, {Index: 1, Name: "lo", Flags: net.FlagUp | net.FlagMulticast | net.FlagLoopback}}
	if got := usableInterfaces(fake); len(got) != 0 {
		t.Errorf("usable: %v", got)
	}
}
