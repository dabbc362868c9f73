package sim

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// opts returns Options for n nodes of topology t without jitter, loss or
// traffic, so that tests are fast and costs are equal.
func opts(t Topology, n int, seed uint64) Options {
	o := DefaultOptions()
	o.Topology, o.Nodes, o.Seed = t, n, seed
	o.Link.Jitter = 0
	o.TrafficRate = 0
	o.Duration = 5 * time.Second
	return o
}

// newSim returns a started simulation or fails.
func newSim(tb testing.TB, o Options) *Sim {
	tb.Helper()
	s, err := New(o, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// converge runs s until its routes are complete and least-cost, or fails.
func converge(tb testing.TB, s *Sim) {
	tb.Helper()
	if !s.RunUntil(5*time.Second, s.RoutesComplete) {
		tb.Fatalf("routes not complete after %v", s.Now())
	}
	if !s.RunUntil(5*time.Second, s.RoutesOptimal) {
		tb.Fatalf("routes not least-cost after %v", s.Now())
	}
}
