package heal

import (
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// t0 is the start of virtual time.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// stepDur is the virtual time the harness advances per step.
const stepDur = 5 * time.Millisecond

// node is one Core with its Agent.
type node struct {
	core    *mesh.Core
	agent   *Agent
	id      identity.NodeID
	results []mapek.StepResult
}

// testNet wires Cores in memory on virtual time (hop-by-hop encryption is
// the runtime's job, so payloads pass as they are) and runs an Agent per
// node.
type testNet struct {
	tb    testing.TB
	now   time.Time
	nodes []*node
	index map[identity.NodeID]int
	links map[[2]int]bool
	// drop, when set, decides whether the payload from i to j is lost.
	drop func(i, j int, p []byte) bool
}

func newTestNet(tb testing.TB, n int, opt func(i int) Options) *testNet {
	tb.Helper()
	ca, err := identity.NewCA(rand.Reader, "test-ca", 365*24*time.Hour, t0.Add(-24*time.Hour))
	if err != nil {
		tb.Fatal(err)
	}
	v, err := identity.NewVerifier(ca.Cert)
	if err != nil {
		tb.Fatal(err)
	}
	tn := &testNet{tb: tb, now: t0, index: make(map[identity.NodeID]int), links: make(map[[2]int]bool)}
	for i := range n {
		id, err := identity.GenerateIdentity(rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		cert, err := ca.Sign(rand.Reader, id.PublicIdentity(), fmt.Sprintf("node%d", i), nil, t0.Add(-time.Hour), t0.Add(30*24*time.Hour))
		if err != nil {
			tb.Fatal(err)
		}
		cfg := mesh.DefaultConfig()
		cfg.Identity, cfg.Cert, cfg.Verifier = id, cert, v
		var seed [32]byte
		seed[0] = byte(i + 1)
		cfg.Rand = mrand.NewChaCha8(seed)
		cfg.Jitter = mrand.New(mrand.NewPCG(uint64(i)+1, 99))
		c, err := mesh.New(cfg, t0)
		if err != nil {
			tb.Fatal(err)
		}
		var o Options
		if opt != nil {
			o = opt(i)
		}
		a, err := New(c, o)
		if err != nil {
			tb.Fatal(err)
		}
		tn.nodes = append(tn.nodes, &node{core: c, agent: a, id: c.ID()})
		tn.index[c.ID()] = i
	}
	return tn
}

// connect links i and j.
func (tn *testNet) connect(i, j int) {
	tn.tb.Helper()
	tn.links[[2]int{i, j}], tn.links[[2]int{j, i}] = true, true
	for _, p := range [][2]int{{i, j}, {j, i}} {
		if err := tn.nodes[p[0]].core.NeighbourUp(tn.now, tn.nodes[p[1]].id); err != nil {
			tn.tb.Fatal(err)
		}
	}
}

// cut silently breaks the link between i and j (the link layer finds out).
func (tn *testNet) cut(i, j int) {
	delete(tn.links, [2]int{i, j})
	delete(tn.links, [2]int{j, i})
}

// step runs the due timers and Steps, delivers everything, advances time.
func (tn *testNet) step() {
	for _, n := range tn.nodes {
		if !tn.now.Before(n.core.NextDeadline()) {
			n.core.Tick(tn.now)
		}
		n.agent.Observe(n.core.Events())
		if !tn.now.Before(n.agent.NextStep()) {
			n.results = append(n.results, n.agent.Step(tn.now))
		}
	}
	tn.pump()
	tn.now = tn.now.Add(stepDur)
}

// pump delivers payloads until no node has anything more to send.
func (tn *testNet) pump() {
	for range 1000 {
		moved := false
		for i, n := range tn.nodes {
			for _, o := range n.core.Outbox() {
				j, ok := tn.index[o.To]
				if !ok || !tn.links[[2]int{i, j}] || tn.drop != nil && tn.drop(i, j, o.Payload) {
					continue
				}
				moved = true
				_ = tn.nodes[j].core.Receive(tn.now, n.id, o.Payload)
			}
			n.core.Delivered()
			n.agent.Observe(n.core.Events())
		}
		if !moved {
			return
		}
	}
	tn.tb.Fatal("pump did not settle")
}

func (tn *testNet) run(d time.Duration) {
	for end := tn.now.Add(d); tn.now.Before(end); {
		tn.step()
	}
}

// runUntil steps until cond holds, for at most d.
func (tn *testNet) runUntil(d time.Duration, cond func() bool) bool {
	for end := tn.now.Add(d); tn.now.Before(end); {
		if cond() {
			return true
		}
		tn.step()
	}
	return cond()
}

// converged reports whether every node has a route to every other.
func (tn *testNet) converged() bool {
	for i, a := range tn.nodes {
		for j, b := range tn.nodes {
			if i != j {
				if _, ok := a.core.NextHop(b.id); !ok {
					return false
				}
			}
		}
	}
	return true
}

func (tn *testNet) converge() {
	tn.tb.Helper()
	if !tn.runUntil(10*time.Second, tn.converged) {
		tn.tb.Fatal("routes did not converge")
	}
}

// nextHop returns the index of i's next hop to j, or -1.
func (tn *testNet) nextHop(i, j int) int {
	h, ok := tn.nodes[i].core.NextHop(tn.nodes[j].id)
	if !ok {
		return -1
	}
	return tn.index[h]
}

// symptoms counts the symptoms of kind (0: any) node i's results saw.
func (n *node) symptoms(kind mapek.SymptomKind) int {
	c := 0
	for _, r := range n.results {
		for _, s := range r.Symptoms {
			if kind == 0 || s.Kind == kind {
				c++
			}
		}
	}
	return c
}
