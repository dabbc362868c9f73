package mesh

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// secret returns a distinctive plaintext for datagram i.
func secret(i int) []byte {
	return []byte(fmt.Sprintf("top secret datagram %03d: relays must never see this text", i))
}

func TestLineDelivery(t *testing.T) {
	tn := newTestNet(t, 5, nil).line()
	tn.converge()
	tn.record = true
	const count = 20
	src, dst := tn.nodes[0], tn.nodes[4]
	for i := range count {
		if err := src.core.Send(tn.now, dst.id, secret(i)); err != nil {
			t.Fatal(err)
		}
	}
	if !tn.runUntil(30*time.Second, func() bool { return len(dst.delivered) >= count }) {
		t.Fatalf("delivered %d of %d datagrams; errors at destination: %v", len(dst.delivered), count, dst.errs)
	}
	got := map[string]bool{}
	for _, d := range dst.delivered {
		if d.From != src.id {
			t.Errorf("datagram from %s, want %s", d.From.Short(), src.id.Short())
		}
		got[string(d.Data)] = true
	}
	for i := range count {
		if !got[string(secret(i))] {
			t.Errorf("datagram %d missing", i)
		}
	}
	for i := 1; i <= 3; i++ {
		relay := tn.nodes[i]
		if st := relay.core.Stats(); st.Forwarded == 0 || st.Delivered != 0 {
			t.Errorf("relay %d: forwarded %d, delivered %d", i, st.Forwarded, st.Delivered)
		}
		for _, p := range relay.handled {
			for k := range count {
				if bytes.Contains(p, secret(k)) {
					t.Fatalf("relay %d handled a payload containing plaintext %d", i, k)
				}
			}
		}
	}
	// Packets reach the destination after 4 hops: 3 relays decremented the hop limit.
	hops := 0
	for _, p := range dst.handled {
		if h, _, err := DecodeHeader(p); err == nil && h.Src == src.id {
			if h.HopLimit != DefaultHopLimit-3 {
				t.Fatalf("hop limit at destination %d, want %d", h.HopLimit, DefaultHopLimit-3)
			}
			hops++
		}
	}
	if hops == 0 {
		t.Fatal("no packet from the source reached the destination")
	}
	if st := dst.core.Stats(); st.Delivered != count || st.Sessions == 0 {
		t.Errorf("destination stats %+v", st)
	}
	// The reverse direction uses the session the source set up.
	if err := dst.core.Send(tn.now, src.id, []byte("reply")); err != nil {
		t.Fatal(err)
	}
	if !tn.runUntil(5*time.Second, func() bool { return len(src.delivered) == 1 }) {
		t.Fatal("reply not delivered")
	}
	if hs := src.core.HandshakeStats(); hs.InitiatorEstablished != 1 {
		t.Errorf("source completed %d handshakes as initiator, want 1", hs.InitiatorEstablished)
	}
}

// TestReroute kills the relay of a ring and measures, in virtual time, how
// long delivery stops.
func TestReroute(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tell    bool // the runtime reports the lost hop-by-hop sessions
		latency time.Duration
	}{
		{"session-lost", true, 0},
		{"silent", false, 0},
		{"session-lost-5ms-hops", true, stepDur},
		{"silent-5ms-hops", false, stepDur},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Ring 0-1-2-3-4-0: node 0 reaches node 2 through 1 (2 hops), or
			// through 4 and 3 (3 hops).
			tn := newTestNet(t, 5, nil).line()
			tn.connect(4, 0)
			tn.latency = tc.latency
			tn.converge()
			src, dst := tn.nodes[0], tn.nodes[2]
			if hop, _ := src.core.NextHop(dst.id); hop != tn.nodes[1].id {
				t.Fatalf("next hop %s, want node 1", hop.Short())
			}
			var last, killed time.Time
			var gap time.Duration
			seq := 0
			sendFor := func(d time.Duration) {
				for end := tn.now.Add(d); tn.now.Before(end); {
					if tn.now.Sub(t0)%(20*time.Millisecond) == 0 {
						// While routes reconverge there may be none: the datagram is dropped.
						if err := src.core.Send(tn.now, dst.id, secret(seq)); err != nil && !errors.Is(err, ErrNoRoute) {
							t.Fatal(err)
						}
						seq++
					}
					before := len(dst.delivered)
					tn.step()
					if len(dst.delivered) > before {
						if !last.IsZero() && !killed.IsZero() {
							gap = max(gap, tn.now.Sub(last))
						}
						last = tn.now
					}
				}
			}
			sendFor(2 * time.Second)
			if len(dst.delivered) == 0 {
				t.Fatal("nothing delivered before the failure")
			}
			tn.kill(1, tc.tell)
			killed = tn.now
			n := len(dst.delivered)
			sendFor(5 * time.Second)
			if len(dst.delivered) <= n {
				t.Fatal("nothing delivered after the failure")
			}
			if hop, _ := src.core.NextHop(dst.id); hop != tn.nodes[4].id {
				t.Fatalf("next hop after the failure %s, want node 4", hop.Short())
			}
			if tn.nodes[3].core.Stats().Forwarded == 0 {
				t.Error("node 3 forwarded nothing after the reroute")
			}
			t.Logf("%s: delivery stopped for %v of virtual time", tc.name, gap)
			if gap > 2*time.Second {
				t.Errorf("delivery stopped for %v, want at most 2 s", gap)
			}
		})
	}
}

func TestHopLimit(t *testing.T) {
	tn := newTestNet(t, 3, nil).line()
	tn.converge()
	a, relay, c := tn.nodes[0], tn.nodes[1], tn.nodes[2]
	forge := func(hop uint8) []byte {
		return append(Header{HopLimit: hop, Src: a.id, Dst: c.id}.Append(nil), 0x01, 0, 0, 0)
	}
	before := relay.core.Stats()
	wantErr(t, relay.core.Receive(tn.now, a.id, forge(1)), ErrHopLimit)
	st := relay.core.Stats()
	if st.Dropped.HopLimit != before.Dropped.HopLimit+1 || st.Forwarded != before.Forwarded {
		t.Fatalf("stats after a hop-limit drop: %+v", st)
	}
	if out := relay.core.Outbox(); len(out) != 0 {
		t.Fatalf("relay sent %d payloads for a packet out of hops", len(out))
	}
	var drop *Event
	for _, e := range relay.core.Events() {
		if e.Kind == EventDrop {
			drop = &e
		}
	}
	if drop == nil || drop.Reason != DropHopLimit || drop.Peer != c.id {
		t.Fatalf("drop event %+v", drop)
	}
	// Hop limit 2 is forwarded with 1 left.
	if err := relay.core.Receive(tn.now, a.id, forge(2)); err != nil {
		t.Fatal(err)
	}
	out := relay.core.Outbox()
	if len(out) != 1 || out[0].To != c.id {
		t.Fatalf("outbox %v", out)
	}
	if h, _, err := DecodeHeader(out[0].Payload); err != nil || h.HopLimit != 1 {
		t.Fatalf("forwarded header %+v, %v", h, err)
	}
	// No route to an unknown node.
	var nobody identity.NodeID
	nobody[0] = 0xaa
	p := append(Header{HopLimit: 5, Src: a.id, Dst: nobody}.Append(nil), 1)
	wantErr(t, relay.core.Receive(tn.now, a.id, p), ErrNoRoute)
	if relay.core.Stats().Dropped.NoRoute != before.Dropped.NoRoute+1 {
		t.Fatal("no-route drop not counted")
	}
}

// TestWrongIdentity lets a relay answer the handshakes addressed to the
// node behind it, with its own valid certificate: the initiator refuses
// the session.
func TestWrongIdentity(t *testing.T) {
	tn := newTestNet(t, 3, nil).line()
	tn.converge()
	a, m, x := tn.nodes[0], tn.nodes[1], tn.nodes[2]
	rewrite := func(p []byte, src, dst identity.NodeID) []byte {
		h, inner, err := DecodeHeader(p)
		if err != nil {
			return p
		}
		if !src.IsZero() {
			h.Src = src
		}
		if !dst.IsZero() {
			h.Dst = dst
		}
		return append(h.Append(nil), inner...)
	}
	tn.intercept = func(i, j int, p []byte) []byte {
		switch {
		case i == 0 && j == 1 && p[0] == KindPacket:
			if h, _, err := DecodeHeader(p); err == nil && h.Dst == x.id {
				return rewrite(p, identity.NodeID{}, m.id) // m captures a's packets for x
			}
		case i == 1 && j == 0 && p[0] == KindPacket:
			if h, _, err := DecodeHeader(p); err == nil && h.Src == m.id {
				return rewrite(p, x.id, identity.NodeID{}) // and answers as x
			}
		}
		return p
	}
	if err := a.core.Send(tn.now, x.id, []byte("for x only")); err != nil {
		t.Fatal(err)
	}
	var refused *Event
	tn.runUntil(10*time.Second, func() bool {
		for _, e := range a.core.Events() {
			if e.Kind == EventSessionRefused {
				refused = &e
			}
		}
		return refused != nil
	})
	if refused == nil {
		t.Fatal("no session refused")
	}
	wantErr(t, refused.Err, ErrIdentity)
	if refused.Peer != x.id || refused.Reason != DropIdentity {
		t.Fatalf("refusal %+v", refused)
	}
	st := a.core.Stats()
	if st.Sessions != 0 || st.Dropped.Identity != 1 || st.SessionsEstablished != 0 {
		t.Fatalf("initiator stats %+v", st)
	}
	tn.run(time.Second)
	if len(m.delivered)+len(x.delivered) != 0 {
		t.Fatal("datagram delivered despite the refused session")
	}
}
