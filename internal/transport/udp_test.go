package transport

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var loopback = netip.MustParseAddrPort("127.0.0.1:0")

func listen(t *testing.T, addr netip.AddrPort) *UDPConn {
	t.Helper()
	c, err := ListenUDP(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readResult is one ReadFrom outcome.
type readResult struct {
	data []byte
	from netip.AddrPort
	err  error
}

// readAsync runs ReadFrom with a buffer of size n in a goroutine.
func readAsync(c Conn, n int) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		b := make([]byte, n)
		k, from, err := c.ReadFrom(b)
		ch <- readResult{b[:k], from, err}
	}()
	return ch
}

func TestUDPRoundTrip(t *testing.T) {
	a, b := listen(t, loopback), listen(t, loopback)
	if !a.LocalAddr().Addr().Is4() || a.LocalAddr().Port() == 0 {
		t.Fatalf("LocalAddr = %v", a.LocalAddr())
	}
	for _, n := range []int{0, 1, 1400, 60000} {
		msg := bytes.Repeat([]byte{byte(n)}, n)
		got := readAsync(b, MaxDatagramSize)
		if err := a.WriteTo(msg, b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		r := <-got
		if r.err != nil || !bytes.Equal(r.data, msg) || r.from != a.LocalAddr() {
			t.Fatalf("%d bytes: got %d bytes from %v, err %v", n, len(r.data), r.from, r.err)
		}
	}
}

func TestUDPTruncates(t *testing.T) {
	a, b := listen(t, loopback), listen(t, loopback)
	got := readAsync(b, 10)
	if err := a.WriteTo(make([]byte, 100), b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if r := <-got; r.err != nil || len(r.data) != 10 {
		t.Fatalf("got %d bytes, %v", len(r.data), r.err)
	}
}

func TestUDPWriteErrors(t *testing.T) {
	a := listen(t, loopback)
	tests := []struct {
		name string
		b    []byte
		to   netip.AddrPort
		err  error
	}{
		{"too large", make([]byte, MaxDatagramSize+1), a.LocalAddr(), ErrTooLarge},
		{"zero address", nil, netip.AddrPort{}, ErrInvalidAddr},
		{"port zero", nil, netip.MustParseAddrPort("127.0.0.1:0"), ErrInvalidAddr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := a.WriteTo(tt.b, tt.to); !errors.Is(err, tt.err) {
				t.Fatalf("WriteTo = %v, want %v", err, tt.err)
			}
		})
	}
	// The kernel refuses an IPv4 datagram above 65507 bytes; the error is passed on, wrapped.
	err := a.WriteTo(make([]byte, MaxDatagramSize), a.LocalAddr())
	if err == nil || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrClosed) {
		t.Fatalf("kernel-refused write: %v", err)
	}
}

func TestUDPCloseUnblocksReader(t *testing.T) {
	c, err := ListenUDP(loopback)
	if err != nil {
		t.Fatal(err)
	}
	got := readAsync(c, 100)
	time.Sleep(10 * time.Millisecond) // let the reader block; the test passes either way
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if !errors.Is(r.err, ErrClosed) || !errors.Is(r.err, net.ErrClosed) {
		t.Fatalf("ReadFrom after Close: %v", r.err)
	}
	if err := c.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if err := c.WriteTo([]byte("x"), netip.MustParseAddrPort("127.0.0.1:9")); !errors.Is(err, ErrClosed) {
		t.Fatalf("WriteTo after Close: %v", err)
	}
}

func TestListenUDPErrors(t *testing.T) {
	if _, err := ListenUDP(netip.AddrPort{}); !errors.Is(err, ErrInvalidAddr) {
		t.Fatalf("invalid: %v", err)
	}
	a := listen(t, loopback)
	if c, err := ListenUDP(a.LocalAddr()); err == nil {
		c.Close()
		t.Fatal("second listener on a used port")
	}
	// A mapped IPv4 address listens on IPv4.
	m := listen(t, netip.MustParseAddrPort("[::ffff:127.0.0.1]:0"))
	if !m.LocalAddr().Addr().Is4() {
		t.Fatalf("mapped listen: %v", m.LocalAddr())
	}
}

func TestUDPIPv6AndDualStack(t *testing.T) {
	v6, err := ListenUDP(netip.MustParseAddrPort("[::1]:0"))
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer v6.Close()
	dual := listen(t, netip.MustParseAddrPort("[::]:0"))
	v4 := listen(t, loopback)

	got := readAsync(dual, 100)
	if err := v6.WriteTo([]byte("six"), netip.AddrPortFrom(netip.IPv6Loopback(), dual.LocalAddr().Port())); err != nil {
		t.Fatal(err)
	}
	if r := <-got; r.err != nil || string(r.data) != "six" || r.from != v6.LocalAddr() {
		t.Fatalf("v6: %q from %v, %v", r.data, r.from, r.err)
	}

	got = readAsync(dual, 100)
	to := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), dual.LocalAddr().Port())
	if err := v4.WriteTo([]byte("four"), to); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.err != nil || string(r.data) != "four" {
		t.Skipf("no dual-stack delivery: %v", r.err)
	}
	if r.from != v4.LocalAddr() {
		t.Fatalf("dual-stack source %v, want the unmapped %v", r.from, v4.LocalAddr())
	}
	// And back: an IPv4 destination from the dual-stack socket.
	got = readAsync(v4, 100)
	if err := dual.WriteTo([]byte("back"), v4.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if r := <-got; r.err != nil || string(r.data) != "back" {
		t.Fatalf("back: %q, %v", r.data, r.err)
	}
}
