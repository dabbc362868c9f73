package transport

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"
)

// readAll reads n datagrams from c with ReadBatch, batch messages of bufSize bytes at a time.
func readAll(t *testing.T, c *UDPConn, n, batch, bufSize int) []Message {
	t.Helper()
	var got []Message
	ms := make([]Message, batch)
	for len(got) < n {
		for i := range ms {
			ms[i] = Message{Buf: make([]byte, bufSize)}
		}
		k, err := c.ReadBatch(ms)
		if err != nil {
			t.Fatalf("ReadBatch after %d datagrams: %v", len(got), err)
		}
		if k < 1 || k > min(batch, MaxBatchSize) {
			t.Fatalf("ReadBatch returned %d of %d", k, batch)
		}
		got = append(got, ms[:k]...)
	}
	return got
}

func TestUDPBatchRoundTrip(t *testing.T) {
	a, b := listen(t, loopback), listen(t, loopback)
	sizes := []int{0, 1, 1400, 60000, 7}
	ms := make([]Message, len(sizes))
	for i, n := range sizes {
		ms[i] = Message{Buf: bytes.Repeat([]byte{byte(i + 1)}, n), Addr: b.LocalAddr()}
	}
	if n, err := a.WriteBatch(ms); err != nil || n != len(ms) {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	got := readAll(t, b, len(sizes), 8, MaxDatagramSize)
	for i, m := range got {
		if m.Addr != a.LocalAddr() || m.N != sizes[i] || !bytes.Equal(m.Buf[:m.N], ms[i].Buf) {
			t.Fatalf("datagram %d: %d bytes from %v, want %d from %v", i, m.N, m.Addr, sizes[i], a.LocalAddr())
		}
	}
	// Empty batches do nothing.
	if n, err := a.WriteBatch(nil); n != 0 || err != nil {
		t.Fatalf("empty WriteBatch = %d, %v", n, err)
	}
	if n, err := b.ReadBatch(nil); n != 0 || err != nil {
		t.Fatalf("empty ReadBatch = %d, %v", n, err)
	}
}

func TestUDPBatchLongerThanMax(t *testing.T) {
	a, b := listen(t, loopback), listen(t, loopback)
	const total = 2*MaxBatchSize + 5
	ms := make([]Message, total)
	for i := range ms {
		ms[i] = Message{Buf: []byte(fmt.Sprint(i)), Addr: b.LocalAddr()}
	}
	if n, err := a.WriteBatch(ms); err != nil || n != total {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	// A read batch longer than MaxBatchSize is shortened; order is kept.
	got := readAll(t, b, total, MaxBatchSize+10, 16)
	for i, m := range got {
		if string(m.Buf[:m.N]) != fmt.Sprint(i) {
			t.Fatalf("datagram %d is %q", i, m.Buf[:m.N])
		}
	}
}

func TestUDPBatchTruncates(t *testing.T) {
	a, b := listen(t, loopback), listen(t, loopback)
	if _, err := a.WriteBatch([]Message{{Buf: make([]byte, 100), Addr: b.LocalAddr()}}); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, b, 1, 1, 10); got[0].N != 10 {
		t.Fatalf("truncated read: %d bytes", got[0].N)
	}
}

func TestUDPWriteBatchErrors(t *testing.T) {
	a, b := listen(t, loopback), listen(t, loopback)
	ok := func(s string) Message { return Message{Buf: []byte(s), Addr: b.LocalAddr()} }
	tests := []struct {
		name   string
		ms     []Message
		sent   int
		err    error // nil: any error that is neither ErrTooLarge nor ErrInvalidAddr
		target bool  // whether err must match
	}{
		{"too large first", []Message{{Buf: make([]byte, MaxDatagramSize+1), Addr: b.LocalAddr()}, ok("x")}, 0, ErrTooLarge, true},
		{"too large third", []Message{ok("a"), ok("b"), {Buf: make([]byte, MaxDatagramSize+1), Addr: b.LocalAddr()}}, 2, ErrTooLarge, true},
		{"zero address", []Message{ok("c"), {Buf: []byte("x")}}, 1, ErrInvalidAddr, true},
		{"port zero", []Message{{Buf: []byte("x"), Addr: netip.MustParseAddrPort("127.0.0.1:0")}}, 0, ErrInvalidAddr, true},
		// The kernel refuses an IPv4 datagram above 65507 bytes.
		{"kernel refuses", []Message{ok("d"), {Buf: make([]byte, MaxDatagramSize), Addr: b.LocalAddr()}}, 1, nil, false},
	}
	want := 0 // datagrams b should receive
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := a.WriteBatch(tt.ms)
			if n != tt.sent || err == nil {
				t.Fatalf("WriteBatch = %d, %v; want %d and an error", n, err, tt.sent)
			}
			if tt.target && !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if !tt.target && (errors.Is(err, ErrTooLarge) || errors.Is(err, ErrInvalidAddr) || errors.Is(err, ErrClosed)) {
				t.Fatalf("kernel error reported as %v", err)
			}
			want += n
		})
	}
	got := readAll(t, b, want, MaxBatchSize, 100)
	for _, m := range got {
		if m.N != 1 {
			t.Fatalf("unexpected %d-byte datagram", m.N)
		}
	}
}

func TestUDPBatchClosed(t *testing.T) {
	c, err := ListenUDP(loopback)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.ReadBatch([]Message{{Buf: make([]byte, 10)}})
		done <- err
	}()
	time.Sleep(10 * time.Millisecond) // let the reader block; the test passes either way
	c.Close()
	if err := <-done; !errors.Is(err, ErrClosed) || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("ReadBatch unblocked by Close: %v", err)
	}
	if _, err := c.ReadBatch([]Message{{Buf: make([]byte, 10)}}); !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadBatch after Close: %v", err)
	}
	to := netip.MustParseAddrPort("127.0.0.1:9")
	if n, err := c.WriteBatch([]Message{{Buf: []byte("x"), Addr: to}}); n != 0 || !errors.Is(err, ErrClosed) {
		t.Fatalf("WriteBatch after Close: %d, %v", n, err)
	}
}

func TestUDPBatchDualStack(t *testing.T) {
	v6, err := ListenUDP(netip.MustParseAddrPort("[::1]:0"))
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer v6.Close()
	dual := listen(t, netip.MustParseAddrPort("[::]:0"))
	v4 := listen(t, loopback)

	// A dual-stack socket sends a mixed batch: IPv6 runs in one call, IPv4 datagrams singly.
	to4 := v4.LocalAddr()
	to6 := v6.LocalAddr()
	ms := []Message{
		{Buf: []byte("6a"), Addr: to6}, {Buf: []byte("6b"), Addr: to6},
		{Buf: []byte("4a"), Addr: to4}, {Buf: []byte("4b"), Addr: netip.AddrPortFrom(netip.AddrFrom16(to4.Addr().As16()), to4.Port())},
		{Buf: []byte("6c"), Addr: to6},
	}
	if n, err := dual.WriteBatch(ms); err != nil || n != len(ms) {
		t.Skipf("no dual-stack sending: %d, %v", n, err)
	}
	from := netip.AddrPortFrom(netip.IPv6Loopback(), dual.LocalAddr().Port())
	for i, m := range readAll(t, v6, 3, 4, 16) {
		if want := []string{"6a", "6b", "6c"}[i]; string(m.Buf[:m.N]) != want || m.Addr != from {
			t.Fatalf("v6 got %q from %v, want %q from %v", m.Buf[:m.N], m.Addr, want, from)
		}
	}
	for i, m := range readAll(t, v4, 2, 4, 16) {
		if want := []string{"4a", "4b"}[i]; string(m.Buf[:m.N]) != want || !m.Addr.Addr().Is4() {
			t.Fatalf("v4 got %q from %v, want %q from an IPv4 address", m.Buf[:m.N], m.Addr, want)
		}
	}
	// IPv4 sources come out of a dual-stack ReadBatch unmapped.
	if _, err := v4.WriteBatch([]Message{{Buf: []byte("back"), Addr: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), dual.LocalAddr().Port())}}); err != nil {
		t.Fatal(err)
	}
	if m := readAll(t, dual, 1, 2, 16)[0]; string(m.Buf[:m.N]) != "back" || m.Addr != v4.LocalAddr() {
		t.Fatalf("dual-stack read %q from %v", m.Buf[:m.N], m.Addr)
	}
	// An IPv4-only socket cannot reach an IPv6 address: the kernel's error comes back.
	if n, err := v4.WriteBatch([]Message{{Buf: []byte("x"), Addr: to6}}); n != 0 || err == nil {
		t.Fatalf("IPv4 socket to IPv6: %d, %v", n, err)
	}
}

// BenchmarkUDPWrite compares one sendto per datagram with sendmmsg batches: 1,400-byte datagrams
// over loopback to a socket nobody reads (the kernel drops what overflows its buffer, after the
// send path has run).
func BenchmarkUDPWrite(b *testing.B) {
	for _, batch := range []int{1, 8, MaxBatchSize} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			a, err := ListenUDP(loopback)
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			sink, err := ListenUDP(loopback)
			if err != nil {
				b.Fatal(err)
			}
			defer sink.Close()
			ms := make([]Message, batch)
			for i := range ms {
				ms[i] = Message{Buf: make([]byte, 1400), Addr: sink.LocalAddr()}
			}
			b.SetBytes(int64(1400 * batch))
			b.ReportAllocs()
			for b.Loop() {
				if batch == 1 {
					if err := a.WriteTo(ms[0].Buf, ms[0].Addr); err != nil {
						b.Fatal(err)
					}
					continue
				}
				if _, err := a.WriteBatch(ms); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
