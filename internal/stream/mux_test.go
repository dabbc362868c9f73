package stream

import (
	"errors"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

func TestAddr(t *testing.T) {
	a := Addr{Node: nodeID(0xab), Port: 443}
	if a.Network() != "mesh" {
		t.Fatal(a.Network())
	}
	want := nodeID(0xab).String() + ":443"
	if a.String() != want {
		t.Fatalf("String() = %q, want %q", a.String(), want)
	}
}

func TestMuxPortsIsolate(t *testing.T) {
	l := newLink(1, 0, 0)
	a, b := l.add(nodeID(1)), l.add(nodeID(2))
	a1, _ := a.ListenPacket(1)
	a2, _ := a.ListenPacket(2)
	b1, _ := b.ListenPacket(1)
	b2, _ := b.ListenPacket(2)
	for _, c := range []*PacketConn{a1, a2, b1, b2} {
		defer c.Close()
	}
	if _, err := a1.WriteTo([]byte("one"), Addr{Node: nodeID(2), Port: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := a2.WriteTo([]byte("two"), &Addr{Node: nodeID(2), Port: 2}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c    *PacketConn
		want string
		port uint16
	}{{b1, "one", 1}, {b2, "two", 2}} {
		buf := make([]byte, 16)
		tc.c.SetReadDeadline(time.Now().Add(time.Second))
		n, from, err := tc.c.ReadFrom(buf)
		if err != nil || string(buf[:n]) != tc.want || from != (Addr{Node: nodeID(1), Port: tc.port}) {
			t.Fatalf("port %d: %q from %v, %v", tc.port, buf[:n], from, err)
		}
	}
	// nothing else arrived anywhere
	for _, c := range []*PacketConn{b1, b2, a1, a2} {
		c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		if _, _, err := c.ReadFrom(make([]byte, 16)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("%v: extra datagram or wrong error %v", c.LocalAddr(), err)
		}
	}
	if _, err := a.ListenPacket(1); !errors.Is(err, ErrPortInUse) {
		t.Fatalf("double bind: %v", err)
	}
}

func TestMuxDrops(t *testing.T) {
	m := NewMux(nodeID(1), func(identity.NodeID, []byte) error { return errNoRoute })
	c, err := m.ListenPacket(5)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	from := nodeID(2)
	m.Deliver(from, nil)                   // short
	m.Deliver(from, []byte{0x02, 0, 5, 1}) // unknown tag
	m.Deliver(from, []byte{TagPort, 0, 6}) // no listener
	for range QueueLen + 10 {
		m.Deliver(from, []byte{TagPort, 0, 5, 'x'})
	}
	if _, err := c.WriteTo([]byte("lost"), Addr{Node: from, Port: 5}); err != nil {
		t.Fatalf("a send error must look like loss: %v", err)
	}
	want := Stats{Malformed: 2, NoListener: 1, QueueFull: 10, SendErrors: 1}
	if got := m.Stats(); got != want {
		t.Fatalf("Stats() = %+v, want %+v", got, want)
	}
	// the queue holds QueueLen datagrams, each a copy
	for i := range QueueLen {
		c.SetReadDeadline(time.Now().Add(time.Second))
		buf := make([]byte, 1)
		if n, _, err := c.ReadFrom(buf); err != nil || n != 1 || buf[0] != 'x' {
			t.Fatalf("datagram %d: %v", i, err)
		}
	}
}

func TestPacketConnWriteErrors(t *testing.T) {
	m := NewMux(nodeID(1), func(identity.NodeID, []byte) error { return nil })
	c, _ := m.ListenPacket(5)
	defer c.Close()
	for _, tc := range []struct {
		name string
		p    []byte
		addr net.Addr
		want error
	}{
		{"not an Addr", []byte("x"), &net.UDPAddr{}, ErrBadAddr},
		{"nil *Addr", []byte("x"), (*Addr)(nil), ErrBadAddr},
		{"other port", []byte("x"), Addr{Node: nodeID(2), Port: 6}, ErrBadAddr},
		{"too large", make([]byte, MaxPacketSize+1), Addr{Node: nodeID(2), Port: 5}, ErrTooLarge},
	} {
		if _, err := c.WriteTo(tc.p, tc.addr); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if n, err := c.WriteTo(make([]byte, MaxPacketSize), Addr{Node: nodeID(2), Port: 5}); err != nil || n != MaxPacketSize {
		t.Fatalf("largest datagram: %d %v", n, err)
	}
	c.SetWriteDeadline(time.Now().Add(-time.Second))
	if _, err := c.WriteTo([]byte("x"), Addr{Node: nodeID(2), Port: 5}); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("past write deadline: %v", err)
	}
	var ne net.Error
	c.SetWriteDeadline(time.Time{})
	if _, err := c.WriteTo([]byte("x"), Addr{Node: nodeID(2), Port: 5}); err != nil {
		t.Fatalf("cleared write deadline: %v", err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Millisecond))
	_, _, err := c.ReadFrom(make([]byte, 1))
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read deadline error %v is not a timeout", err)
	}
	if c.SetReadBuffer(1<<20) != nil || c.SetWriteBuffer(1<<20) != nil {
		t.Fatal("buffer sizes must be accepted")
	}
	if c.LocalAddr() != (Addr{Node: nodeID(1), Port: 5}) {
		t.Fatal(c.LocalAddr())
	}
}

func TestPacketConnDeadlineChanges(t *testing.T) {
	m := NewMux(nodeID(1), func(identity.NodeID, []byte) error { return nil })
	c, _ := m.ListenPacket(5)
	defer c.Close()
	// a far deadline moved into the past wakes a blocked reader
	c.SetReadDeadline(time.Now().Add(time.Hour))
	errc := make(chan error, 1)
	go func() {
		_, _, err := c.ReadFrom(make([]byte, 1))
		errc <- err
	}()
	time.Sleep(10 * time.Millisecond)
	c.SetReadDeadline(time.Now())
	if err := <-errc; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("moved deadline: %v", err)
	}
	// after expiry, a future deadline and a cleared one let reads through again
	c.SetReadDeadline(time.Now().Add(time.Hour))
	m.Deliver(nodeID(2), []byte{TagPort, 0, 5, 'y'})
	if _, _, err := c.ReadFrom(make([]byte, 1)); err != nil {
		t.Fatalf("re-armed deadline: %v", err)
	}
	c.SetReadDeadline(time.Now().Add(-time.Second))
	c.SetReadDeadline(time.Time{})
	m.Deliver(nodeID(2), []byte{TagPort, 0, 5, 'z'})
	if _, _, err := c.ReadFrom(make([]byte, 1)); err != nil {
		t.Fatalf("cleared deadline: %v", err)
	}
}

func TestPacketConnClose(t *testing.T) {
	m := NewMux(nodeID(1), func(identity.NodeID, []byte) error { return nil })
	c, _ := m.ListenPacket(5)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			_, _, err := c.ReadFrom(make([]byte, 1))
			errs <- err
		})
	}
	time.Sleep(10 * time.Millisecond)
	c.Close()
	c.Close()
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("blocked reader got %v", err)
		}
	}
	if _, _, err := c.ReadFrom(nil); !errors.Is(err, net.ErrClosed) {
		t.Fatal(err)
	}
	if _, err := c.WriteTo(nil, Addr{Port: 5}); !errors.Is(err, net.ErrClosed) {
		t.Fatal(err)
	}
	m.Deliver(nodeID(2), []byte{TagPort, 0, 5}) // port free again: counted as no listener
	c2, err := m.ListenPacket(5)
	if err != nil {
		t.Fatalf("rebind after close: %v", err)
	}
	m.Close()
	if _, _, err := c2.ReadFrom(nil); !errors.Is(err, net.ErrClosed) {
		t.Fatal(err)
	}
	if _, err := m.ListenPacket(6); !errors.Is(err, ErrClosed) {
		t.Fatalf("ListenPacket after Mux.Close: %v", err)
	}
	// a datagram racing with Close is dropped quietly
	c2.enqueue(packet{})
}
