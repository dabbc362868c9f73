package fault

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

// recorder is a transport.Conn that records when each datagram was written.
type recorder struct {
	got    chan time.Time
	closed bool
}

func (r *recorder) ReadFrom([]byte) (int, netip.AddrPort, error) {
	return 0, netip.AddrPort{}, transport.ErrClosed
}
func (r *recorder) WriteTo([]byte, netip.AddrPort) error {
	if r.closed {
		return transport.ErrClosed
	}
	select {
	case r.got <- time.Now():
	default:
	}
	return nil
}
func (r *recorder) LocalAddr() netip.AddrPort { return netip.MustParseAddrPort("127.0.0.1:1") }
func (r *recorder) Close() error              { r.closed = true; return nil }

var dst = netip.MustParseAddrPort("127.0.0.1:2")

func TestDelay(t *testing.T) {
	rec := &recorder{got: make(chan time.Time, 16)}
	c := Wrap(rec, rand.New(rand.NewPCG(1, 2)))
	const d = 50 * time.Millisecond
	c.SetDelay(d)
	start := time.Now()
	if err := c.WriteTo([]byte("x"), dst); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > d/2 {
		t.Fatalf("WriteTo blocked for %v", took)
	}
	select {
	case at := <-rec.got:
		if at.Sub(start) < d {
			t.Fatalf("sent after %v, want at least %v", at.Sub(start), d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("delayed datagram never sent")
	}
	// Back to no delay: sent at once, synchronously.
	c.SetDelay(0)
	if err := c.WriteTo([]byte("y"), dst); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rec.got:
	default:
		t.Fatal("undelayed datagram not sent synchronously")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteTo([]byte("z"), dst); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("WriteTo after Close = %v", err)
	}
	c.SetDelay(d) // after Close: no goroutine is started (goleak checks)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestDelayQueueBounded(t *testing.T) {
	tests := []struct {
		name      string
		size, n   int
		wantDrops uint64
	}{
		{"datagrams", 1, MaxDelayedDatagrams + 10, 10},
		{"bytes", transport.MaxDatagramSize, MaxDelayedBytes/transport.MaxDatagramSize + 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{got: make(chan time.Time)}
			c := Wrap(rec, rand.New(rand.NewPCG(1, 2)))
			c.SetDelay(time.Hour) // clamped to MaxDelay: nothing leaves during the test
			b := make([]byte, tt.size)
			for range tt.n {
				if err := c.WriteTo(b, dst); err != nil {
					t.Fatal(err)
				}
			}
			if got := c.QueueDrops(); got != tt.wantDrops {
				t.Fatalf("queue drops = %d, want %d", got, tt.wantDrops)
			}
			c.mu.Lock()
			held := c.queuedBytes
			c.mu.Unlock()
			if held > MaxDelayedBytes {
				t.Fatalf("queue holds %d bytes, over %d", held, MaxDelayedBytes)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWriteTooLarge(t *testing.T) {
	c := Wrap(&recorder{got: make(chan time.Time, 1)}, rand.New(rand.NewPCG(1, 2)))
	if err := c.WriteTo(make([]byte, transport.MaxDatagramSize+1), dst); !errors.Is(err, transport.ErrTooLarge) {
		t.Fatalf("WriteTo = %v, want ErrTooLarge", err)
	}
}

func TestLossAll(t *testing.T) {
	rec := &recorder{got: make(chan time.Time, 4096)}
	c := Wrap(rec, rand.New(rand.NewPCG(1, 2)))
	other := netip.MustParseAddrPort("127.0.0.1:3")
	c.SetLossAll(1)
	c.SetLoss(other, 0.5) // a rule of its own wins over SetLossAll
	const n = 1000
	for range n {
		_ = c.WriteTo([]byte("x"), dst)
		_ = c.WriteTo([]byte("x"), other)
	}
	if st := c.Stats(); st.DroppedOut < n+n/2-100 || st.DroppedOut > n+n/2+100 {
		t.Fatalf("dropped %d of %d, want about %d", st.DroppedOut, 2*n, n+n/2)
	}
	for _, p := range []float64{0.5, -1, 2} {
		c.SetLossAll(p)
	}
	c.Clear()
	before := c.Stats().DroppedOut
	_ = c.WriteTo([]byte("x"), dst)
	if c.Stats().DroppedOut != before {
		t.Fatal("Clear kept the loss towards every address")
	}
}
