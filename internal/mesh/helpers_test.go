package mesh

import (
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// t0 is the start of virtual time in every test.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// stepDur is the virtual time the harness advances per step.
const stepDur = 5 * time.Millisecond

// network is a CA and the certificates of test nodes.
type network struct {
	ca       *identity.CA
	verifier *identity.Verifier
}

func newNetwork(tb testing.TB) *network {
	tb.Helper()
	ca, err := identity.NewCA(rand.Reader, "test-ca", 365*24*time.Hour, t0.Add(-24*time.Hour))
	if err != nil {
		tb.Fatal(err)
	}
	v, err := identity.NewVerifier(ca.Cert)
	if err != nil {
		tb.Fatal(err)
	}
	return &network{ca: ca, verifier: v}
}

// member returns a fresh identity with a certificate of the network.
func (nw *network) member(tb testing.TB, name string) (*identity.PrivateIdentity, *identity.Certificate) {
	tb.Helper()
	id, err := identity.GenerateIdentity(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := nw.ca.Sign(rand.Reader, id.PublicIdentity(), name, nil, t0.Add(-time.Hour), t0.Add(30*24*time.Hour))
	if err != nil {
		tb.Fatal(err)
	}
	return id, cert
}

// seeded returns a deterministic ChaCha8 generator (simulation only).
func seeded(seed uint64) *mrand.ChaCha8 {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	return mrand.NewChaCha8(s)
}

// config returns a Config for a member of nw.
func (nw *network) config(tb testing.TB, name string, seed uint64) Config {
	tb.Helper()
	id, cert := nw.member(tb, name)
	cfg := DefaultConfig()
	cfg.Identity, cfg.Cert, cfg.Verifier = id, cert, nw.verifier
	cfg.Rand = seeded(seed)
	cfg.Jitter = mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return cfg
}

// testNode is one Core in a testNet.
type testNode struct {
	core      *Core
	id        identity.NodeID
	dead      bool
	handled   [][]byte // every payload handed to Receive, when recording
	delivered []Datagram
	errs      []error
}

// testNet connects Cores by direct links on virtual time. Hop-by-hop
// encryption is the runtime's job, so payloads are passed as they are.
type testNet struct {
	tb     testing.TB
	nw     *network
	now    time.Time
	nodes  []*testNode
	index  map[identity.NodeID]int
	links  map[[2]int]bool
	rng    *mrand.Rand
	loss   float64
	record bool
	// latency delays every payload; zero delivers within the same step.
	latency  time.Duration
	inflight []flight
	// intercept, when set, sees every payload from node i to node j and
	// returns what to deliver (nil: nothing).
	intercept func(i, j int, p []byte) []byte
}

// flight is a payload on its way.
type flight struct {
	at   time.Time
	i, j int
	p    []byte
}

// newTestNet returns n nodes with no links; mod, if not nil, adjusts each
// node's Config.
func newTestNet(tb testing.TB, n int, mod func(*Config)) *testNet {
	tb.Helper()
	tn := &testNet{tb: tb, nw: newNetwork(tb), now: t0, index: make(map[identity.NodeID]int),
		links: make(map[[2]int]bool), rng: mrand.New(mrand.NewPCG(7, 11))}
	for i := range n {
		cfg := tn.nw.config(tb, fmt.Sprintf("node%d", i), uint64(i)+1)
		if mod != nil {
			mod(&cfg)
		}
		c, err := New(cfg, t0)
		if err != nil {
			tb.Fatal(err)
		}
		tn.nodes = append(tn.nodes, &testNode{core: c, id: c.ID()})
		tn.index[c.ID()] = i
	}
	return tn
}

// connect links i and j.
func (tn *testNet) connect(i, j int) {
	tn.tb.Helper()
	tn.links[[2]int{i, j}], tn.links[[2]int{j, i}] = true, true
	if err := tn.nodes[i].core.NeighbourUp(tn.now, tn.nodes[j].id); err != nil {
		tn.tb.Fatal(err)
	}
	if err := tn.nodes[j].core.NeighbourUp(tn.now, tn.nodes[i].id); err != nil {
		tn.tb.Fatal(err)
	}
}

// line links 0-1-...-n-1.
func (tn *testNet) line() *testNet {
	for i := 0; i+1 < len(tn.nodes); i++ {
		tn.connect(i, i+1)
	}
	return tn
}

// kill stops node i. With tell, its neighbours get NeighbourDown at once, as
// when the runtime loses the hop-by-hop sessions; without, they find out
// from the link layer.
func (tn *testNet) kill(i int, tell bool) {
	tn.nodes[i].dead = true
	for j := range tn.nodes {
		if tn.links[[2]int{i, j}] && tell {
			tn.nodes[j].core.NeighbourDown(tn.now, tn.nodes[i].id)
		}
	}
}

// step runs the due timers, delivers everything and advances time.
func (tn *testNet) step() {
	for _, n := range tn.nodes {
		if !n.dead && !tn.now.Before(n.core.NextDeadline()) {
			n.core.Tick(tn.now)
		}
	}
	tn.pump()
	tn.now = tn.now.Add(stepDur)
}

// pump collects what the nodes send and delivers every payload due,
// until no node has anything more to send now.
func (tn *testNet) pump() {
	for {
		for i, n := range tn.nodes {
			for _, o := range n.core.Outbox() {
				j, ok := tn.index[o.To]
				if n.dead || !ok || !tn.links[[2]int{i, j}] {
					continue
				}
				if tn.loss > 0 && tn.rng.Float64() < tn.loss {
					continue
				}
				tn.inflight = append(tn.inflight, flight{at: tn.now.Add(tn.latency), i: i, j: j, p: o.Payload})
			}
		}
		var due []flight
		rest := tn.inflight[:0]
		for _, f := range tn.inflight {
			if tn.now.Before(f.at) {
				rest = append(rest, f)
			} else {
				due = append(due, f)
			}
		}
		tn.inflight = rest
		if len(due) == 0 {
			return
		}
		for _, f := range due {
			tn.deliver(f.i, f.j, f.p)
		}
		for _, n := range tn.nodes {
			n.delivered = append(n.delivered, n.core.Delivered()...)
		}
	}
}

// deliver hands p from node i to node j.
func (tn *testNet) deliver(i, j int, p []byte) {
	m := tn.nodes[j]
	if m.dead || tn.nodes[i].dead || !tn.links[[2]int{i, j}] {
		return
	}
	if tn.intercept != nil {
		if p = tn.intercept(i, j, p); p == nil {
			return
		}
	}
	if tn.record {
		m.handled = append(m.handled, slices.Clone(p))
	}
	if err := m.core.Receive(tn.now, tn.nodes[i].id, p); err != nil {
		m.errs = append(m.errs, err)
	}
}

// run steps for d of virtual time.
func (tn *testNet) run(d time.Duration) {
	for end := tn.now.Add(d); tn.now.Before(end); {
		tn.step()
	}
}

// runUntil steps until cond holds, for at most d; it reports whether cond
// held.
func (tn *testNet) runUntil(d time.Duration, cond func() bool) bool {
	for end := tn.now.Add(d); tn.now.Before(end); {
		if cond() {
			return true
		}
		tn.step()
	}
	return cond()
}

// converged reports whether every live node has a route to every other.
func (tn *testNet) converged() bool {
	for i, a := range tn.nodes {
		for j, b := range tn.nodes {
			if i == j || a.dead || b.dead {
				continue
			}
			if _, ok := a.core.NextHop(b.id); !ok {
				return false
			}
		}
	}
	return true
}

// converge runs until converged, or fails.
func (tn *testNet) converge() {
	tn.tb.Helper()
	if !tn.runUntil(10*time.Second, tn.converged) {
		tn.tb.Fatal("routes did not converge in 10 s of virtual time")
	}
}

// wantErr fails unless err wraps want.
func wantErr(tb testing.TB, err, want error) {
	tb.Helper()
	if !errors.Is(err, want) {
		tb.Fatalf("error %v, want %v", err, want)
	}
}
