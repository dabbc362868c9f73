package route

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Test nodes: the router under test, its neighbours a, b and c, and distant destinations.
var (
	self = testID(100)
	nbA  = testID(101)
	nbB  = testID(102)
	nbC  = testID(103)
	dstD = testID(200)
	dstE = testID(201)
)

// newTestRouter returns a router with fastConfig and neighbours a and b at cost 1, its
// outbox drained.
func newTestRouter(t *testing.T) *Router {
	t.Helper()
	r, err := New(self, fastConfig, rand.New(rand.NewPCG(1, 2)), t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []identity.NodeID{nbA, nbB} {
		if err := r.NeighbourUp(t0, n, 1); err != nil {
			t.Fatal(err)
		}
	}
	r.Outbox()
	return r
}

// at returns t0 + d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// recv delivers a message built from m to r and fails on error.
func recv(t *testing.T, r *Router, now time.Time, from identity.NodeID, m Message) {
	t.Helper()
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Receive(now, from, b); err != nil {
		t.Fatal(err)
	}
}

// upd is an update with an interval of one second.
func upd(dst identity.NodeID, seqno, metric uint16) Message {
	return Message{Updates: []Update{{Dst: dst, Seqno: seqno, Metric: metric, Interval: 100}}}
}

// sent is a decoded outbox.
type sent struct {
	to identity.NodeID
	m  *Message
}

func drain(t *testing.T, r *Router) []sent {
	t.Helper()
	var out []sent
	for _, o := range r.Outbox() {
		m, err := Decode(o.Msg)
		if err != nil {
			t.Fatalf("outbox message does not decode: %v", err)
		}
		out = append(out, sent{o.To, m})
	}
	return out
}

// updatesTo returns the updates sent to to (zero: broadcast) about dst.
func updatesTo(out []sent, to, dst identity.NodeID) []Update {
	var us []Update
	for _, s := range out {
		if s.to != to {
			continue
		}
		for _, u := range s.m.Updates {
			if u.Dst == dst {
				us = append(us, u)
			}
		}
	}
	return us
}

func seqnoRequestsTo(out []sent, to identity.NodeID) []SeqnoRequest {
	var qs []SeqnoRequest
	for _, s := range out {
		if s.to == to {
			qs = append(qs, s.m.SeqnoRequests...)
		}
	}
	return qs
}

// route returns r's route to dst through n.
func route(r *Router, dst, n identity.NodeID) (Route, bool) {
	for _, rt := range r.Routes() {
		if rt.Dst == dst && rt.NextHop == n {
			return rt, true
		}
	}
	return Route{}, false
}

func wantNextHop(t *testing.T, r *Router, dst, want identity.NodeID) {
	t.Helper()
	got, ok := r.NextHop(dst)
	if want.IsZero() {
		if ok {
			t.Fatalf("route to %s via %s, want none", dst.Short(), got.Short())
		}
		return
	}
	if !ok || got != want {
		t.Fatalf("next hop to %s = %s, %v; want %s", dst.Short(), got.Short(), ok, want.Short())
	}
}
