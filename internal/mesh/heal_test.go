package mesh

import (
	"math"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/link"
)

// TestCostFactor checks SetCostFactor's bounds and its effect on routes.
func TestCostFactor(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.connect(0, 1)
	tn.connect(1, 2)
	tn.connect(0, 2)
	tn.converge()
	c := tn.nodes[0].core
	id2 := tn.nodes[2].id
	for _, tc := range []struct {
		id     identity.NodeID
		factor float64
		want   error
	}{
		{id2, 0.5, ErrInvalidCostFactor},
		{id2, math.NaN(), ErrInvalidCostFactor},
		{id2, MaxCostFactor + 1, ErrInvalidCostFactor},
		{identity.NodeID{1}, 2, ErrUnknownNeighbour},
		{id2, 8, nil},
	} {
		err := c.SetCostFactor(tn.now, tc.id, tc.factor)
		if tc.want == nil && err != nil {
			t.Fatal(err)
		}
		if tc.want != nil {
			wantErr(t, err, tc.want)
		}
	}
	tn.pump()
	if h, _ := c.NextHop(id2); h != tn.nodes[1].id {
		t.Error("route to 2 not moved through 1")
	}
	if c.CostFactor(id2) != 8 || c.effectiveCost(id2, link.CostInfinity) != link.CostInfinity ||
		c.effectiveCost(id2, link.MaxCost) != link.MaxCost {
		t.Error("effective cost")
	}
	// A link flap keeps the factor.
	tn.nodes[2].dead = true
	tn.run(time.Second)
	tn.nodes[2].dead = false
	tn.converge()
	tn.run(time.Second)
	if h, _ := c.NextHop(id2); h != tn.nodes[1].id || c.CostFactor(id2) != 8 {
		t.Error("factor lost across a link flap")
	}
	if err := c.SetCostFactor(tn.now, id2, 1); err != nil {
		t.Fatal(err)
	}
	tn.run(time.Second)
	if h, _ := c.NextHop(id2); h != id2 {
		t.Error("route to 2 not restored")
	}
	// NeighbourDown forgets it.
	_ = c.SetCostFactor(tn.now, id2, 2)
	c.NeighbourDown(tn.now, id2)
	if c.CostFactor(id2) != 1 {
		t.Error("factor kept after NeighbourDown")
	}
}

// TestQuarantine checks the routes through a quarantined neighbour.
func TestQuarantine(t *testing.T) {
	tn := newTestNet(t, 4, nil)
	tn.connect(0, 1)
	tn.connect(1, 2)
	tn.connect(2, 3)
	tn.connect(3, 0)
	tn.converge()
	c := tn.nodes[0].core
	h, _ := c.NextHop(tn.nodes[2].id)
	relay := tn.index[h]
	wantErr(t, c.Quarantine(tn.now, identity.NodeID{1}, true), ErrUnknownNeighbour)
	if err := c.Quarantine(tn.now, h, true); err != nil {
		t.Fatal(err)
	}
	tn.pump()
	if got, _ := c.NextHop(tn.nodes[2].id); got == h || !c.Quarantined(h) {
		t.Errorf("still routing to 2 through the quarantined %d", relay)
	}
	if got, _ := c.NextHop(h); got != h {
		t.Error("quarantined neighbour not reachable directly")
	}
	if err := c.Quarantine(tn.now, h, false); err != nil || c.Quarantined(h) {
		t.Fatal(err)
	}
	_ = c.Quarantine(tn.now, h, true)
	c.NeighbourDown(tn.now, h)
	if c.Quarantined(h) {
		t.Error("quarantine kept after NeighbourDown")
	}
}

// TestRekeyResetResync covers Rekey, ResetNeighbour, ResyncRoutes and the
// handshake load switch.
func TestRekeyResetResync(t *testing.T) {
	tn := newTestNet(t, 3, nil).line()
	tn.converge()
	a, dst := tn.nodes[0].core, tn.nodes[2].id
	if err := a.Send(tn.now, dst, []byte("x")); err != nil {
		t.Fatal(err)
	}
	tn.run(time.Second)
	est := a.Stats().SessionsEstablished
	if err := a.Rekey(tn.now, dst); err != nil {
		t.Fatal(err)
	}
	tn.run(time.Second)
	if a.Stats().SessionsEstablished <= est {
		t.Error("no new session after Rekey")
	}
	est = a.Stats().SessionsEstablished
	if err := a.Rekey(tn.now, identity.NodeID{}); err != nil {
		t.Fatal(err)
	}
	tn.run(time.Second)
	if a.Stats().SessionsEstablished <= est {
		t.Error("no new session after Rekey of all")
	}
	wantErr(t, a.Rekey(tn.now, identity.NodeID{9}), ErrNoPeer)

	wantErr(t, a.ResetNeighbour(tn.now, identity.NodeID{9}), ErrUnknownNeighbour)
	if err := a.ResetNeighbour(tn.now, tn.nodes[1].id); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.NextHop(dst); ok {
		t.Error("routes kept across ResetNeighbour")
	}
	tn.converge()
	seq := a.router.Seqno()
	a.ResyncRoutes(tn.now)
	tn.pump()
	if a.router.Seqno() == seq {
		t.Error("seqno not bumped by ResyncRoutes")
	}
	if _, ok := a.NextHop(dst); !ok {
		t.Error("route lost by ResyncRoutes")
	}
	a.SetHandshakeUnderLoad(true)
	if !a.HandshakeUnderLoad() {
		t.Error("under load not set")
	}
	a.SetHandshakeUnderLoad(false)
}

// TestRelayAccounting checks the echo probes and the relay counters on a
// line, with and without a relay that drops the probes.
func TestRelayAccounting(t *testing.T) {
	tn := newTestNet(t, 3, nil).line()
	tn.converge()
	a, dst, relay := tn.nodes[0].core, tn.nodes[2].id, tn.nodes[1].id
	if err := a.Send(tn.now, dst, []byte("x")); err != nil {
		t.Fatal(err)
	}
	tn.run(time.Second)
	if n := a.Probe(tn.now); n != 1 {
		t.Fatalf("Probe sent %d, want 1", n)
	}
	tn.pump()
	rs := a.Relays()
	if len(rs) != 1 || rs[0].ID != relay || rs[0].Relayed != 2 || rs[0].Confirmed != 2 {
		t.Fatalf("relays %+v, want the handshake and the echo relayed and confirmed", rs)
	}
	// The relay drops everything from 0 to 2 now.
	tn.intercept = func(i, j int, p []byte) []byte {
		if i == 1 && j == 2 {
			return nil
		}
		return p
	}
	for range 5 {
		a.Probe(tn.now)
		tn.pump()
	}
	rs = a.Relays()
	if rs[0].Relayed != 7 || rs[0].Confirmed != 2 {
		t.Errorf("relays %+v, want 7 relayed, 2 confirmed", rs)
	}
	// Malformed echo and an unsolicited reply.
	p := a.peers[dst]
	if err := a.receiveEcho(tn.now, p, []byte{InnerEchoReply}); err == nil {
		t.Error("short echo accepted")
	}
	p.outstanding = 0
	reply := make([]byte, 1+EchoDataSize)
	reply[0] = InnerEchoReply
	if err := a.receiveEcho(tn.now, p, reply); err != nil || a.Relays()[0].Confirmed != 2 {
		t.Error("unsolicited reply credited")
	}
	// Idle peers are not probed; NeighbourDown forgets the counters.
	if n := a.Probe(tn.now.Add(ProbeActiveWindow)); n != 0 {
		t.Errorf("probed %d idle peers", n)
	}
	a.NeighbourDown(tn.now, relay)
	if len(a.Relays()) != 0 {
		t.Error("relay counters kept after NeighbourDown")
	}
}
