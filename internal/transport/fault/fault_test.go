package fault

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/memnet"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func pair(t *testing.T) (*Conn, transport.Conn, *memnet.Network) {
	t.Helper()
	nw, err := memnet.New(memnet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := nw.Listen(netip.MustParseAddrPort("127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := nw.Listen(netip.MustParseAddrPort("127.0.0.1:2"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close(); nw.Close() })
	return Wrap(a, rand.New(rand.NewPCG(1, 2))), b, nw
}

// received counts datagrams c reads within a short time.
func received(t *testing.T, c transport.Conn, want int) int {
	t.Helper()
	got := make(chan int)
	go func() {
		n := 0
		buf := make([]byte, 64)
		for n < want {
			if _, _, err := c.ReadFrom(buf); err != nil {
				break
			}
			n++
		}
		got <- n
	}()
	select {
	case n := <-got:
		return n
	case <-time.After(300 * time.Millisecond):
		c.Close() // unblock the reader
		return <-got
	}
}

func TestBlackholeBothWays(t *testing.T) {
	a, b, _ := pair(t)
	a.Blackhole(b.LocalAddr())
	for range 10 {
		if err := a.WriteTo([]byte("x"), b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		if err := b.WriteTo([]byte("y"), a.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	if n := received(t, b, 10); n != 0 {
		t.Fatalf("b received %d through a blackhole", n)
	}
	if n := received(t, a, 10); n != 0 {
		t.Fatalf("a received %d through a blackhole", n)
	}
	if st := a.Stats(); st.DroppedOut != 10 || st.DroppedIn != 10 {
		t.Fatalf("stats %+v", st)
	}
	if a.LocalAddr() != netip.MustParseAddrPort("127.0.0.1:1") {
		t.Fatalf("LocalAddr = %v", a.LocalAddr())
	}
	// After Clear, traffic flows again (a fresh pair: received closed the others).
	a2, b2, _ := pair(t)
	a2.Blackhole(b2.LocalAddr())
	a2.Clear()
	if err := a2.WriteTo([]byte("z"), b2.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if n := received(t, b2, 1); n != 1 {
		t.Fatal("datagram lost after Clear")
	}
}

func TestLossAndClear(t *testing.T) {
	a, b, _ := pair(t)
	const n = 2000
	for _, tt := range []struct {
		p    float64
		want float64
	}{{0.25, 0.25}, {0, 0}, {math.NaN(), 0}, {2, 1}} {
		a.Clear()
		a.SetLoss(b.LocalAddr(), tt.p)
		before := a.Stats().DroppedOut
		for range n {
			_ = a.WriteTo([]byte("x"), b.LocalAddr())
		}
		got := float64(a.Stats().DroppedOut-before) / n
		if math.Abs(got-tt.want) > 0.05 {
			t.Errorf("loss %v: dropped %.3f, want about %v", tt.p, got, tt.want)
		}
	}
}
