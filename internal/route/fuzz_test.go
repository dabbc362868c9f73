package route

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// fuzzSeeds are valid messages of every kind, and near misses.
func fuzzSeeds() [][]byte {
	var seeds [][]byte
	add := func(m Message) {
		b, err := m.Encode()
		if err != nil {
			panic(err)
		}
		seeds = append(seeds, b)
	}
	add(upd(dstD, 5, 10))
	add(upd(dstD, 6, Infinity))
	add(upd(self, 1, 0))
	add(Message{RouteRequests: []RouteRequest{{}}})
	add(seqReq(dstD, 6, 3))
	add(seqReq(self, 9, 1))
	var p packer
	for i := range MaxUpdatesPerMessage {
		p.update(Update{Dst: testID(i), Seqno: uint16(i), Metric: uint16(10 * i), Interval: 100})
	}
	p.routeRequest(RouteRequest{Dst: dstD})
	p.seqnoRequest(SeqnoRequest{Dst: dstE, Seqno: 2, HopCount: 64})
	for _, m := range p.msgs {
		add(*m)
	}
	bad := slices.Clone(seeds[0])
	bad[len(bad)-1] = 0 // zero interval
	seeds = append(seeds, bad, []byte{Version}, []byte{2, 1, 0, 0}, nil)
	return seeds
}

func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			if m != nil {
				t.Fatal("message returned with an error")
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrUnsupportedVersion) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		// Accepted messages are canonical: they re-encode to the same bytes.
		enc, err := m.Encode()
		if err != nil {
			t.Fatalf("decoded message does not encode: %v", err)
		}
		if !bytes.Equal(enc, b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", enc, b)
		}
		if len(b) > MaxMessageSize || m.Size() != len(b) {
			t.Fatalf("size %d of a %d-byte message", m.Size(), len(b))
		}
	})
}

// checkInvariants verifies the internal consistency of r.
func checkInvariants(r *Router) error {
	if len(r.order) != len(r.dests) || !slices.IsSortedFunc(r.order, compareID) {
		return fmt.Errorf("order has %d entries for %d destinations", len(r.order), len(r.dests))
	}
	if len(r.dests) > r.cfg.MaxSources || r.nroutes > r.cfg.MaxRoutes {
		return fmt.Errorf("%d destinations, %d routes over the limits", len(r.dests), r.nroutes)
	}
	if len(r.out.suppressed) > MaxPendingRequests || len(r.events) > MaxEvents {
		return fmt.Errorf("%d suppressed requests, %d events", len(r.out.suppressed), len(r.events))
	}
	n := 0
	for _, id := range r.order {
		d := r.dests[id]
		if d == nil || id.IsZero() || id == r.self {
			return fmt.Errorf("bad destination %s", id.Short())
		}
		if len(d.routes) == 0 && !d.hasFD {
			return fmt.Errorf("empty destination %s kept", id.Short())
		}
		seen := map[identity.NodeID]bool{}
		for _, e := range d.routes {
			cost, ok := r.neighbours[e.neighbour]
			if !ok || seen[e.neighbour] {
				return fmt.Errorf("route to %s via %s: not a neighbour or duplicated", id.Short(), e.neighbour.Short())
			}
			seen[e.neighbour] = true
			if e.metric != addMetric(cost, e.advertised) {
				return fmt.Errorf("route metric %d != %d + %d", e.metric, cost, e.advertised)
			}
		}
		n += len(d.routes)
		if d.selected != nil && (!slices.Contains(d.routes, d.selected) || !d.usable(d.selected)) {
			return fmt.Errorf("selected route to %s is unusable or not in the table", id.Short())
		}
		if nh, ok := r.NextHop(id); ok != (d.selected != nil) || ok && nh != d.selected.neighbour {
			return fmt.Errorf("NextHop disagrees with the selection")
		}
	}
	if n != r.nroutes {
		return fmt.Errorf("route count %d, table has %d", r.nroutes, n)
	}
	return nil
}

func FuzzReceive(f *testing.F) {
	seeds := fuzzSeeds()
	for i, s := range seeds {
		f.Add(s, seeds[(i+1)%len(seeds)], uint8(i), uint16(100*i))
	}
	f.Fuzz(func(t *testing.T, m1, m2 []byte, from uint8, advance uint16) {
		r, err := New(self, Config{UpdateInterval: time.Second, MaxRoutes: 64, MaxSources: 16}, rand.New(rand.NewPCG(1, 2)), t0)
		if err != nil {
			t.Fatal(err)
		}
		nbs := []identity.NodeID{nbA, nbB, nbC}
		for i, n := range nbs {
			if err := r.NeighbourUp(t0, n, uint16(1+i)); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range []Message{upd(dstD, 5, 10), upd(dstE, 1, 20)} {
			b, _ := m.Encode()
			if err := r.Receive(t0, nbA, b); err != nil {
				t.Fatal(err)
			}
		}
		now := t0
		for i, m := range [][]byte{m1, m2, m1} {
			err := r.Receive(now, nbs[(int(from)+i)%len(nbs)], m)
			if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) &&
				!errors.Is(err, ErrUnsupportedVersion) && !errors.Is(err, ErrTableFull) {
				t.Fatalf("unexpected error %v", err)
			}
			if err := checkInvariants(r); err != nil {
				t.Fatal(err)
			}
			for _, o := range r.Outbox() {
				if _, err := Decode(o.Msg); err != nil {
					t.Fatalf("outbox message does not decode: %v", err)
				}
				if !o.To.IsZero() && !slices.Contains(nbs, o.To) {
					t.Fatalf("message for %s, not a neighbour", o.To.Short())
				}
			}
			now = now.Add(time.Duration(advance) * time.Millisecond)
			if dl := r.NextDeadline(); dl.Before(now) {
				r.Tick(now)
			}
			if err := checkInvariants(r); err != nil {
				t.Fatal(err)
			}
		}
	})
}
