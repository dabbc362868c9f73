package route

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

func TestNewValidation(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	tests := []struct {
		name string
		self identity.NodeID
		cfg  Config
		rng  *rand.Rand
		ok   bool
	}{
		{"defaults", self, Config{}, rng, true},
		{"fast", self, fastConfig, rng, true},
		{"zero self", identity.NodeID{}, Config{}, rng, false},
		{"nil rng", self, Config{}, nil, false},
		{"interval too short", self, Config{UpdateInterval: time.Millisecond}, rng, false},
		{"interval too long", self, Config{UpdateInterval: time.Hour}, rng, false},
		{"negative interval", self, Config{UpdateInterval: -time.Second}, rng, false},
		{"expiry not above interval", self, Config{UpdateInterval: time.Second, RouteExpiry: time.Second}, rng, false},
		{"gc too short", self, Config{SourceGCTime: time.Minute}, rng, false},
		{"negative switch delay", self, Config{SwitchDelay: -1}, rng, false},
		{"negative suppression", self, Config{RequestSuppression: -1}, rng, false},
		{"negative max routes", self, Config{MaxRoutes: -1}, rng, false},
		{"negative max sources", self, Config{MaxSources: -1}, rng, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.self, tt.cfg, tt.rng, t0)
			if tt.ok {
				if err != nil || r == nil || r.Self() != tt.self {
					t.Fatalf("New = %v, %v", r, err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) || r != nil {
				t.Fatalf("New = %v, %v; want ErrInvalidConfig", r, err)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	r, err := New(self, Config{}, rand.New(rand.NewPCG(1, 1)), t0)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		UpdateInterval: DefaultUpdateInterval, RouteExpiry: 35 * time.Second, SourceGCTime: DefaultSourceGCTime,
		SwitchMargin: DefaultSwitchMargin, SwitchDelay: 20 * time.Second, RequestSuppression: 2500 * time.Millisecond,
		MaxRoutes: DefaultMaxRoutes, MaxSources: DefaultMaxSources,
	}
	if got := r.Config(); got != want {
		t.Fatalf("Config() = %+v, want %+v", got, want)
	}
	if got := r.Config().interval(); got != 1000 {
		t.Fatalf("interval on the wire = %d, want 1000", got)
	}
	tests := []struct {
		interval uint16
		want     time.Duration
	}{
		{1, 35 * time.Second},             // at least RouteExpiry
		{2000, 70 * time.Second},          // 3.5 × 20 s
		{0xFFFF, DefaultSourceGCTime / 2}, // capped
	}
	for _, tt := range tests {
		if got := r.Config().hold(tt.interval); got != tt.want {
			t.Errorf("hold(%d) = %v, want %v", tt.interval, got, tt.want)
		}
	}
}

func TestNeighbourErrors(t *testing.T) {
	r := newTestRouter(t)
	if err := r.NeighbourUp(t0, identity.NodeID{}, 1); !errors.Is(err, ErrInvalidNeighbour) {
		t.Errorf("zero ID: %v", err)
	}
	if err := r.NeighbourUp(t0, self, 1); !errors.Is(err, ErrInvalidNeighbour) {
		t.Errorf("self: %v", err)
	}
	if err := r.NeighbourUp(t0, nbC, 0); !errors.Is(err, ErrInvalidNeighbour) {
		t.Errorf("cost 0: %v", err)
	}
	if err := r.NeighbourCost(t0, nbC, 5); !errors.Is(err, ErrNotNeighbour) {
		t.Errorf("cost of a stranger: %v", err)
	}
	if err := r.NeighbourCost(t0, nbA, 0); !errors.Is(err, ErrInvalidNeighbour) {
		t.Errorf("cost 0: %v", err)
	}
	if err := r.Receive(t0, nbC, []byte{Version}); !errors.Is(err, ErrNotNeighbour) {
		t.Errorf("message from a stranger: %v", err)
	}
	if err := r.Receive(t0, nbA, []byte{Version}); !errors.Is(err, ErrMalformed) {
		t.Errorf("malformed message: %v", err)
	}
	r.NeighbourDown(t0, nbC) // not a neighbour: no effect
	for i := len(r.neighbours); i < MaxNeighbours; i++ {
		if err := r.NeighbourUp(t0, testID(10000+i), 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.NeighbourUp(t0, nbC, 1); !errors.Is(err, ErrTooManyNeighbours) {
		t.Errorf("neighbour %d: %v", MaxNeighbours+1, err)
	}
	if err := r.NeighbourUp(t0, nbA, 3); err != nil {
		t.Errorf("existing neighbour at the limit: %v", err)
	}
}

func TestNeighbourUpExchangesTables(t *testing.T) {
	r := newTestRouter(t)
	recv(t, r, t0, nbA, upd(dstD, 5, 10))
	drain(t, r)
	if err := r.NeighbourUp(t0, nbC, 2); err != nil {
		t.Fatal(err)
	}
	out := drain(t, r)
	if len(out) != 1 || out[0].to != nbC {
		t.Fatalf("outbox %+v, want one message to c", out)
	}
	m := out[0].m
	if !reflect.DeepEqual(m.RouteRequests, []RouteRequest{{}}) {
		t.Errorf("route requests %+v, want one wildcard", m.RouteRequests)
	}
	want := []Update{{Dst: self, Seqno: r.Seqno(), Metric: 0, Interval: 100}, {Dst: dstD, Seqno: 5, Metric: 11, Interval: 100}}
	if !reflect.DeepEqual(m.Updates, want) {
		t.Errorf("dump %+v, want %+v", m.Updates, want)
	}
}

func TestSelectionHysteresis(t *testing.T) {
	// a advertises D at 50 (metric 51 through a); then b advertises bMetric.
	tests := []struct {
		name      string
		bMetric   uint16
		now       identity.NodeID // next hop right after b's update
		later     identity.NodeID // next hop after SwitchDelay
		feasibleB bool
	}{
		{"worse and unfeasible", 60, nbA, nbA, false},
		{"equal", 50, nbA, nbA, true},
		{"slightly better", 45, nbA, nbB, true},
		{"better by the margin", 50 - DefaultSwitchMargin, nbB, nbB, true},
		{"much better", 10, nbB, nbB, true},
		{"unfeasible", 51, nbA, nbA, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRouter(t)
			recv(t, r, t0, nbA, upd(dstD, 5, 50))
			drain(t, r) // advertises D at 51: feasibility distance (5, 51)
			recv(t, r, at(time.Second/2), nbB, upd(dstD, 5, tt.bMetric))
			wantNextHop(t, r, dstD, tt.now)
			if rb, _ := route(r, dstD, nbB); rb.Feasible != tt.feasibleB || rb.Metric != tt.bMetric+1 {
				t.Fatalf("route via b %+v", rb)
			}
			// Refresh both routes so that they do not expire.
			recv(t, r, at(2*time.Second), nbA, upd(dstD, 5, 50))
			recv(t, r, at(2*time.Second), nbB, upd(dstD, 5, tt.bMetric))
			r.Tick(at(time.Second/2 + r.Config().SwitchDelay))
			wantNextHop(t, r, dstD, tt.later)
		})
	}
}

func TestHysteresisChallengerInterrupted(t *testing.T) {
	r := newTestRouter(t)
	recv(t, r, t0, nbA, upd(dstD, 5, 50))
	drain(t, r)
	recv(t, r, t0, nbB, upd(dstD, 5, 45)) // challenger
	recv(t, r, at(time.Second), nbB, upd(dstD, 5, 55))
	recv(t, r, at(time.Second), nbA, upd(dstD, 5, 50))
	recv(t, r, at(1500*time.Millisecond), nbB, upd(dstD, 5, 45)) // better again: the clock restarts
	r.Tick(at(r.Config().SwitchDelay))
	wantNextHop(t, r, dstD, nbA)
	recv(t, r, at(3*time.Second), nbA, upd(dstD, 5, 50))
	recv(t, r, at(3*time.Second), nbB, upd(dstD, 5, 45))
	r.Tick(at(1500*time.Millisecond + r.Config().SwitchDelay))
	wantNextHop(t, r, dstD, nbB)
}

func TestRetraction(t *testing.T) {
	r := newTestRouter(t)
	recv(t, r, t0, nbA, upd(dstD, 5, 50))
	drain(t, r)
	r.Events()
	recv(t, r, at(time.Second), nbA, upd(dstD, 5, Infinity))
	wantNextHop(t, r, dstD, identity.NodeID{})
	out := drain(t, r)
	if got := updatesTo(out, identity.NodeID{}, dstD); !reflect.DeepEqual(got, []Update{{Dst: dstD, Seqno: 5, Metric: Infinity, Interval: 100}}) {
		t.Fatalf("broadcast %+v, want one retraction", got)
	}
	if ev := r.Events(); len(ev) != 1 || ev[0].Kind != RouteLost || ev[0].NextHop != nbA || ev[0].Metric != Infinity {
		t.Fatalf("events %+v, want one RouteLost via a", ev)
	}
	// The retracted route is held for RouteExpiry, then flushed.
	if rt, ok := route(r, dstD, nbA); !ok || rt.Metric != Infinity || rt.Feasible || rt.Selected {
		t.Fatalf("held route %+v, %v", rt, ok)
	}
	// A second retraction is not announced again, and a retraction of an unknown route is ignored.
	recv(t, r, at(time.Second), nbA, upd(dstD, 5, Infinity))
	recv(t, r, at(time.Second), nbB, upd(dstE, 5, Infinity))
	if out := drain(t, r); len(out) != 0 {
		t.Fatalf("outbox %+v, want nothing", out)
	}
	r.Tick(at(time.Second + r.Config().RouteExpiry))
	if _, ok := route(r, dstD, nbA); ok {
		t.Fatal("retracted route not flushed")
	}
}

func TestExpiryAndSourceGC(t *testing.T) {
	r := newTestRouter(t)
	recv(t, r, t0, nbA, upd(dstD, 5, 50))
	drain(t, r)
	r.Events()
	hold := r.Config().hold(100)
	if dl := r.NextDeadline(); dl.After(t0.Add(hold)) {
		t.Fatalf("NextDeadline %v after the route expiry", dl.Sub(t0))
	}
	r.Tick(t0.Add(hold - time.Millisecond))
	wantNextHop(t, r, dstD, nbA)
	r.Tick(t0.Add(hold))
	wantNextHop(t, r, dstD, identity.NodeID{})
	if got := updatesTo(drain(t, r), identity.NodeID{}, dstD); len(got) != 1 || got[0].Metric != Infinity {
		t.Fatalf("broadcast %+v, want a retraction", got)
	}
	if ev := r.Events(); len(ev) != 1 || ev[0].Kind != RouteLost {
		t.Fatalf("events %+v", ev)
	}
	r.Tick(t0.Add(hold + r.Config().RouteExpiry))
	if len(r.Routes()) != 0 {
		t.Fatalf("routes %+v after flush", r.Routes())
	}
	// The feasibility distance outlives the route until source GC.
	if d := r.dests[dstD]; d == nil || !d.hasFD {
		t.Fatal("feasibility distance dropped before SourceGCTime")
	}
	for now := t0; now.Before(t0.Add(r.Config().SourceGCTime + time.Second)); now = r.NextDeadline() {
		r.Tick(now)
		drain(t, r)
	}
	if len(r.dests) != 0 || len(r.order) != 0 {
		t.Fatalf("destination kept after source GC: %d", len(r.dests))
	}
}

func TestUnfeasibleUpdateFromSelectedNeighbour(t *testing.T) {
	r := newTestRouter(t)
	recv(t, r, t0, nbA, upd(dstD, 5, 50))
	recv(t, r, t0, nbB, upd(dstD, 5, 60))
	drain(t, r) // fd (5, 51)
	wantNextHop(t, r, dstD, nbA)
	// a's metric grows past the feasibility distance: a may now route through us.
	recv(t, r, at(time.Second), nbA, upd(dstD, 5, 70))
	wantNextHop(t, r, dstD, identity.NodeID{})
	out := drain(t, r)
	if got := updatesTo(out, identity.NodeID{}, dstD); len(got) != 1 || got[0].Metric != Infinity {
		t.Fatalf("broadcast %+v, want a retraction", got)
	}
	want := []SeqnoRequest{{Dst: dstD, Seqno: 6, HopCount: MaxHopCount}}
	if got := seqnoRequestsTo(out, identity.NodeID{}); !reflect.DeepEqual(got, want) {
		t.Fatalf("starving router sent seqno requests %+v, want %+v", got, want)
	}
	// The source answers with a newer seqno: every route is feasible again.
	recv(t, r, at(2*time.Second), nbB, upd(dstD, 6, 60))
	wantNextHop(t, r, dstD, nbB)
	if got := updatesTo(drain(t, r), identity.NodeID{}, dstD); !reflect.DeepEqual(got, []Update{{Dst: dstD, Seqno: 6, Metric: 61, Interval: 100}}) {
		t.Fatalf("broadcast %+v", got)
	}
}

func TestUnfeasibleBetterRouteRequestsSeqno(t *testing.T) {
	r := newTestRouter(t)
	recv(t, r, t0, nbA, upd(dstD, 5, 50))
	drain(t, r) // fd (5, 51)
	if err := r.NeighbourCost(at(time.Second), nbA, 40); err != nil {
		t.Fatal(err)
	}
	drain(t, r)
	// b's route (5, 55) is unfeasible, but at 56 it beats the selected 90.
	recv(t, r, at(time.Second), nbB, upd(dstD, 5, 55))
	wantNextHop(t, r, dstD, nbA)
	out := drain(t, r)
	want := []SeqnoRequest{{Dst: dstD, Seqno: 6, HopCount: MaxHopCount}}
	if got := seqnoRequestsTo(out, nbB); !reflect.DeepEqual(got, want) {
		t.Fatalf("seqno requests to b %+v, want %+v", got, want)
	}
	// Duplicate suppression: the next update does not repeat the request at once...
	recv(t, r, at(time.Second+time.Millisecond), nbB, upd(dstD, 5, 55))
	if got := seqnoRequestsTo(drain(t, r), nbB); len(got) != 0 {
		t.Fatalf("repeated request %+v", got)
	}
	// ...but does after RequestSuppression.
	now := at(time.Second + r.Config().RequestSuppression)
	r.Tick(now)
	recv(t, r, now, nbB, upd(dstD, 5, 55))
	if got := seqnoRequestsTo(drain(t, r), nbB); !reflect.DeepEqual(got, want) {
		t.Fatalf("request after suppression %+v, want %+v", got, want)
	}
}

func TestCostChange(t *testing.T) {
	r := newTestRouter(t)
	recv(t, r, t0, nbA, upd(dstD, 5, 100))
	recv(t, r, t0, nbB, upd(dstD, 5, 100))
	drain(t, r)
	wantNextHop(t, r, dstD, nbA) // equal metrics: smaller neighbour ID wins, then stays
	r.Events()
	// A small change is left for the periodic update; a large one is announced at once.
	if err := r.NeighbourCost(at(time.Second), nbB, 3); err != nil {
		t.Fatal(err)
	}
	if out := drain(t, r); len(out) != 0 {
		t.Fatalf("outbox %+v after a cost change off the selected route", out)
	}
	if err := r.NeighbourCost(at(time.Second), nbA, 5); err != nil {
		t.Fatal(err)
	}
	if out := drain(t, r); len(out) != 0 {
		t.Fatalf("outbox %+v after an insignificant change", out)
	}
	if err := r.NeighbourCost(at(time.Second), nbA, 30); err != nil {
		t.Fatal(err)
	}
	wantNextHop(t, r, dstD, nbB) // 103 beats 130 by more than the margin
	ev := r.Events()
	if len(ev) != 1 || ev[0].Kind != RouteChanged || ev[0].NextHop != nbB || ev[0].Metric != 103 {
		t.Fatalf("events %+v", ev)
	}
	// 101 was advertised: 103 is not a significant change, neighbours hear it periodically.
	if out := drain(t, r); len(out) != 0 {
		t.Fatalf("outbox %+v after a next-hop change", out)
	}
	if err := r.NeighbourCost(at(time.Second), nbB, Infinity); err != nil {
		t.Fatal(err)
	}
	wantNextHop(t, r, dstD, nbA) // a's advertised 100 is below the feasibility distance 101
	if got := updatesTo(drain(t, r), identity.NodeID{}, dstD); len(got) != 1 || got[0].Metric != 130 {
		t.Fatalf("broadcast %+v, want D at 130", got)
	}
}

func TestNeighbourDown(t *testing.T) {
	r := newTestRouter(t)
	recv(t, r, t0, nbA, upd(dstD, 5, 10))
	recv(t, r, t0, nbB, upd(dstD, 5, 10)) // as good: a stays selected, b stays feasible
	recv(t, r, t0, nbA, upd(dstE, 1, 10))
	drain(t, r)
	r.Events()
	r.NeighbourDown(at(time.Second), nbA)
	wantNextHop(t, r, dstD, nbB)
	wantNextHop(t, r, dstE, identity.NodeID{})
	ev := r.Events()
	if len(ev) != 2 || ev[0].Dst != dstE && ev[1].Dst != dstE {
		t.Fatalf("events %+v", ev)
	}
	for _, rt := range r.Routes() {
		if rt.NextHop == nbA {
			t.Fatalf("route through the lost neighbour: %+v", rt)
		}
	}
	if err := r.Receive(at(time.Second), nbA, nil); !errors.Is(err, ErrNotNeighbour) {
		t.Fatalf("message from the lost neighbour: %v", err)
	}
}

func TestSelfUpdates(t *testing.T) {
	r := newTestRouter(t)
	s := r.Seqno()
	recv(t, r, t0, nbA, upd(self, s-1, 3)) // stale echo of our own route: ignored
	if r.Seqno() != s || len(drain(t, r)) != 0 {
		t.Fatal("a stale update about ourselves changed something")
	}
	recv(t, r, t0, nbA, upd(self, s+10, 3)) // someone has a newer seqno of ours (we restarted)
	if r.Seqno() != s+11 {
		t.Fatalf("seqno %d, want %d", r.Seqno(), s+11)
	}
	if got := updatesTo(drain(t, r), identity.NodeID{}, self); len(got) != 1 || got[0].Seqno != s+11 || got[0].Metric != 0 {
		t.Fatalf("self announcement %+v", got)
	}
	if _, ok := r.NextHop(self); ok {
		t.Fatal("route to ourselves")
	}
}

func TestTableLimits(t *testing.T) {
	r, err := New(self, Config{UpdateInterval: time.Second, MaxRoutes: 3, MaxSources: 2}, rand.New(rand.NewPCG(1, 1)), t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []identity.NodeID{nbA, nbB} {
		if err := r.NeighbourUp(t0, n, 1); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := (&Message{Updates: []Update{
		{Dst: dstD, Seqno: 1, Metric: 1, Interval: 1},
		{Dst: testID(300), Seqno: 1, Metric: 1, Interval: 1},
		{Dst: dstE, Seqno: 1, Metric: 1, Interval: 1},
	}}).Encode()
	if err := r.Receive(t0, nbA, b); !errors.Is(err, ErrTableFull) {
		t.Fatalf("third destination: %v", err)
	}
	wantNextHop(t, r, dstD, nbA)
	wantNextHop(t, r, dstE, identity.NodeID{})
	recv(t, r, t0, nbB, upd(dstD, 1, 1)) // third route
	b, _ = (&Message{Updates: []Update{{Dst: testID(300), Seqno: 1, Metric: 1, Interval: 1}}}).Encode()
	if err := r.Receive(t0, nbB, b); !errors.Is(err, ErrTableFull) {
		t.Fatalf("fourth route: %v", err)
	}
	if n := len(r.Routes()); n != 3 {
		t.Fatalf("%d routes, limit 3", n)
	}
}

func TestPeriodicDumpIsSplit(t *testing.T) {
	r := newTestRouter(t)
	const n = 100
	var p packer
	for i := range n {
		p.update(Update{Dst: testID(1000 + i), Seqno: 1, Metric: uint16(i), Interval: 100})
	}
	for _, m := range p.msgs {
		recv(t, r, t0, nbA, *m)
	}
	drain(t, r)
	dl := r.NextDeadline()
	if dl.Before(t0.Add(r.Config().UpdateInterval*3/4)) || dl.After(t0.Add(r.Config().UpdateInterval)) {
		t.Fatalf("first periodic update at %v", dl.Sub(t0))
	}
	r.Tick(dl)
	out := drain(t, r)
	seen := map[identity.NodeID]bool{}
	for _, s := range out {
		if !s.to.IsZero() || len(s.m.Updates) > MaxUpdatesPerMessage {
			t.Fatalf("message to %s with %d updates", s.to.Short(), len(s.m.Updates))
		}
		for _, u := range s.m.Updates {
			seen[u.Dst] = true
		}
	}
	if len(out) != 4 || len(seen) != n+1 || !seen[self] {
		t.Fatalf("%d messages announcing %d destinations", len(out), len(seen))
	}
	if next := r.NextDeadline(); !next.After(dl) {
		t.Fatalf("next periodic update %v not after %v", next, dl)
	}
}

func TestRoutesAndEvents(t *testing.T) {
	r := newTestRouter(t)
	if dl := (&Router{}).NextDeadline(); !dl.IsZero() {
		t.Fatalf("NextDeadline of an unused router = %v", dl)
	}
	recv(t, r, t0, nbB, upd(dstD, 5, 20))
	recv(t, r, t0, nbA, upd(dstD, 5, 30))
	rs := r.Routes()
	if len(rs) != 2 || compareID(rs[0].NextHop, rs[1].NextHop) >= 0 {
		t.Fatalf("routes not ordered by neighbour: %+v", rs)
	}
	for _, rt := range rs {
		if rt.Selected != (rt.NextHop == nbB) || !rt.Feasible || rt.Seqno != 5 || !rt.Expires.Equal(t0.Add(3500*time.Millisecond)) {
			t.Fatalf("route %+v", rt)
		}
	}
	ev := r.Events()
	if len(ev) != 1 || ev[0].Kind != RouteInstalled || ev[0].NextHop != nbB || ev[0].Metric != 21 || !ev[0].Time.Equal(t0) {
		t.Fatalf("events %+v", ev)
	}
	if r.Events() != nil {
		t.Fatal("events not cleared")
	}
	for i := range MaxEvents + 10 {
		m := uint16(Infinity)
		if i%2 == 0 {
			m = 20
		}
		recv(t, r, t0, nbB, upd(dstE, 5, m))
	}
	ev = r.Events()
	if len(ev) != MaxEvents || ev[len(ev)-1].Kind != RouteLost {
		t.Fatalf("%d events, last %v", len(ev), ev[len(ev)-1].Kind)
	}
	for k, s := range map[EventKind]string{RouteInstalled: "installed", RouteChanged: "changed", RouteLost: "lost", 0: "unknown"} {
		if k.String() != s {
			t.Errorf("%d.String() = %q", k, k.String())
		}
	}
}

func TestDeterminism(t *testing.T) {
	run := func() (int, int, [][]Route) {
		s := randomSim(t, 20, 15, fastConfig, 42)
		s.loss, s.maxDelay = 0.1, 50*time.Millisecond
		s.runFor(20 * time.Second)
		var rs [][]Route
		for _, n := range s.nodes {
			rs = append(rs, n.Routes())
		}
		return s.msgs, s.bytes, rs
	}
	m1, b1, r1 := run()
	m2, b2, r2 := run()
	if m1 != m2 || b1 != b2 || !reflect.DeepEqual(r1, r2) {
		t.Fatalf("two identical runs differ: %d/%d messages, %d/%d bytes", m1, m2, b1, b2)
	}
}
