package route

import (
	"errors"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// TestTransitPenalty: a penalised neighbour's routes carry the penalty,
// except its route to itself; the router switches to the other route, and
// back when the penalty is removed.
func TestTransitPenalty(t *testing.T) {
	r := newTestRouter(t)
	a, b, dst := identity.NodeID{0xa}, identity.NodeID{0xb}, identity.NodeID{0xd}
	for _, n := range []identity.NodeID{a, b} {
		if err := r.NeighbourUp(at(0), n, 256); err != nil {
			t.Fatal(err)
		}
	}
	recv(t, r, at(0), a, upd(dst, 1, 256))
	recv(t, r, at(0), b, upd(dst, 1, 300))
	recv(t, r, at(0), a, upd(a, 1, 0))
	wantNextHop(t, r, dst, a)
	for _, tc := range []struct {
		id   identity.NodeID
		want error
	}{{identity.NodeID{}, ErrInvalidNeighbour}, {r.Self(), ErrInvalidNeighbour}} {
		if err := r.SetTransitPenalty(at(0), tc.id, 100); !errors.Is(err, tc.want) {
			t.Errorf("%v: %v", tc.id, err)
		}
	}
	if err := r.SetTransitPenalty(at(0), a, 1000); err != nil {
		t.Fatal(err)
	}
	if err := r.SetTransitPenalty(at(0), a, 1000); err != nil || r.TransitPenalty(a) != 1000 {
		t.Fatal("idempotent set")
	}
	wantNextHop(t, r, dst, b)
	wantNextHop(t, r, a, a)
	if rt, _ := route(r, dst, a); rt.Metric != 256+256+1000 {
		t.Errorf("metric %d", rt.Metric)
	}
	// Kept across a link flap.
	r.NeighbourDown(at(1), a)
	if err := r.NeighbourUp(at(1), a, 256); err != nil {
		t.Fatal(err)
	}
	if r.TransitPenalty(a) != 1000 {
		t.Error("penalty lost across NeighbourDown")
	}
	if err := r.SetTransitPenalty(at(1), a, 0); err != nil || r.TransitPenalty(a) != 0 {
		t.Fatal(err)
	}
	// The table of penalties is bounded.
	for i := range MaxNeighbours {
		id := identity.NodeID{0xee, byte(i), byte(i >> 8)}
		if err := r.SetTransitPenalty(at(1), id, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.SetTransitPenalty(at(1), identity.NodeID{0xff}, 1); !errors.Is(err, ErrTooManyNeighbours) {
		t.Errorf("beyond the limit: %v", err)
	}
}

// TestResync: Resync bumps the seqno and queues dumps and route requests.
func TestResync(t *testing.T) {
	r := newTestRouter(t)
	n := identity.NodeID{0xa}
	if err := r.NeighbourUp(at(0), n, 256); err != nil {
		t.Fatal(err)
	}
	drain(t, r)
	s := r.Seqno()
	r.Resync(at(1))
	if r.Seqno() != s+1 {
		t.Error("seqno not bumped")
	}
	if out := drain(t, r); len(out) == 0 {
		t.Error("nothing sent")
	}
}
