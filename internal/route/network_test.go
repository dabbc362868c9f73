package route

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestTopologiesConverge(t *testing.T) {
	tests := []struct {
		name string
		sim  func(testing.TB) *sim
	}{
		{"line", func(tb testing.TB) *sim { return lineSim(tb, 6, 3) }},
		{"ring", func(tb testing.TB) *sim { return ringSim(tb, 7, 2) }},
		{"grid", func(tb testing.TB) *sim { return gridSim(tb, 4, 3, 7) }},
		{"random", func(tb testing.TB) *sim { return randomSim(tb, 15, 12, fastConfig, 3) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.sim(t)
			s.checkLoops = true
			s.runFor(quiesceTime(fastConfig))
			if err := s.converged(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestLineConvergesQuickly(t *testing.T) {
	// Without loss, triggered updates and the dumps exchanged at NeighbourUp converge a line
	// long before the first periodic update.
	s := lineSim(t, 8, 1)
	s.runFor(10 * time.Millisecond)
	if err := s.converged(); err != nil {
		t.Fatal(err)
	}
}

func TestRingRepairsAfterLinkFailure(t *testing.T) {
	s := ringSim(t, 6, 1)
	s.checkLoops = true
	s.runFor(quiesceTime(fastConfig))
	s.linkDown(0, 1)
	s.runFor(100 * time.Millisecond)
	if err := s.converged(); err != nil {
		t.Fatalf("after link failure: %v", err)
	}
	s.linkUp(0, 1, 1)
	// The restored link is better by less than SwitchMargin: hysteresis keeps the old
	// routes until the new ones have been better for SwitchDelay.
	s.runFor(100 * time.Millisecond)
	if nh, _ := s.nodes[1].NextHop(s.ids[0]); nh != s.ids[2] {
		t.Fatalf("node 1 switched to %s before SwitchDelay", nh.Short())
	}
	// Each hop switches one SwitchDelay after its upstream did.
	s.runFor(4 * (s.nodes[0].Config().SwitchDelay + time.Second))
	if err := s.converged(); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestRestart(t *testing.T) {
	for seed := range uint64(8) {
		s := gridSim(t, 3, 3, seed)
		s.checkLoops = true
		s.runFor(quiesceTime(fastConfig))
		s.restart(4, seed+100) // the centre, with a seqno that may be older than the network's
		s.runFor(quiesceTime(fastConfig))
		if err := s.converged(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}

func TestPartitionRetractsRoutes(t *testing.T) {
	s := lineSim(t, 5, 1)
	s.checkLoops = true
	s.loss = 0.5
	s.runFor(quiesceTime(fastConfig))
	s.loss = 0
	s.runFor(quiesceTime(fastConfig))
	s.loss = 0.5 // retractions may be lost: expiry must still clean up
	s.linkDown(2, 3)
	s.runFor(quiesceTime(fastConfig))
	s.loss = 0
	s.runFor(quiesceTime(fastConfig))
	if err := s.converged(); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.nodes[0].NextHop(s.ids[4]); ok {
		t.Fatal("route across the partition survived")
	}
}

// TestConvergenceProperty: under random link failures, recoveries, cost changes, loss and
// delay, the selected routes are loop-free at every step, and after the network quiesces
// every reachable destination is reached along a least-cost path and unreachable ones have
// no route.
func TestConvergenceProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(2, 8).Draw(rt, "n")
		s := newSim(rt, n, fastConfig, rapid.Uint64().Draw(rt, "seed"))
		s.checkLoops = true
		for i := range n {
			for j := i + 1; j < n; j++ {
				if rapid.Bool().Draw(rt, "edge") {
					s.linkUp(i, j, rapid.Uint16Range(1, 40).Draw(rt, "cost"))
				}
			}
		}
		ops := rapid.IntRange(0, 25).Draw(rt, "ops")
		for range ops {
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
			case op == 3 && rapid.IntRange(0, 3).Draw(rt, "restart") == 0:
				s.restart(i, rapid.Uint64().Draw(rt, "restartSeed"))
			case op == 2:
				s.loss = rapid.Float64Range(0, 0.5).Draw(rt, "loss")
				s.maxDelay = time.Duration(rapid.IntRange(0, 300).Draw(rt, "delay")) * time.Millisecond
			}
			s.runFor(time.Duration(rapid.IntRange(0, 4000).Draw(rt, "wait")) * time.Millisecond)
		}
		s.loss, s.maxDelay = 0, 0
		s.runFor(quiesceTime(fastConfig))
		if err := s.converged(); err != nil {
			rt.Fatal(err)
		}
	})
}

// TestRestartsLoopFree: routers that restart again and again, losing all state, while stale
// routes to them are still in flight, never make a forwarding loop. Initial seqnos drawn at
// random made loops here (three incarnations spread around the seqno space); initial seqnos
// from the clock keep one source's seqnos within half the space (ClockSeqno).
func TestRestartsLoopFree(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(3, 6).Draw(rt, "n")
		s := newSim(rt, n, fastConfig, rapid.Uint64().Draw(rt, "seed"))
		s.checkLoops = true
		for i := range n {
			for j := i + 1; j < n; j++ {
				if j == i+1 || rapid.Bool().Draw(rt, "edge") {
					s.linkUp(i, j, rapid.Uint16Range(1, 40).Draw(rt, "cost"))
				}
			}
		}
		s.maxDelay = time.Duration(rapid.IntRange(0, 100).Draw(rt, "delay")) * time.Millisecond
		s.runFor(3 * time.Second)
		for range rapid.IntRange(1, 12).Draw(rt, "restarts") {
			s.restart(rapid.IntRange(0, n-1).Draw(rt, "node"), rapid.Uint64().Draw(rt, "restartSeed"))
			s.runFor(time.Duration(rapid.IntRange(0, 3000).Draw(rt, "wait")) * time.Millisecond)
		}
		s.maxDelay = 0
		s.runFor(quiesceTime(fastConfig))
		if err := s.converged(); err != nil {
			rt.Fatal(err)
		}
	})
}
