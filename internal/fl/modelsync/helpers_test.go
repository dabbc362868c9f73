package modelsync

import (
	"context"
	"errors"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/registry"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

var t0 = time.Now().Truncate(time.Second)

// testNet is a CA, a coordinator and a Verifier trusting the CA; keys come from a seeded stream.
type testNet struct {
	coord  *identity.PrivateIdentity
	cert   *identity.Certificate
	verify *registry.Verifier
}

func newNet(t testing.TB, seed byte) *testNet {
	t.Helper()
	rnd := mrand.NewChaCha8([32]byte{seed})
	ca, err := identity.NewCA(rnd, "test-ca", 24*time.Hour, t0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	n := &testNet{}
	if n.coord, err = identity.GenerateIdentity(rnd); err != nil {
		t.Fatal(err)
	}
	if n.cert, err = ca.Sign(rnd, n.coord.PublicIdentity(), "coord", nil, t0.Add(-time.Hour), t0.Add(23*time.Hour)); err != nil {
		t.Fatal(err)
	}
	v, err := identity.NewVerifier(ca.Cert)
	if err != nil {
		t.Fatal(err)
	}
	n.verify = &registry.Verifier{Identity: v}
	return n
}

// chain signs rounds 1..k, each the parent of the next.
func (n *testNet) chain(t testing.TB, k int) []*registry.Record {
	t.Helper()
	var out []*registry.Record
	var parent registry.ID
	for i := 1; i <= k; i++ {
		r, err := registry.Sign(registry.Params{Kind: "meshdetect/v1", Payload: []byte{byte(i), 'm', 'o', 'd', 'e', 'l'},
			Parent: parent, Round: uint64(i), Strategy: "fedavg", Created: t0}, n.coord.Signing, n.cert)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
		parent = r.ID
	}
	return out
}

func openStore(t testing.TB) *registry.Store {
	t.Helper()
	s, err := registry.Open(filepath.Join(t.TempDir(), "models.db"), registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// pipeListener is a net.Listener over net.Pipe connections.
type pipeListener struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial hands the server end of a new pipe to Accept.
func (l *pipeListener) dial(ctx context.Context) (net.Conn, error) {
	c, s := net.Pipe()
	select {
	case l.ch <- s:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// peer is a node serving a store over pipes.
type peer struct {
	store *registry.Store
	l     *pipeListener
}

// serve serves store until the test ends.
func serve(t *testing.T, store *registry.Store) *peer {
	t.Helper()
	p := &peer{store: store, l: newPipeListener()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, p.l, store, slog.New(slog.DiscardHandler)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return p
}

// syncer returns a Syncer of store whose neighbours are peers, keyed by node ID.
func syncer(t *testing.T, store *registry.Store, v *registry.Verifier, peers map[identity.NodeID]*peer, inbox string) *Syncer {
	t.Helper()
	s, err := New(Config{
		Store: store,
		Accept: func(r *registry.Record, _ string) error {
			_, err := store.Accept(r, v, time.Now())
			return err
		},
		Dial: func(ctx context.Context, to identity.NodeID) (net.Conn, error) {
			p := peers[to]
			if p == nil {
				return nil, errors.New("no route")
			}
			return p.l.dial(ctx)
		},
		Neighbours: func() []identity.NodeID {
			var out []identity.NodeID
			for id := range peers {
				out = append(out, id)
			}
			return out
		},
		Interval: MinInterval,
		Inbox:    inbox,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func accept(t *testing.T, s *registry.Store, v *registry.Verifier, rs ...*registry.Record) {
	t.Helper()
	for _, r := range rs {
		if _, err := s.Accept(r, v, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
}

func nodeID(b byte) identity.NodeID { return identity.NodeID{b, 1} }
