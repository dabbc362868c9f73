package obfs

import (
	"bytes"
	"crypto/rand"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/clock"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/memnet"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// epoch is the virtual time tests start at.
var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testKey is the key of the tests and of the fuzz corpus: bytes 1 to 32.
func testKey() Key {
	var k Key
	for i := range k {
		k[i] = byte(i + 1)
	}
	return k
}

// tap is a transport.Conn that records every datagram written through it.
type tap struct {
	transport.Conn
	mu      sync.Mutex
	written [][]byte
}

func (t *tap) WriteTo(b []byte, to netip.AddrPort) error {
	t.mu.Lock()
	t.written = append(t.written, bytes.Clone(b))
	t.mu.Unlock()
	return t.Conn.WriteTo(b, to)
}

func (t *tap) take() [][]byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.written
	t.written = nil
	return w
}

// pair is two obfuscated Conns on an in-memory network, a's writes recorded by wire, and a raw
// Conn ("evil") on the same network that speaks no obfuscation.
type pair struct {
	a, b  *Conn
	wire  *tap
	evil  transport.Conn
	clock *clock.Virtual
}

func newPair(t *testing.T, ca, cb Config) *pair {
	t.Helper()
	n, err := memnet.New(memnet.Options{QueueLen: memnet.MaxQueueLen})
	if err != nil {
		t.Fatal(err)
	}
	listen := func(addr string) transport.Conn {
		c, err := n.Listen(netip.MustParseAddrPort(addr))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	p := &pair{clock: clock.NewVirtual(epoch)}
	p.wire = &tap{Conn: listen("10.0.0.1:1000")}
	for _, cfg := range []*Config{&ca, &cb} {
		if cfg.Key.IsZero() {
			cfg.Key = testKey()
		}
		if cfg.Rand == nil {
			cfg.Rand = rand.Reader
		}
		if cfg.Clock == nil {
			cfg.Clock = p.clock
		}
	}
	if p.a, err = New(p.wire, ca); err != nil {
		t.Fatal(err)
	}
	if p.b, err = New(listen("10.0.0.2:2000"), cb); err != nil {
		t.Fatal(err)
	}
	p.evil = listen("10.0.0.66:6666")
	t.Cleanup(func() {
		p.a.Close()
		p.b.Close()
		p.evil.Close()
	})
	return p
}

// read reads one datagram from c or fails the test after a second.
func read(t *testing.T, c transport.Conn) ([]byte, netip.AddrPort) {
	t.Helper()
	type result struct {
		b    []byte
		from netip.AddrPort
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		b := make([]byte, transport.MaxDatagramSize)
		n, from, err := c.ReadFrom(b)
		ch <- result{b[:n], from, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.b, r.from
	case <-time.After(5 * time.Second):
		t.Fatal("no datagram delivered")
		return nil, netip.AddrPort{}
	}
}

// errReader fails every read after ok successful bytes.
type errReader struct {
	mu sync.Mutex
	ok int
}

var errRandom = errors.New("test: randomness exhausted")

func (r *errReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ok <= 0 {
		return 0, errRandom
	}
	n := min(len(p), r.ok)
	r.ok -= n
	rand.Read(p[:n])
	return n, nil
}

// fixedClock is a clock.Clock that always tells the same time (timers fire at once).
type fixedClock struct{ clock.Clock }

func newFixedClock(t time.Time) fixedClock { return fixedClock{clock.NewVirtual(t)} }
