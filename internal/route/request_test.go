package route

import (
	"reflect"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

func seqReq(dst identity.NodeID, seqno uint16, hop uint8) Message {
	return Message{SeqnoRequests: []SeqnoRequest{{Dst: dst, Seqno: seqno, HopCount: hop}}}
}

func TestSeqnoRequestForSelf(t *testing.T) {
	tests := []struct {
		name      string
		delta     uint16 // requested seqno - own seqno
		wantSeqno uint16 // own seqno afterwards - before
		broadcast bool
	}{
		{"current", 0, 0, false},
		{"older", 0xFFFF, 0, false},
		{"next", 1, 1, true},
		{"far ahead", 100, 100, true},
		{"unordered", 0x8000, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRouter(t)
			s := r.Seqno()
			recv(t, r, t0, nbA, seqReq(self, s+tt.delta, 5))
			if r.Seqno() != s+tt.wantSeqno {
				t.Fatalf("seqno %d, want %d", r.Seqno(), s+tt.wantSeqno)
			}
			out := drain(t, r)
			want := []Update{{Dst: self, Seqno: r.Seqno(), Metric: 0, Interval: 100}}
			to := nbA
			if tt.broadcast {
				to = identity.NodeID{}
			}
			if got := updatesTo(out, to, self); !reflect.DeepEqual(got, want) || len(out) != 1 {
				t.Fatalf("outbox %+v, want %+v to %s", out, want, to.Short())
			}
		})
	}
}

func TestSeqnoRequestForwarding(t *testing.T) {
	setup := func(t *testing.T) *Router {
		r := newTestRouter(t)
		if err := r.NeighbourUp(t0, nbC, 1); err != nil {
			t.Fatal(err)
		}
		recv(t, r, t0, nbA, upd(dstD, 5, 10)) // selected
		recv(t, r, t0, nbC, upd(dstD, 5, 30)) // unfeasible once 11 is advertised
		drain(t, r)
		return r
	}
	tests := []struct {
		name    string
		from    identity.NodeID
		req     Message
		wantTo  identity.NodeID
		wantReq []SeqnoRequest
		wantUpd []Update
	}{
		{"answered: our seqno is recent enough", nbB, seqReq(dstD, 5, 10), nbB, nil,
			[]Update{{Dst: dstD, Seqno: 5, Metric: 11, Interval: 100}}},
		{"answered: older request", nbB, seqReq(dstD, 2, 10), nbB, nil,
			[]Update{{Dst: dstD, Seqno: 5, Metric: 11, Interval: 100}}},
		{"forwarded along the selected route", nbB, seqReq(dstD, 6, 10), nbA,
			[]SeqnoRequest{{Dst: dstD, Seqno: 6, HopCount: 9}}, nil},
		{"from the next hop: forwarded to another route", nbA, seqReq(dstD, 6, 10), nbC,
			[]SeqnoRequest{{Dst: dstD, Seqno: 6, HopCount: 9}}, nil},
		{"hop count exhausted", nbB, seqReq(dstD, 6, 1), identity.NodeID{}, nil, nil},
		{"unknown destination", nbB, seqReq(dstE, 6, 10), identity.NodeID{}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := setup(t)
			recv(t, r, at(time.Second), tt.from, tt.req)
			out := drain(t, r)
			if tt.wantTo.IsZero() {
				if len(out) != 0 {
					t.Fatalf("outbox %+v, want nothing", out)
				}
				return
			}
			if len(out) != 1 || out[0].to != tt.wantTo {
				t.Fatalf("outbox %+v, want one message to %s", out, tt.wantTo.Short())
			}
			if !reflect.DeepEqual(out[0].m.SeqnoRequests, tt.wantReq) || !reflect.DeepEqual(out[0].m.Updates, tt.wantUpd) {
				t.Fatalf("sent %+v", out[0].m)
			}
		})
	}
}

func TestSeqnoRequestDuplicateSuppression(t *testing.T) {
	r := newTestRouter(t)
	if err := r.NeighbourUp(t0, nbC, 1); err != nil {
		t.Fatal(err)
	}
	recv(t, r, t0, nbA, upd(dstD, 5, 10))
	drain(t, r)
	recv(t, r, at(time.Second), nbB, seqReq(dstD, 6, 10))
	if got := seqnoRequestsTo(drain(t, r), nbA); len(got) != 1 {
		t.Fatalf("first request forwarded %d times", len(got))
	}
	recv(t, r, at(time.Second), nbC, seqReq(dstD, 6, 20)) // same request through another path
	if out := drain(t, r); len(out) != 0 {
		t.Fatalf("duplicate forwarded: %+v", out)
	}
	recv(t, r, at(time.Second), nbC, seqReq(dstD, 7, 20)) // a different seqno is not a duplicate
	if got := seqnoRequestsTo(drain(t, r), nbA); len(got) != 1 {
		t.Fatalf("new request forwarded %d times", len(got))
	}
	later := at(time.Second + r.Config().RequestSuppression)
	recv(t, r, later, nbC, seqReq(dstD, 6, 20))
	if got := seqnoRequestsTo(drain(t, r), nbA); len(got) != 1 {
		t.Fatalf("request after the suppression time forwarded %d times", len(got))
	}
}

func TestSeqnoRequestTableBound(t *testing.T) {
	r := newTestRouter(t)
	recv(t, r, t0, nbA, upd(dstD, 5, 10))
	drain(t, r)
	forwarded := 0
	for i := range MaxPendingRequests + 100 {
		recv(t, r, t0, nbB, seqReq(dstD, 6+uint16(i%30000), 10))
		forwarded += len(seqnoRequestsTo(drain(t, r), nbA))
	}
	if forwarded != MaxPendingRequests || len(r.out.suppressed) != MaxPendingRequests {
		t.Fatalf("forwarded %d, table %d; limit %d", forwarded, len(r.out.suppressed), MaxPendingRequests)
	}
	// Once the entries expire the table makes room again.
	later := at(r.Config().RequestSuppression)
	recv(t, r, later, nbB, seqReq(dstD, 5000, 10))
	if got := seqnoRequestsTo(drain(t, r), nbA); len(got) != 1 {
		t.Fatalf("request after expiry forwarded %d times", len(got))
	}
	r.Tick(later)
	if len(r.out.suppressed) != 1 {
		t.Fatalf("%d suppressed requests after Tick", len(r.out.suppressed))
	}
}

func TestRouteRequests(t *testing.T) {
	r := newTestRouter(t)
	recv(t, r, t0, nbA, upd(dstD, 5, 10))
	recv(t, r, t0, nbA, upd(dstE, 3, 10))
	drain(t, r)
	recv(t, r, t0, nbA, upd(dstE, 3, Infinity))
	drain(t, r)
	s := r.Seqno()
	tests := []struct {
		name string
		dst  identity.NodeID
		want []Update
	}{
		{"wildcard", identity.NodeID{}, []Update{
			{Dst: self, Seqno: s, Interval: 100},
			{Dst: dstD, Seqno: 5, Metric: 11, Interval: 100},
		}},
		{"self", self, []Update{{Dst: self, Seqno: s, Interval: 100}}},
		{"known", dstD, []Update{{Dst: dstD, Seqno: 5, Metric: 11, Interval: 100}}},
		{"lost: retraction", dstE, []Update{{Dst: dstE, Seqno: 3, Metric: Infinity, Interval: 100}}},
		{"unknown", testID(999), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recv(t, r, t0, nbB, Message{RouteRequests: []RouteRequest{{Dst: tt.dst}}})
			out := drain(t, r)
			var got []Update
			for _, o := range out {
				if o.to != nbB {
					t.Fatalf("answer sent to %s", o.to.Short())
				}
				got = append(got, o.m.Updates...)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("answer %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestOutboxForgetsLostNeighbour(t *testing.T) {
	r := newTestRouter(t)
	recv(t, r, t0, nbA, upd(dstD, 5, 10))
	drain(t, r)
	recv(t, r, t0, nbB, Message{
		RouteRequests: []RouteRequest{{}, {Dst: dstD}},
		SeqnoRequests: []SeqnoRequest{{Dst: self, Seqno: r.Seqno(), HopCount: 1}},
	})
	if err := r.NeighbourUp(t0, nbC, 1); err != nil {
		t.Fatal(err)
	}
	r.NeighbourDown(t0, nbB)
	r.NeighbourDown(t0, nbC)
	if out := drain(t, r); len(out) != 0 {
		t.Fatalf("outbox %+v for lost neighbours", out)
	}
}
