package route

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"pgregory.net/rapid"
)

// countRoutes counts the selected routes of r and those through each neighbour (other than
// the route to the neighbour itself) from a full copy of the table, as SelectedCounts must.
func countRoutes(r *Router) (int, map[identity.NodeID]int) {
	n, via := 0, map[identity.NodeID]int{}
	for _, rt := range r.Routes() {
		if rt.Selected {
			n++
			if rt.NextHop != rt.Dst {
				via[rt.NextHop]++
			}
		}
	}
	return n, via
}

// checkCounts fails unless SelectedCounts agrees with countRoutes.
func checkCounts(r *Router) error {
	wantN, wantVia := countRoutes(r)
	via := map[identity.NodeID]int{}
	if n := r.SelectedCounts(via); n != wantN || !maps.Equal(via, wantVia) {
		return fmt.Errorf("%s: SelectedCounts %d %v, table %d %v", r.Self().Short(), n, via, wantN, wantVia)
	}
	if n := r.SelectedCounts(nil); n != wantN {
		return fmt.Errorf("%s: SelectedCounts(nil) %d, table %d", r.Self().Short(), n, wantN)
	}
	return nil
}

func TestSelectedCounts(t *testing.T) {
	type step func(t *testing.T, r *Router)
	update := func(from, dst identity.NodeID, seqno, metric uint16) step {
		return func(t *testing.T, r *Router) { recv(t, r, at(time.Second), from, upd(dst, seqno, metric)) }
	}
	tests := []struct {
		name    string
		steps   []step
		wantN   int
		wantVia map[identity.NodeID]int
	}{
		{"empty", nil, 0, map[identity.NodeID]int{}},
		{"neighbour's own route is not transit", []step{update(nbA, nbA, 1, 0)}, 1, map[identity.NodeID]int{}},
		{"two destinations through a", []step{update(nbA, nbA, 1, 0), update(nbA, dstD, 1, 5), update(nbA, dstE, 1, 5)},
			3, map[identity.NodeID]int{nbA: 2}},
		{"switch to b", []step{update(nbA, dstD, 1, 50), update(nbB, dstD, 2, 5)}, 1, map[identity.NodeID]int{nbB: 1}},
		{"retraction", []step{update(nbA, dstD, 1, 5), update(nbA, dstD, 1, Infinity)}, 0, map[identity.NodeID]int{}},
		{"neighbour down", []step{update(nbA, dstD, 1, 5), update(nbB, dstE, 1, 5),
			func(t *testing.T, r *Router) { r.NeighbourDown(at(2*time.Second), nbA) }}, 1, map[identity.NodeID]int{nbB: 1}},
		{"expiry", []step{update(nbA, dstD, 1, 5),
			func(t *testing.T, r *Router) { r.Tick(at(time.Hour)) }}, 0, map[identity.NodeID]int{}},
		{"penalty moves the route", []step{update(nbA, dstD, 1, 5), update(nbB, dstD, 1, 9),
			func(t *testing.T, r *Router) {
				if err := r.SetTransitPenalty(at(2*time.Second), nbA, 100); err != nil {
					t.Fatal(err)
				}
			},
			func(t *testing.T, r *Router) { r.Outbox() },
			update(nbB, dstD, 2, 9)}, 1, map[identity.NodeID]int{nbB: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRouter(t)
			for _, s := range tt.steps {
				s(t, r)
				if err := checkCounts(r); err != nil {
					t.Fatal(err)
				}
			}
			via := map[identity.NodeID]int{}
			if n := r.SelectedCounts(via); n != tt.wantN || !maps.Equal(via, tt.wantVia) {
				t.Fatalf("SelectedCounts %d %v, want %d %v", n, via, tt.wantN, tt.wantVia)
			}
		})
	}
}

// TestSelectedCountsProperty checks SelectedCounts against the full table after every
// message and timer of random networks with failures, restarts, loss and delay.
func TestSelectedCountsProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(2, 7).Draw(rt, "n")
		s := newSim(rt, n, fastConfig, rapid.Uint64().Draw(rt, "seed"))
		s.checkCounts = true
		for i := range n {
			for j := i + 1; j < n; j++ {
				if rapid.Bool().Draw(rt, "edge") {
					s.linkUp(i, j, rapid.Uint16Range(1, 40).Draw(rt, "cost"))
				}
			}
		}
		for range rapid.IntRange(0, 20).Draw(rt, "ops") {
			i := rapid.IntRange(0, n-1).Draw(rt, "i")
			j := rapid.IntRange(0, n-1).Draw(rt, "j")
			switch op := rapid.IntRange(0, 4).Draw(rt, "op"); {
			case i == j:
			case op == 0 && s.linked(i, j):
				s.linkDown(i, j)
			case op == 0:
				s.linkUp(i, j, rapid.Uint16Range(1, 40).Draw(rt, "cost"))
			case op == 1 && s.linked(i, j):
				s.setCost(i, j, rapid.Uint16Range(1, 40).Draw(rt, "cost"))
			case op == 3:
				s.restart(i, rapid.Uint64().Draw(rt, "restartSeed"))
			case op == 4:
				if err := s.nodes[i].SetTransitPenalty(s.now, s.ids[j], rapid.Uint16Range(0, 200).Draw(rt, "penalty")); err != nil {
					rt.Fatal(err)
				}
				s.flush(i)
			case op == 2:
				s.loss = rapid.Float64Range(0, 0.5).Draw(rt, "loss")
				s.maxDelay = time.Duration(rapid.IntRange(0, 300).Draw(rt, "delay")) * time.Millisecond
			}
			for _, r := range s.nodes {
				if err := checkCounts(r); err != nil {
					rt.Fatal(err)
				}
			}
			s.runFor(time.Duration(rapid.IntRange(0, 4000).Draw(rt, "wait")) * time.Millisecond)
		}
	})
}
