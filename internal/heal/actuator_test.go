package heal

import (
	"errors"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// TestRaiseCostAndUndo: in a triangle, raising the cost of the direct link
// 0-2 moves 0's route to 2 through 1; Undo moves it back.
func TestRaiseCostAndUndo(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.connect(0, 1)
	tn.connect(1, 2)
	tn.connect(0, 2)
	tn.converge()
	tn.run(2 * time.Second)
	if h := tn.nextHop(0, 2); h != 2 {
		t.Fatalf("next hop to 2 is %d before, want 2", h)
	}
	act := &tn.nodes[0].agent.act
	act.now = tn.now
	peer := tn.nodes[2].id
	if err := act.RaiseLinkCost(peer, mapek.RaiseCostFactor); err != nil {
		t.Fatal(err)
	}
	if f := tn.nodes[0].core.CostFactor(peer); f != mapek.RaiseCostFactor {
		t.Errorf("factor %v", f)
	}
	tn.pump()
	if h := tn.nextHop(0, 2); h != 1 {
		t.Errorf("next hop to 2 is %d after raising the cost, want 1", h)
	}
	for range 3 { // saturates at MaxCostFactor
		if err := act.RaiseLinkCost(peer, mapek.RaiseCostFactor); err != nil {
			t.Fatal(err)
		}
	}
	if f := tn.nodes[0].core.CostFactor(peer); f != mesh.MaxCostFactor {
		t.Errorf("factor %v, want the cap %v", f, mesh.MaxCostFactor)
	}
	for range 4 {
		if err := act.Undo(mapek.Action{Kind: mapek.ActionRaiseCost, Subject: peer}); err != nil {
			t.Fatal(err)
		}
	}
	if f := tn.nodes[0].core.CostFactor(peer); f != 1 {
		t.Errorf("factor %v after undo, want 1", f)
	}
	tn.pump()
	tn.run(time.Second)
	if h := tn.nextHop(0, 2); h != 2 {
		t.Errorf("next hop to 2 is %d after undo, want 2", h)
	}
}

// TestQuarantineAndUndo: in a square 0-1-2-3-0, quarantining 0's next hop
// to 2 moves the route to the other side; the quarantined neighbour stays
// reachable directly; Undo restores the route. In a line, the quarantined
// relay stays in use as the only route.
func TestQuarantineAndUndo(t *testing.T) {
	tn := newTestNet(t, 4, nil)
	tn.connect(0, 1)
	tn.connect(1, 2)
	tn.connect(2, 3)
	tn.connect(3, 0)
	tn.converge()
	tn.run(2 * time.Second)
	relay := tn.nextHop(0, 2)
	other := 4 - relay // 1 <-> 3
	act := &tn.nodes[0].agent.act
	act.now = tn.now
	if err := act.Quarantine(tn.nodes[relay].id); err != nil {
		t.Fatal(err)
	}
	tn.pump()
	if h := tn.nextHop(0, 2); h != other {
		t.Errorf("next hop to 2 is %d after quarantining %d, want %d", h, relay, other)
	}
	if h := tn.nextHop(0, relay); h != relay {
		t.Errorf("next hop to the quarantined %d is %d", relay, h)
	}
	// The others learn the penalty too: 2 no longer routes to 0 through the relay.
	tn.run(time.Second)
	if h := tn.nextHop(2, 0); h != other {
		t.Errorf("2's next hop to 0 is %d, want %d", h, other)
	}
	if err := act.Undo(mapek.Action{Kind: mapek.ActionQuarantine, Subject: tn.nodes[relay].id}); err != nil {
		t.Fatal(err)
	}
	tn.run(20 * time.Second) // hysteresis may keep the equal route; both are fine
	if tn.nodes[0].core.Quarantined(tn.nodes[relay].id) {
		t.Error("still quarantined after undo")
	}

	// Line: no other route.
	ln := newTestNet(t, 3, nil)
	ln.connect(0, 1)
	ln.connect(1, 2)
	ln.converge()
	a := &ln.nodes[0].agent.act
	a.now = ln.now
	if err := a.Quarantine(ln.nodes[1].id); err != nil {
		t.Fatal(err)
	}
	ln.run(time.Second)
	if h := ln.nextHop(0, 2); h != 1 {
		t.Errorf("line: next hop %d, want the quarantined relay as last resort", h)
	}
}

// TestActuatorErrors covers the actions the Core cannot perform and the
// irreversible ones.
func TestActuatorErrors(t *testing.T) {
	var spares, restarted, underLoad int
	tn := newTestNet(t, 2, func(i int) Options {
		if i == 1 {
			return Options{
				Spares:             func(n int) error { spares += n; return nil },
				RestartLink:        func(p identity.NodeID) error { restarted++; return nil },
				HandshakeUnderLoad: func(on bool) { underLoad++ },
			}
		}
		return Options{}
	})
	tn.connect(0, 1)
	tn.converge()
	x0, x1 := &tn.nodes[0].agent.act, &tn.nodes[1].agent.act
	x0.now, x1.now = tn.now, tn.now
	stranger := tn.nodes[0].id
	stranger[0] ^= 0xff
	nb := tn.nodes[1].id
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"spares without dialler", x0.ConnectSpares(2), ErrUnsupported},
		{"spares", x1.ConnectSpares(2), nil},
		{"switch transport", x0.SwitchTransport(nb), ErrUnsupported},
		{"raise cost of stranger", x0.RaiseLinkCost(stranger, 4), mesh.ErrUnknownNeighbour},
		{"quarantine stranger", x0.Quarantine(stranger), mesh.ErrUnknownNeighbour},
		{"rekey stranger", x0.Rekey(stranger), mesh.ErrNoPeer},
		{"rekey all", x0.Rekey(mapek.LocalNode()), nil},
		{"rate limit 0", x0.RateLimitHandshakes(0), ErrUnsupported},
		{"rate limit", x0.RateLimitHandshakes(mapek.HandshakeRateLimit), nil},
		{"rate limit with hook", x1.RateLimitHandshakes(mapek.HandshakeRateLimit), nil},
		{"restart handshake", x0.Restart(mapek.SubsystemHandshake, nb), ErrUnsupported},
		{"restart routing", x0.Restart(mapek.SubsystemRouting, nb), nil},
		{"restart link", x0.Restart(mapek.SubsystemLink, nb), nil},
		{"restart link of stranger", x0.Restart(mapek.SubsystemLink, stranger), mesh.ErrUnknownNeighbour},
		{"restart link with hook", x1.Restart(mapek.SubsystemLink, stranger), nil},
		{"undo rekey", x0.Undo(mapek.Action{Kind: mapek.ActionRekey}), ErrNotReversible},
		{"undo restart", x0.Undo(mapek.Action{Kind: mapek.ActionRestart}), ErrNotReversible},
		{"undo spares", x0.Undo(mapek.Action{Kind: mapek.ActionConnectSpares}), ErrNotReversible},
		{"undo rate limit", x1.Undo(mapek.Action{Kind: mapek.ActionRateLimitHandshakes}), nil},
		{"undo raise cost of stranger", x0.Undo(mapek.Action{Kind: mapek.ActionRaiseCost, Subject: stranger}), mesh.ErrUnknownNeighbour},
		{"undo quarantine of stranger", x0.Undo(mapek.Action{Kind: mapek.ActionQuarantine, Subject: stranger}), mesh.ErrUnknownNeighbour},
	} {
		if tc.want == nil && tc.err != nil || tc.want != nil && !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	if spares != 2 || restarted != 1 || underLoad != 2 {
		t.Errorf("hooks called: spares %d, restart %d, under load %d", spares, restarted, underLoad)
	}
	if !tn.nodes[0].core.HandshakeUnderLoad() || tn.nodes[1].core.HandshakeUnderLoad() {
		t.Error("under-load state wrong after rate limit and undo")
	}
}
