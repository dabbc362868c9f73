package stream

import (
	crand "crypto/rand"
	"math/rand/v2"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// link connects two Muxes in memory with seeded loss and reordering.
type link struct {
	mu      sync.Mutex
	rng     *rand.Rand
	loss    float64 // probability a datagram is dropped
	reorder float64 // probability a datagram is held back and sent after the next one
	held    map[identity.NodeID][]byte
	muxes   map[identity.NodeID]*Mux
}

func newLink(seed uint64, loss, reorder float64) *link {
	return &link{
		rng:  rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		loss: loss, reorder: reorder,
		held:  make(map[identity.NodeID][]byte),
		muxes: make(map[identity.NodeID]*Mux),
	}
}

func nodeID(b byte) identity.NodeID {
	var id identity.NodeID
	for i := range id {
		id[i] = b
	}
	return id
}

// add creates a Mux for id on the link.
func (l *link) add(id identity.NodeID) *Mux {
	m := NewMux(id, func(to identity.NodeID, p []byte) error { return l.send(id, to, p) })
	l.mu.Lock()
	l.muxes[id] = m
	l.mu.Unlock()
	return m
}

func (l *link) send(from, to identity.NodeID, p []byte) error {
	p = append([]byte(nil), p...) // the sender may reuse p
	l.mu.Lock()
	dst := l.muxes[to]
	if dst == nil {
		l.mu.Unlock()
		return errNoRoute
	}
	if l.loss > 0 && l.rng.Float64() < l.loss {
		l.mu.Unlock()
		return nil
	}
	var out [][]byte
	if l.reorder > 0 && l.held[to] == nil && l.rng.Float64() < l.reorder {
		l.held[to] = p
	} else {
		out = append(out, p)
		if h := l.held[to]; h != nil {
			out = append(out, h)
			delete(l.held, to)
		}
	}
	l.mu.Unlock()
	for _, d := range out {
		dst.Deliver(from, d)
	}
	return nil
}

type testError string

func (e testError) Error() string { return string(e) }

const errNoRoute = testError("no route")

// endpoints starts a QUIC Endpoint on each of two Muxes on l and closes them at cleanup.
func endpoints(t testing.TB, l *link) (a, b *Endpoint) {
	t.Helper()
	a = newEndpoint(t, l.add(nodeID(1)))
	b = newEndpoint(t, l.add(nodeID(2)))
	return a, b
}

func newEndpoint(t testing.TB, m *Mux) *Endpoint {
	t.Helper()
	e, err := NewEndpoint(Config{Mux: m, Rand: crand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}
