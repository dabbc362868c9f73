package mesh

import (
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// relayLine is a line 0-1-...-n-1 on virtual time in which node 0 keeps
// sessions with every node from 2 on, sends them a datagram and probes them
// every 100 ms (as the self-healing loop does), and node hole drops every
// `drop` of `of` transit packets it forwards (not its own, nor those for
// itself) at random once the sessions are up.
type relayLine struct {
	tn    *testNet
	dests []identity.NodeID
}

func newRelayLine(t *testing.T, n, hole, drop, of int) *relayLine {
	t.Helper()
	tn := newTestNet(t, n, nil).line()
	tn.converge()
	rl := &relayLine{tn: tn}
	a := tn.nodes[0].core
	for i := 2; i < n; i++ {
		rl.dests = append(rl.dests, tn.nodes[i].id)
		if err := a.Send(tn.now, tn.nodes[i].id, []byte("hello")); err != nil {
			t.Fatal(err)
		}
	}
	tn.run(time.Second)
	if got := a.Stats().Sessions; got != n-2 {
		t.Fatalf("%d sessions, want %d", got, n-2)
	}
	if hole < 0 {
		return rl
	}
	holeID := tn.nodes[hole].id
	rng := mrand.New(mrand.NewPCG(uint64(hole), 3))
	tn.intercept = func(i, j int, p []byte) []byte {
		if i != hole || p[0] != KindPacket {
			return p
		}
		h, _, err := DecodeHeader(p)
		if err != nil || h.Src == holeID || h.Dst == holeID {
			return p
		}
		if rng.IntN(of) < drop {
			return nil
		}
		return p
	}
	return rl
}

// run sends and probes for d.
func (rl *relayLine) run(d time.Duration) {
	tn := rl.tn
	a := tn.nodes[0].core
	for end := tn.now.Add(d); tn.now.Before(end); {
		for _, id := range rl.dests {
			_ = a.Send(tn.now, id, []byte("data")) // losses are the point
		}
		a.Probe(tn.now)
		tn.run(100 * time.Millisecond)
	}
}

// TestRelayDests: the per-destination counts of node 0's next hop tell an
// adjacent blackhole or grayhole (every destination beyond it fails) from
// one two hops away (the next hop's destinations up to the culprit still
// answer).
func TestRelayDests(t *testing.T) {
	for _, tc := range []struct {
		name          string
		hole          int // -1: none
		drop, of      int
		dests, failed int
	}{
		{"healthy", -1, 0, 1, 4, 0},
		{"adjacent blackhole", 1, 1, 1, 4, 4},
		{"adjacent grayhole", 1, 1, 2, 4, 4},
		{"blackhole two hops away", 2, 1, 1, 4, 3},
		{"blackhole three hops away", 3, 1, 1, 4, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rl := newRelayLine(t, 6, tc.hole, tc.drop, tc.of)
			rl.run(3 * time.Second)
			a := rl.tn.nodes[0].core
			rs := a.Relays()
			if len(rs) != 1 || rs[0].ID != rl.tn.nodes[1].id {
				t.Fatalf("relays %+v, want node 1 only", rs)
			}
			if rs[0].Dests != tc.dests || rs[0].FailingDests != tc.failed {
				t.Errorf("dests %d failing %d, want %d and %d (%+v)", rs[0].Dests, rs[0].FailingDests, tc.dests, tc.failed, rs[0])
			}
			// The counts of a destination not probed for DestActiveWindow
			// are not reported; its entry goes with the peer.
			a.Probe(rl.tn.now.Add(DestActiveWindow))
			if rs := a.Relays(); rs[0].Dests != 0 || rs[0].FailingDests != 0 {
				t.Errorf("stale destinations counted: %+v", rs[0])
			}
			if len(a.heal.dests) != len(rl.dests) {
				t.Errorf("%d destination entries, want %d", len(a.heal.dests), len(rl.dests))
			}
			a.forget(a.peers[rl.dests[0]])
			a.Probe(rl.tn.now)
			if _, ok := a.heal.dests[rl.dests[0]]; ok || len(a.heal.dests) != len(rl.dests)-1 {
				t.Errorf("forgotten peer's entry kept: %d entries", len(a.heal.dests))
			}
			a.NeighbourDown(rl.tn.now, rl.tn.nodes[1].id)
			if len(a.heal.dests) != 0 {
				t.Errorf("%d destination entries kept after NeighbourDown of their next hop", len(a.heal.dests))
			}
		})
	}
}

// TestDestJudge: when a destination is judged and failing.
func TestDestJudge(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		sent, answered, miss uint32
		judged, failing      bool
	}{
		{"empty", 0, 0, 0, false, false},
		{"too few", DestMinProbes - 1, DestMinProbes - 1, 0, false, false},
		{"too few once in flight excused", DestMinProbes + 1, DestMinProbes - 1, 2, false, false},
		{"all answered", DestMinProbes, DestMinProbes, 0, true, false},
		{"answered but two in flight", 20, 18, 2, true, false},
		{"at the ratio", 10, 9, 0, true, false},
		{"below the ratio", 10, 8, 0, true, true},
		{"silent", 20, 0, 20, true, true},
		{"just gone silent", DestWindow, DestWindow - 6, 6, true, true},
		{"one lost and one in flight", DestWindow, DestWindow - 2, 1, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := destCount{sent: tc.sent, answered: tc.answered, miss: tc.miss}
			judged, failing := d.judge()
			if judged != tc.judged || failing != tc.failing {
				t.Errorf("judge() = %v, %v, want %v, %v", judged, failing, tc.judged, tc.failing)
			}
		})
	}
}

// TestDestWindow: the window halves when full, a change of next hop starts
// it afresh, and answers never exceed messages.
func TestDestWindow(t *testing.T) {
	tn := newTestNet(t, 3, nil).line()
	tn.converge()
	a, dst := tn.nodes[0].core, tn.nodes[2].id
	if err := a.Send(tn.now, dst, []byte("x")); err != nil {
		t.Fatal(err)
	}
	tn.run(time.Second)
	p := a.peers[dst]
	d := a.heal.dests[dst]
	if d == nil || d.hop != tn.nodes[1].id || d.sent != 1 || d.answered != 1 {
		t.Fatalf("after the handshake: %+v", d)
	}
	for range DestWindow {
		a.countRelayed(p)
	}
	if d.sent != DestWindow/2+1 || d.answered != 0 || d.miss != DestWindow {
		t.Errorf("after a full window: %+v", d)
	}
	d.hop = identity.NodeID{1}
	a.countRelayed(p)
	if d.hop != tn.nodes[1].id || d.sent != 1 || d.answered != 0 || d.miss != 1 {
		t.Errorf("after a change of next hop: %+v", d)
	}
	p.outstanding = 2
	a.countConfirmed(p)
	a.countConfirmed(p)
	if d.answered != 1 || d.miss != 0 {
		t.Errorf("answers beyond the messages credited: %+v", d)
	}
}

// RelayLine exposes relayLine to the external tests (relayblame_test.go),
// which drive a mapek.Loop (mapek imports this package).
type RelayLine struct{ rl *relayLine }

// NewRelayLine returns a line of n Cores whose node hole drops drop of
// every of transit packets it forwards once node 0 has sessions with nodes
// 2 to n-1 (hole -1: none).
func NewRelayLine(t *testing.T, n, hole, drop, of int) *RelayLine {
	t.Helper()
	return &RelayLine{newRelayLine(t, n, hole, drop, of)}
}

// Core returns node i's Core.
func (l *RelayLine) Core(i int) *Core { return l.rl.tn.nodes[i].core }

// Now returns the virtual time.
func (l *RelayLine) Now() time.Time { return l.rl.tn.now }

// Run has node 0 send to and probe its destinations for d.
func (l *RelayLine) Run(d time.Duration) { l.rl.run(d) }
