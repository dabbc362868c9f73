package route

import (
	"reflect"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// TestStarvationRequestNotSuppressedByForward reproduces the starvation of the chaos cascade
// (docs/chaos.md, Findings): a router forwards a neighbour's seqno request along its selected
// route, through a neighbour that has just crashed; when it then learns that the link is down
// and starves, its own request for the same seqno must still go to the remaining neighbours.
// Suppressing it as a duplicate of the forwarded one (lost with the crashed node) left the
// router without a route until a periodic update happened to retrigger the request.
func TestStarvationRequestNotSuppressedByForward(t *testing.T) {
	tests := []struct {
		name string
		// requester is the neighbour whose request is forwarded before the selected
		// neighbour a goes down.
		requester identity.NodeID
		// sameAgain: a request from another neighbour for the same seqno arrives after
		// the starvation request; it is a true duplicate and is not forwarded again.
		sameAgain bool
	}{
		{"request from the unfeasible neighbour", nbB, false},
		{"request from a third neighbour", nbC, false},
		{"duplicate after starvation", nbC, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRouter(t)
			if err := r.NeighbourUp(t0, nbC, 1); err != nil {
				t.Fatal(err)
			}
			recv(t, r, t0, nbA, upd(dstD, 5, 10)) // selected, metric 11
			drain(t, r)
			recv(t, r, t0, nbB, upd(dstD, 5, 30)) // finite, unfeasible (31 > 11)
			if out := drain(t, r); len(out) != 0 {
				t.Fatalf("worse unfeasible route sent %+v", out)
			}
			now := at(10 * time.Millisecond)
			recv(t, r, now, tt.requester, seqReq(dstD, 6, 10))
			if got := seqnoRequestsTo(drain(t, r), nbA); len(got) != 1 {
				t.Fatalf("request forwarded %d times to the selected neighbour", len(got))
			}
			now = at(20 * time.Millisecond)
			r.NeighbourDown(now, nbA) // a crashed: the forwarded request is lost
			if _, ok := r.NextHop(dstD); ok {
				t.Fatal("route through b selected although unfeasible")
			}
			want := []SeqnoRequest{{Dst: dstD, Seqno: 6, HopCount: MaxHopCount}}
			if got := seqnoRequestsTo(drain(t, r), identity.NodeID{}); !reflect.DeepEqual(got, want) {
				t.Fatalf("starving router sent %+v to every neighbour, want %+v", got, want)
			}
			if !tt.sameAgain {
				return
			}
			recv(t, r, at(30*time.Millisecond), nbC, seqReq(dstD, 6, 10))
			if out := drain(t, r); len(out) != 0 {
				t.Fatalf("duplicate of the broadcast request forwarded: %+v", out)
			}
		})
	}
}
