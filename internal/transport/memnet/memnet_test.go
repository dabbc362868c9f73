package memnet

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func addr(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func newNet(t *testing.T, opt Options) *Network {
	t.Helper()
	n, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

func listen(t *testing.T, n *Network, a string) *Conn {
	t.Helper()
	c, err := n.Listen(addr(a))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

// recvAll reads every queued datagram of c without blocking.
func recvAll(c *Conn) []string {
	var out []string
	for len(c.queue) > 0 {
		b := make([]byte, transport.MaxDatagramSize)
		k, _, err := c.ReadFrom(b)
		if err != nil {
			break
		}
		out = append(out, string(b[:k]))
	}
	return out
}

func TestRoundTripCopies(t *testing.T) {
	n := newNet(t, Options{})
	a, b := listen(t, n, "127.0.0.1:1000"), listen(t, n, "127.0.0.2:2000")
	msg := []byte("hello")
	if err := a.WriteTo(msg, b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	msg[0] = 'J' // the network holds its own copy
	buf := make([]byte, 100)
	k, from, err := b.ReadFrom(buf)
	if err != nil || string(buf[:k]) != "hello" || from != a.LocalAddr() {
		t.Fatalf("got %q from %v, %v", buf[:k], from, err)
	}
	// Mapped destinations reach the IPv4 Conn; truncation as UDP.
	if err := b.WriteTo(bytes.Repeat([]byte("x"), 50), addr("[::ffff:127.0.0.1]:1000")); err != nil {
		t.Fatal(err)
	}
	k, from, err = a.ReadFrom(buf[:10])
	if err != nil || k != 10 || from != b.LocalAddr() {
		t.Fatalf("truncated read: %d from %v, %v", k, from, err)
	}
	if st := n.Stats(); st.Sent != 2 || st.Delivered != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestListen(t *testing.T) {
	n := newNet(t, Options{})
	c1 := listen(t, n, "127.0.0.1:0")
	c2 := listen(t, n, "127.0.0.1:0")
	p1, p2 := c1.LocalAddr().Port(), c2.LocalAddr().Port()
	if p1 < EphemeralPortFirst || p2 < EphemeralPortFirst || p1 == p2 {
		t.Fatalf("ephemeral ports %d, %d", p1, p2)
	}
	if m := listen(t, n, "[::ffff:127.0.0.9]:7"); m.LocalAddr() != addr("127.0.0.9:7") {
		t.Fatalf("mapped listen: %v", m.LocalAddr())
	}
	tests := []struct {
		addr netip.AddrPort
		err  error
	}{
		{netip.AddrPort{}, transport.ErrInvalidAddr},
		{addr("0.0.0.0:5"), transport.ErrInvalidAddr},
		{addr("[::]:5"), transport.ErrInvalidAddr},
		{c1.LocalAddr(), ErrAddrInUse},
	}
	for _, tt := range tests {
		if _, err := n.Listen(tt.addr); !errors.Is(err, tt.err) {
			t.Errorf("Listen(%v) = %v, want %v", tt.addr, err, tt.err)
		}
	}
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Listen(c1.LocalAddr()); err != nil {
		t.Fatalf("port not freed by Close: %v", err)
	}
}

func TestEphemeralExhaustion(t *testing.T) {
	n := newNet(t, Options{QueueLen: 1})
	for range EphemeralPortLast - EphemeralPortFirst + 1 {
		if _, err := n.Listen(addr("127.0.0.1:0")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.Listen(addr("127.0.0.1:0")); !errors.Is(err, ErrNoFreePort) {
		t.Fatalf("exhausted: %v", err)
	}
	if _, err := n.Listen(addr("127.0.0.2:0")); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

func TestNewInvalid(t *testing.T) {
	for i, opt := range []Options{
		{QueueLen: -1},
		{QueueLen: MaxQueueLen + 1},
		{Faults: Faults{Loss: 0.5}},
		{Rand: seeded(1), Faults: Faults{Loss: 1.5}},
		{Rand: seeded(1), Faults: Faults{Duplicate: -0.1}},
		{Rand: seeded(1), Faults: Faults{Reorder: math.NaN()}},
	} {
		if _, err := New(opt); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("case %d: %v", i, err)
		}
	}
	n := newNet(t, Options{})
	if err := n.SetFaults(addr("127.0.0.1:1"), addr("127.0.0.1:2"), Faults{Loss: 0.1}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("SetFaults without Rand: %v", err)
	}
	if err := n.SetFaults(addr("127.0.0.1:1"), addr("127.0.0.1:2"), Faults{Loss: 2}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("SetFaults out of range: %v", err)
	}
}

func TestWriteErrors(t *testing.T) {
	n := newNet(t, Options{})
	a := listen(t, n, "127.0.0.1:1")
	if err := a.WriteTo(make([]byte, transport.MaxDatagramSize+1), addr("127.0.0.1:2")); !errors.Is(err, transport.ErrTooLarge) {
		t.Errorf("too large: %v", err)
	}
	if err := a.WriteTo(nil, netip.AddrPort{}); !errors.Is(err, transport.ErrInvalidAddr) {
		t.Errorf("invalid: %v", err)
	}
	if err := a.WriteTo(nil, addr("127.0.0.1:0")); !errors.Is(err, transport.ErrInvalidAddr) {
		t.Errorf("port 0: %v", err)
	}
	if err := a.WriteTo([]byte("x"), addr("127.0.0.1:2")); err != nil {
		t.Errorf("no route is silent: %v", err)
	}
	if st := n.Stats(); st.NoRoute != 1 {
		t.Errorf("NoRoute = %d", st.NoRoute)
	}
}

func TestQueueFull(t *testing.T) {
	n := newNet(t, Options{QueueLen: 4})
	a, b := listen(t, n, "127.0.0.1:1"), listen(t, n, "127.0.0.1:2")
	for i := range 10 {
		if err := a.WriteTo([]byte{byte('0' + i)}, b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	if got := recvAll(b); fmt.Sprint(got) != "[0 1 2 3]" {
		t.Fatalf("received %v", got)
	}
	if b.Dropped() != 6 || n.Stats().QueueFull != 6 {
		t.Fatalf("dropped %d, stats %+v", b.Dropped(), n.Stats())
	}
}

func TestCloseUnblocksReaders(t *testing.T) {
	n := newNet(t, Options{})
	c := listen(t, n, "127.0.0.1:1")
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			_, _, err := c.ReadFrom(make([]byte, 10))
			errs <- err
		}()
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := <-errs; !errors.Is(err, transport.ErrClosed) {
			t.Fatalf("reader: %v", err)
		}
	}
	if err := c.Close(); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if err := c.WriteTo([]byte("x"), addr("127.0.0.1:2")); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("WriteTo after Close: %v", err)
	}
	if _, _, err := c.ReadFrom(nil); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("ReadFrom after Close: %v", err)
	}
}

func TestNetworkClose(t *testing.T) {
	n, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := listen(t, n, "127.0.0.1:1")
	n.Close()
	if _, _, err := a.ReadFrom(nil); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("conn of closed network: %v", err)
	}
	if _, err := n.Listen(addr("127.0.0.1:2")); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("Listen on closed network: %v", err)
	}
}

func TestLoss(t *testing.T) {
	tests := []struct {
		p        float64
		min, max int
	}{{0, 2000, 2000}, {1, 0, 0}, {0.3, 1300, 1500}} // 2000 * 0.7 = 1400, ±100 is > 4 sigma
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.p), func(t *testing.T) {
			n := newNet(t, Options{Rand: seeded(7), QueueLen: MaxQueueLen, Faults: Faults{Loss: tt.p}})
			a, b := listen(t, n, "127.0.0.1:1"), listen(t, n, "127.0.0.1:2")
			for range 2000 {
				_ = a.WriteTo([]byte("x"), b.LocalAddr())
			}
			got := len(recvAll(b))
			if got < tt.min || got > tt.max {
				t.Fatalf("%d of 2000 delivered", got)
			}
			if st := n.Stats(); st.Lost != uint64(2000-got) {
				t.Fatalf("Lost = %d", st.Lost)
			}
		})
	}
}

func TestDuplicate(t *testing.T) {
	n := newNet(t, Options{Rand: seeded(1), Faults: Faults{Duplicate: 1}})
	a, b := listen(t, n, "127.0.0.1:1"), listen(t, n, "127.0.0.1:2")
	_ = a.WriteTo([]byte("a"), b.LocalAddr())
	_ = a.WriteTo([]byte("b"), b.LocalAddr())
	if got := recvAll(b); fmt.Sprint(got) != "[a a b b]" {
		t.Fatalf("received %v", got)
	}
	if st := n.Stats(); st.Duplicated != 2 || st.Delivered != 4 {
		t.Fatalf("stats %+v", st)
	}
}

func TestReorder(t *testing.T) {
	n := newNet(t, Options{Rand: seeded(1)})
	a, b := listen(t, n, "127.0.0.1:1"), listen(t, n, "127.0.0.1:2")
	if err := n.SetFaults(a.LocalAddr(), b.LocalAddr(), Faults{Reorder: 1}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"1", "2", "3", "4", "5"} {
		_ = a.WriteTo([]byte(s), b.LocalAddr())
	}
	if got := recvAll(b); fmt.Sprint(got) != "[2 1 4 3]" {
		t.Fatalf("received %v", got)
	}
	n.Flush()
	if got := recvAll(b); fmt.Sprint(got) != "[5]" {
		t.Fatalf("after Flush %v", got)
	}
	// The other direction keeps the default (no faults).
	_ = b.WriteTo([]byte("x"), a.LocalAddr())
	_ = b.WriteTo([]byte("y"), a.LocalAddr())
	if got := recvAll(a); fmt.Sprint(got) != "[x y]" {
		t.Fatalf("reverse direction %v", got)
	}
	if st := n.Stats(); st.Reordered != 3 {
		t.Fatalf("stats %+v", st)
	}
}

func TestReorderDuplicateHeld(t *testing.T) {
	n := newNet(t, Options{Rand: seeded(1), Faults: Faults{Reorder: 1, Duplicate: 1}})
	a, b := listen(t, n, "127.0.0.1:1"), listen(t, n, "127.0.0.1:2")
	_ = a.WriteTo([]byte("1"), b.LocalAddr())
	_ = a.WriteTo([]byte("2"), b.LocalAddr())
	_ = a.WriteTo([]byte("3"), b.LocalAddr())
	n.Block(a.LocalAddr(), b.LocalAddr())
	n.Flush() // the held "3" meets the partition
	if got := recvAll(b); fmt.Sprint(got) != "[2 2 1 1]" {
		t.Fatalf("received %v", got)
	}
	if st := n.Stats(); st.Blocked != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestBlock(t *testing.T) {
	n := newNet(t, Options{})
	a, b, c := listen(t, n, "127.0.0.1:1"), listen(t, n, "127.0.0.2:1"), listen(t, n, "127.0.0.3:1")
	n.Block(a.LocalAddr(), addr("[::ffff:127.0.0.2]:1"))
	_ = a.WriteTo([]byte("ab"), b.LocalAddr())
	_ = b.WriteTo([]byte("ba"), a.LocalAddr())
	_ = a.WriteTo([]byte("ac"), c.LocalAddr())
	if len(recvAll(a)) != 0 || len(recvAll(b)) != 0 || fmt.Sprint(recvAll(c)) != "[ac]" {
		t.Fatal("partition leaked or cut the wrong link")
	}
	n.Unblock(b.LocalAddr(), a.LocalAddr())
	_ = a.WriteTo([]byte("ab"), b.LocalAddr())
	_ = b.WriteTo([]byte("ba"), a.LocalAddr())
	if fmt.Sprint(recvAll(a), recvAll(b)) != "[ba] [ab]" {
		t.Fatal("Unblock did not heal")
	}
	if st := n.Stats(); st.Blocked != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// TestDeterministic runs the same traffic twice with the same seed: same deliveries.
func TestDeterministic(t *testing.T) {
	run := func() []string {
		n := newNet(t, Options{Rand: seeded(42), QueueLen: MaxQueueLen,
			Faults: Faults{Loss: 0.2, Duplicate: 0.2, Reorder: 0.2}})
		a, b := listen(t, n, "127.0.0.1:1"), listen(t, n, "127.0.0.1:2")
		for i := range 500 {
			_ = a.WriteTo([]byte(fmt.Sprint(i)), b.LocalAddr())
		}
		return recvAll(b)
	}
	r1, r2 := run(), run()
	if fmt.Sprint(r1) != fmt.Sprint(r2) {
		t.Fatal("same seed, different deliveries")
	}
	if len(r1) == 500 {
		t.Fatal("faults had no effect")
	}
}

// TestConcurrent writes from many goroutines while readers drain, under the race detector.
func TestConcurrent(t *testing.T) {
	n := newNet(t, Options{Rand: seeded(3), QueueLen: MaxQueueLen, Faults: Faults{Duplicate: 0.1, Reorder: 0.1}})
	dst := listen(t, n, "127.0.0.100:9")
	const writers, each = 4, 200
	var wg sync.WaitGroup
	for w := range writers {
		c := listen(t, n, fmt.Sprintf("127.0.0.%d:9", w+1))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := c.WriteTo([]byte{byte(i)}, dst.LocalAddr()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	// Nothing is lost and the queue is large enough, so at least writers*each datagrams arrive;
	// the reader takes that many while the writers run, the rest (duplicates) is drained after.
	read := make(chan int)
	go func() {
		k := 0
		for ; k < writers*each; k++ {
			if _, _, err := dst.ReadFrom(make([]byte, 4)); err != nil {
				break
			}
		}
		read <- k
	}()
	wg.Wait()
	n.Flush()
	k := <-read
	k += len(recvAll(dst))
	st := n.Stats()
	if st.Sent != writers*each || uint64(k) != st.Delivered || st.Delivered != writers*each+st.Duplicated {
		t.Fatalf("read %d, stats %+v", k, st)
	}
}
