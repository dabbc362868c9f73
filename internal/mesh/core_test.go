package mesh

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/session"
)

func TestConfigValidate(t *testing.T) {
	nw := newNetwork(t)
	good := nw.config(t, "good", 1)
	otherID, otherCert := nw.member(t, "other")
	for _, tc := range []struct {
		field string
		mod   func(*Config)
	}{
		{"Identity", func(c *Config) { c.Identity = nil }},
		{"Cert", func(c *Config) { c.Cert = nil }},
		{"Cert", func(c *Config) { c.Cert = otherCert }},
		{"Cert", func(c *Config) { c.Identity = &identity.PrivateIdentity{Signing: c.Identity.Signing, KEM: otherID.KEM} }},
		{"Verifier", func(c *Config) { c.Verifier = nil }},
		{"Rand", func(c *Config) { c.Rand = nil }},
		{"Jitter", func(c *Config) { c.Jitter = nil }},
		{"HopLimit", func(c *Config) { c.HopLimit = 1 }},
		{"HopLimit", func(c *Config) { c.HopLimit = 256 }},
		{"MaxQueuedPerDestination", func(c *Config) { c.MaxQueuedPerDestination = 0 }},
		{"MaxQueueDelay", func(c *Config) { c.MaxQueueDelay = 0 }},
		{"MaxPeers", func(c *Config) { c.MaxPeers = 0 }},
		{"HandshakeRetryInterval", func(c *Config) { c.HandshakeRetryInterval = -1 }},
		{"ResponderRekeyMargin", func(c *Config) { c.ResponderRekeyMargin = -1 }},
		{"PeerIdleTimeout", func(c *Config) { c.PeerIdleTimeout = 0 }},
		{"Link", func(c *Config) { c.Link.HelloInterval = 0 }},
		{"Route", func(c *Config) { c.Route.UpdateInterval = time.Nanosecond }},
		{"Handshake", func(c *Config) { c.Handshake.MaxFragments = -1 }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			cfg := good
			tc.mod(&cfg)
			_, err := New(cfg, t0)
			wantErr(t, err, ErrInvalidConfig)
			if !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("error %q does not name %s", err, tc.field)
			}
		})
	}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestNeighbours(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	a := tn.nodes[0].core
	for _, tc := range []struct {
		name string
		id   identity.NodeID
		want error
	}{
		{"zero", identity.NodeID{}, ErrInvalidNeighbour},
		{"self", a.ID(), ErrInvalidNeighbour},
	} {
		wantErr(t, a.NeighbourUp(tn.now, tc.id), tc.want)
	}
	tn.connect(0, 1)
	if err := a.NeighbourUp(tn.now, tn.nodes[1].id); err != nil {
		t.Fatalf("repeated NeighbourUp: %v", err)
	}
	if !tn.runUntil(time.Second, func() bool { _, ok := a.NextHop(tn.nodes[1].id); return ok }) {
		t.Fatal("no route to the neighbour")
	}
	ns := a.Neighbours()
	if len(ns) != 1 || ns[0].ID != tn.nodes[1].id || !ns[0].Link.Up {
		t.Fatalf("neighbours %+v", ns)
	}
	if rs := a.Routes(); len(rs) != 1 || rs[0].Dst != tn.nodes[1].id || !rs[0].Selected {
		t.Fatalf("routes %+v", rs)
	}
	kinds := map[EventKind]bool{}
	for _, e := range a.Events() {
		kinds[e.Kind] = true
	}
	if !kinds[EventLinkUp] || !kinds[EventRouteInstalled] {
		t.Fatalf("events %v", kinds)
	}
	a.NeighbourDown(tn.now, tn.nodes[2].id) // not a neighbour: nothing
	a.NeighbourDown(tn.now, tn.nodes[1].id)
	kinds = map[EventKind]bool{}
	for _, e := range a.Events() {
		kinds[e.Kind] = true
	}
	if !kinds[EventLinkDown] || !kinds[EventRouteLost] {
		t.Fatalf("events after NeighbourDown %v", kinds)
	}
	if st := a.Stats(); st.Neighbours != 0 || st.LinksUp != 0 {
		t.Fatalf("stats %+v", st)
	}
	wantErr(t, a.Receive(tn.now, tn.nodes[1].id, []byte{KindLink}), ErrUnknownNeighbour)
}

func TestTooManyNeighbours(t *testing.T) {
	tn := newTestNet(t, 1, nil)
	a := tn.nodes[0].core
	for i := range MaxNeighbours {
		var id identity.NodeID
		id[0], id[1], id[2] = 1, byte(i>>8), byte(i)
		if err := a.NeighbourUp(tn.now, id); err != nil {
			t.Fatal(err)
		}
	}
	var extra identity.NodeID
	extra[0] = 2
	wantErr(t, a.NeighbourUp(tn.now, extra), ErrTooManyNeighbours)
}

func TestSend(t *testing.T) {
	tn := newTestNet(t, 3, func(c *Config) {
		c.MaxQueuedPerDestination = 3
		c.MaxQueueDelay = time.Second
	})
	a, c := tn.nodes[0], tn.nodes[2]
	wantErr(t, a.core.Send(tn.now, identity.NodeID{}, nil), ErrInvalidDestination)
	wantErr(t, a.core.Send(tn.now, a.id, nil), ErrInvalidDestination)
	wantErr(t, a.core.Send(tn.now, c.id, make([]byte, MaxDatagramSize+1)), ErrTooLarge)
	// No route yet: datagrams wait, the oldest is dropped beyond the limit.
	for i := range 4 {
		err := a.core.Send(tn.now, c.id, secret(i))
		if i < 3 && err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			wantErr(t, err, ErrQueueFull)
		}
	}
	if st := a.core.Stats(); st.Queued != 3 || st.Dropped.QueueFull != 1 {
		t.Fatalf("stats %+v", st)
	}
	// The route appears, the handshake runs, the queue is flushed.
	tn.line()
	if !tn.runUntil(5*time.Second, func() bool { return len(c.delivered) == 3 }) {
		t.Fatalf("delivered %d", len(c.delivered))
	}
	for i, d := range c.delivered {
		if string(d.Data) != string(secret(i+1)) {
			t.Fatalf("datagram %d is %q", i, d.Data)
		}
	}
	// A queue that waits too long expires.
	tn.kill(1, true)
	b := newTestNet(t, 1, nil) // a node nobody reaches
	if err := a.core.Send(tn.now, b.nodes[0].id, []byte("lost")); err != nil {
		t.Fatal(err)
	}
	tn.run(1100 * time.Millisecond)
	if st := a.core.Stats(); st.Dropped.Expired != 1 || st.Queued != 0 {
		t.Fatalf("stats after expiry %+v", st)
	}
	// The idle peer is forgotten after PeerIdleTimeout.
	tn.run(DefaultPeerIdleTimeout + DefaultHandshakeRetryInterval)
	if a.core.peers[b.nodes[0].id] != nil {
		t.Fatal("idle peer kept")
	}
}

func TestPeerTableFull(t *testing.T) {
	tn := newTestNet(t, 3, func(c *Config) { c.MaxPeers = 1 }).line()
	tn.converge()
	a := tn.nodes[0].core
	var ghost identity.NodeID
	ghost[0] = 0x77
	if err := a.Send(tn.now, ghost, []byte("x")); err != nil {
		t.Fatal(err)
	}
	// The ghost peer holds a queue: no room for another.
	wantErr(t, a.Send(tn.now, tn.nodes[2].id, []byte("y")), ErrQueueFull)
	tn.run(DefaultMaxQueueDelay + DefaultHandshakeRetryInterval)
	// The ghost's queue expired; it is idle and evicted for a new peer.
	if err := a.Send(tn.now, tn.nodes[2].id, []byte("z")); err != nil {
		t.Fatal(err)
	}
	if !tn.runUntil(5*time.Second, func() bool { return len(tn.nodes[2].delivered) == 1 }) {
		t.Fatal("not delivered after eviction")
	}
}

// TestRekey runs traffic across several session lifetimes.
func TestRekey(t *testing.T) {
	lim := session.Limits{RekeyAfterTime: 2 * time.Second, RejectAfterTime: 3 * time.Second}
	tn := newTestNet(t, 3, func(c *Config) {
		c.Session = lim
		c.HandshakeRetryInterval = 500 * time.Millisecond
		c.ResponderRekeyMargin = 200 * time.Millisecond
	}).line()
	tn.latency = stepDur
	tn.converge()
	a, c := tn.nodes[0], tn.nodes[2]
	sent := 0
	for end := tn.now.Add(10 * time.Second); tn.now.Before(end); {
		if tn.now.Sub(t0)%(100*time.Millisecond) == 0 {
			for _, n := range []*testNode{a, c} {
				other := c.id
				if n == c {
					other = a.id
				}
				if err := n.core.Send(tn.now, other, []byte(fmt.Sprint(sent))); err != nil {
					t.Fatal(err)
				}
			}
			sent++
		}
		tn.step()
	}
	tn.run(time.Second)
	ha, hc := a.core.HandshakeStats(), c.core.HandshakeStats()
	if n := ha.InitiatorEstablished + hc.InitiatorEstablished; n < 4 {
		t.Fatalf("%d handshakes in 10 s with a 2 s rekey time", n)
	}
	for _, n := range []*testNode{a, c} {
		if len(n.delivered) < sent*9/10 {
			t.Errorf("delivered %d of %d", len(n.delivered), sent)
		}
		if st := n.core.Stats(); st.Sessions > 3 {
			t.Errorf("%d live sessions", st.Sessions)
		}
	}
	t.Logf("delivered %d and %d of %d; drops %+v", len(a.delivered), len(c.delivered), sent, a.core.Stats().Dropped)
}

func TestBoundedQueues(t *testing.T) {
	tn := newTestNet(t, 3, nil).line()
	tn.converge()
	a, b, c := tn.nodes[0], tn.nodes[1], tn.nodes[2]
	// Delivered is bounded too.
	if err := a.core.Send(tn.now, c.id, []byte("first")); err != nil {
		t.Fatal(err)
	}
	tn.pump()
	for range MaxDelivered + 1 {
		if err := a.core.Send(tn.now, c.id, []byte("d")); err != nil {
			t.Fatal(err)
		}
	}
	tn.intercept = func(i, j int, p []byte) []byte {
		c.core.delivered = append(c.core.delivered, c.core.Delivered()...) // never drained
		return p
	}
	for _, o := range a.core.Outbox() {
		tn.deliver(0, 1, o.Payload)
	}
	for _, o := range b.core.Outbox() {
		_ = c.core.Receive(tn.now, b.id, o.Payload)
	}
	if st := c.core.Stats(); st.Dropped.QueueFull == 0 || len(c.core.delivered) > MaxDelivered {
		t.Fatalf("delivery queue not bounded: %+v", st)
	}
	fwd := append(Header{HopLimit: 9, Src: a.id, Dst: c.id}.Append(nil), 1)
	for range MaxOutbox {
		if err := b.core.Receive(tn.now, a.id, fwd); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, b.core.Receive(tn.now, a.id, fwd), ErrQueueFull)
	drops := b.core.Stats().Dropped.QueueFull
	b.core.Tick(tn.now.Add(time.Second)) // hellos find the outbox full too
	if b.core.Stats().Dropped.QueueFull <= drops {
		t.Fatal("hellos dropped from a full outbox not counted")
	}
	for range MaxEvents {
		_ = b.core.Receive(tn.now, a.id, []byte{0x7f})
	}
	if n := len(b.core.Events()); n > MaxEvents || n < MaxEvents/2 {
		t.Fatalf("%d events kept", n)
	}
	if len(b.core.Outbox()) != MaxOutbox {
		t.Fatal("outbox not bounded")
	}
}

func TestStrings(t *testing.T) {
	for k := EventLinkUp; k <= EventDrop+1; k++ {
		if s := k.String(); s == "" || (k > EventDrop) != strings.HasPrefix(s, "EventKind(") {
			t.Errorf("EventKind %d: %q", k, s)
		}
	}
	for r := DropNoRoute; r <= DropExpired+1; r++ {
		if s := r.String(); s == "" || (r > DropExpired) != strings.HasPrefix(s, "DropReason(") {
			t.Errorf("DropReason %d: %q", r, s)
		}
	}
	d := Drops{NoRoute: 1, HopLimit: 2, Identity: 3}
	if d.Total() != 6 {
		t.Fatal(d.Total())
	}
	if !IsKind(KindLink) || !IsKind(KindMax) || IsKind(0x01) || IsKind(0x20) {
		t.Fatal("IsKind")
	}
	if a := OverlayAddr(identity.NodeID{1, 2}); a.Addr().As16()[0] != OverlayPrefix || a.Addr().As16()[1] != 1 || a.Port() != OverlayPort {
		t.Fatal(a)
	}
	if !errors.Is(fmt.Errorf("x: %w", ErrNoRoute), ErrNoRoute) {
		t.Fatal("sentinel")
	}
}
