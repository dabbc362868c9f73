package camo

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

// TestExchange sends datagrams both ways between two Conns over loopback in each mode, and checks
// addresses, sizes and that the reply reuses the client's connection instead of dialling back.
func TestExchange(t *testing.T) {
	for _, mode := range []Mode{ModeTLS, ModeWebSocket} {
		t.Run(mode.String(), func(t *testing.T) {
			a := listen(t, testConfig(mode))
			b := listen(t, testConfig(mode))

			sizes := []int{1, 0, 1400, 9000, MaxDatagramSize}
			for i, n := range sizes {
				msg := bytes.Repeat([]byte{byte(i + 1)}, n)
				if err := a.WriteTo(msg, b.LocalAddr()); err != nil {
					t.Fatal(err)
				}
				got, from := readWithin(t, b)
				if !bytes.Equal(got, msg) {
					t.Fatalf("datagram %d: got %d bytes, want %d", i, len(got), n)
				}
				if want := clientAddr(t, a, b); from != want {
					t.Fatalf("from %v, want %v", from, want)
				}
			}
			for i := range 100 {
				msg := fmt.Appendf(nil, "reply %d", i)
				if err := b.WriteTo(msg, clientAddr(t, a, b)); err != nil {
					t.Fatal(err)
				}
				got, from := readWithin(t, a)
				if !bytes.Equal(got, msg) || from != b.LocalAddr() {
					t.Fatalf("reply %d: %q from %v, want %q from %v", i, got, from, msg, b.LocalAddr())
				}
			}
			sa, sb := a.Stats(), b.Stats()
			if sa.Dials != 1 || sb.Dials != 0 || sb.Accepted != 1 || sa.Links != 1 || sb.Links != 1 {
				t.Fatalf("want one connection dialled by a and reused by b: a %+v b %+v", sa, sb)
			}
			if sa.SendDrops+sb.SendDrops+sa.RecvDrops+sb.RecvDrops != 0 {
				t.Fatalf("drops: a %+v b %+v", sa, sb)
			}
		})
	}
}

// TestMixedModes checks that a listener accepts both modes: a ModeTLS client and a WebSocket
// client reach the same server.
func TestMixedModes(t *testing.T) {
	srv := listen(t, testConfig(ModeTLS))
	for _, mode := range []Mode{ModeTLS, ModeWebSocket} {
		cl := listen(t, testConfig(mode))
		msg := []byte("hello from " + mode.String())
		if err := cl.WriteTo(msg, srv.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		if got, from := readWithin(t, srv); !bytes.Equal(got, msg) || from != clientAddr(t, cl, srv) {
			t.Fatalf("%v: got %q from %v", mode, got, from)
		}
	}
	if s := srv.Stats(); s.Accepted != 2 || s.Peers != 2 {
		t.Fatalf("stats %+v, want 2 accepted peers", s)
	}
}

func TestWriteToErrors(t *testing.T) {
	c := listen(t, testConfig(ModeTLS))
	tests := []struct {
		name string
		b    []byte
		to   netip.AddrPort
		want error
	}{
		{"too large", make([]byte, MaxDatagramSize+1), netip.MustParseAddrPort("127.0.0.1:1"), transport.ErrTooLarge},
		{"zero address", []byte("x"), netip.AddrPort{}, transport.ErrInvalidAddr},
		{"port 0", []byte("x"), netip.MustParseAddrPort("127.0.0.1:0"), transport.ErrInvalidAddr},
	}
	for _, tt := range tests {
		if err := c.WriteTo(tt.b, tt.to); !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestClose(t *testing.T) {
	c, err := Listen(testConfig(ModeTLS))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := c.ReadFrom(make([]byte, 10))
		done <- err
	}()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !isClosed(err) {
		t.Fatalf("pending ReadFrom: %v, want ErrClosed", err)
	}
	if _, _, err := c.ReadFrom(make([]byte, 10)); !isClosed(err) {
		t.Fatalf("ReadFrom after Close: %v", err)
	}
	if err := c.WriteTo([]byte("x"), netip.MustParseAddrPort("127.0.0.1:9")); !isClosed(err) {
		t.Fatalf("WriteTo after Close: %v", err)
	}
	if err := c.Close(); !isClosed(err) {
		t.Fatalf("second Close: %v", err)
	}
}

// TestReadTruncates checks UDP semantics: a datagram longer than the buffer is truncated.
func TestReadTruncates(t *testing.T) {
	a := listen(t, testConfig(ModeTLS))
	b := listen(t, testConfig(ModeTLS))
	if err := a.WriteTo([]byte("0123456789"), b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	n, _, err := b.ReadFrom(buf)
	if err != nil || n != 4 || string(buf) != "0123" {
		t.Fatalf("got %d %q %v", n, buf[:n], err)
	}
}

// TestUnreachablePeer checks that datagrams to an address where nothing listens are dropped and
// counted, that WriteTo does not block, and that the peer backs off between dials.
func TestUnreachablePeer(t *testing.T) {
	c := listen(t, testConfig(ModeTLS))
	d, err := Listen(testConfig(ModeTLS))
	if err != nil {
		t.Fatal(err)
	}
	dead := d.LocalAddr()
	d.Close() // nothing listens there any more
	for range 200 {
		if err := c.WriteTo([]byte("lost"), dead); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "a failed dial", func() bool { return c.Stats().DialFailures >= 1 })
	eventually(t, "every datagram counted as dropped", func() bool { return c.Stats().SendDrops == 200 })
	if s := c.Stats(); s.DialFailures > 2 {
		t.Fatalf("%d dials within the first backoff, want at most 2: %+v", s.DialFailures, s)
	}
}

// clientAddr returns the address srv knows the client cl by: cl's listening address for a direct
// ModeTLS client, else the source address of cl's connection to srv (dial.go, announcedPort).
func clientAddr(t testing.TB, cl, srv *Conn) netip.AddrPort {
	t.Helper()
	if cl.announcedPort() != 0 {
		return cl.LocalAddr()
	}
	cl.mu.RLock()
	defer cl.mu.RUnlock()
	p := cl.peers[srv.LocalAddr()]
	if p == nil || p.current() == nil {
		t.Fatalf("no connection from %v to %v", cl.LocalAddr(), srv.LocalAddr())
	}
	return p.current().raw.LocalAddr().(*net.TCPAddr).AddrPort()
}
