package mapek

import (
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// runEvery steps l through n snapshots period apart from t0.
func runEvery(l *Loop, period time.Duration, n int, g gen) []StepResult {
	out := make([]StepResult, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, l.Step(t0.Add(time.Duration(i)*period), g(i)))
	}
	return out
}

// firstSymptom is the offset from t0 of the first Step that raised kind on
// any subject, and whether one did.
func firstSymptom(rs []StepResult, kind SymptomKind) (time.Duration, bool) {
	for _, r := range rs {
		for _, s := range r.Symptoms {
			if s.Kind == kind {
				return r.Audit[0].At.Sub(t0), true
			}
		}
	}
	return 0, false
}

// symptomSteps counts the Steps that raised kind.
func symptomSteps(rs []StepResult, kind SymptomKind) int {
	n := 0
	for _, r := range rs {
		for _, s := range r.Symptoms {
			if s.Kind == kind {
				n++
				break
			}
		}
	}
	return n
}

// TestRulesIndependentOfPeriod: each rule fires at (about) the same time
// whatever the loop period, because windows, rates, smoothing and the dead
// interval are times, not sample counts.
func TestRulesIndependentOfPeriod(t *testing.T) {
	a, b := nid(1), nid(2)
	span := 90 * time.Second
	for _, tc := range []struct {
		name string
		kind SymptomKind
		// g returns the snapshot at offset d from t0.
		g func(d time.Duration) Snapshot
		// The symptom must first be raised within [from, to].
		from, to time.Duration
	}{
		{"transport-blocked, one failed handshake per 10 s", SymptomTransportBlocked, func(d time.Duration) Snapshot {
			n := uint64(d/(10*time.Second) + 1)
			x, y := healthy(a), healthy(b)
			x.Up = false
			x.HandshakeAttempts, x.HandshakeFailures = n, n
			y.HandshakeAttempts = n
			return Snapshot{Neighbours: []NeighbourSample{x, y}}
		}, 20 * time.Second, 31 * time.Second},
		{"flapping-link, down 3 s of every 10 s", SymptomFlappingLink, func(d time.Duration) Snapshot {
			x := healthy(a)
			x.Up = d < 10*time.Second || (d%(10*time.Second)) >= 3*time.Second
			return Snapshot{Neighbours: []NeighbourSample{x}}
		}, 23 * time.Second, 24 * time.Second},
		{"misbehaving-relay, blackhole, 2 relayed/s", SymptomMisbehavingRelay, func(d time.Duration) Snapshot {
			x := healthy(a)
			x.Relayed = uint64(d / (500 * time.Millisecond))
			return Snapshot{Neighbours: []NeighbourSample{x}}
		}, 24 * time.Second, 26 * time.Second},
		{"forged-traffic, 30 decrypt drops/s from 10 s", SymptomForgedTraffic, func(d time.Duration) Snapshot {
			return Snapshot{Node: NodeSample{Drops: dropsAt(d, 30)}}
		}, 10 * time.Second, 11 * time.Second},
		{"dead-link from 10 s", SymptomDeadLink, func(d time.Duration) Snapshot {
			x := healthy(a)
			x.Up = d < 10*time.Second
			return Snapshot{Neighbours: []NeighbourSample{x}}
		}, 10 * time.Second, 11 * time.Second},
		{"degraded-link, loss 0.3 from 10 s", SymptomDegradedLink, func(d time.Duration) Snapshot {
			x := healthy(a)
			if d >= 10*time.Second {
				x.RxLoss = 0.3
			}
			return Snapshot{Neighbours: []NeighbourSample{x}}
		}, 10 * time.Second, 11 * time.Second},
	} {
		for _, period := range []time.Duration{100 * time.Millisecond, time.Second} {
			l, _ := newLoop(t, Config{}, nil)
			n := int(span / period)
			rs := runEvery(l, period, n, func(i int) Snapshot { return tc.g(time.Duration(i) * period) })
			at, ok := firstSymptom(rs, tc.kind)
			if !ok || at < tc.from || at > tc.to {
				t.Errorf("%s, period %v: first raised at %v (%v), want within [%v, %v]", tc.name, period, at, ok, tc.from, tc.to)
			}
		}
	}
}

// dropsAt returns decrypt drops cumulative at perSec from 10 s.
func dropsAt(d time.Duration, perSec int) (dr mesh.Drops) {
	if d > 10*time.Second {
		dr.Decrypt = uint64((d - 10*time.Second) * time.Duration(perSec) / time.Second)
	}
	return dr
}

// TestPartitionRecentMax: the partition rule compares the route count with
// its maximum over the window, so a slow loss is seen and the symptom lasts
// while the routes stay lost.
func TestPartitionRecentMax(t *testing.T) {
	for _, tc := range []struct {
		name   string
		routes func(i int) int // route count at step i (100 ms period)
		raised bool
		steps  int // least number of Steps with the symptom
	}{
		{"10 to 0, one per sample", func(i int) int { return 10 - min(max(i-50, 0), 10) }, true, 100},
		{"10 to 4 over 30 s", func(i int) int { return 10 - min(max(i-50, 0)/50, 6) }, true, 100},
		{"10 to 4 at once", func(i int) int {
			if i >= 50 {
				return 4
			}
			return 10
		}, true, 100},
		{"10 to 6 (40 %)", func(i int) int {
			if i >= 50 {
				return 6
			}
			return 10
		}, false, 0},
		{"3 to 0 (below PartitionMinRoutes)", func(i int) int {
			if i >= 50 {
				return 0
			}
			return 3
		}, false, 0},
	} {
		l, _ := newLoop(t, Config{}, nil)
		rs := runEvery(l, 100*time.Millisecond, 500, func(i int) Snapshot { return Snapshot{Node: NodeSample{Routes: tc.routes(i)}} })
		n := symptomSteps(rs, SymptomPartition)
		if (n > 0) != tc.raised || n < tc.steps {
			t.Errorf("%s: partition raised in %d Steps, want raised %v in at least %d", tc.name, n, tc.raised, tc.steps)
		}
	}
}

// TestNodeCooldownPerKind: node-wide symptoms of different kinds do not
// block each other; the same kind, and any two symptoms of one link, do.
func TestNodeCooldownPerKind(t *testing.T) {
	a := nid(1)
	for _, tc := range []struct {
		name    string
		g       gen
		applied int // actions applied at the first Step with symptoms
		skipped int // skip-cooldown records then
	}{
		{"forged-traffic and handshake-flood", func(i int) Snapshot {
			s := Snapshot{}
			s.Node.Drops.Decrypt, s.Node.CookieReplies = uint64(i*5), uint64(i*30)
			return s
		}, 2, 0},
		{"overload and forged-traffic", func(i int) Snapshot {
			s := Snapshot{}
			s.Node.Drops.Decrypt, s.Node.QueueDrops = uint64(i*5), uint64(i*10)
			return s
		}, 2, 0},
		{"degraded and misbehaving relay on one link", func(i int) Snapshot {
			x := healthy(a) // both from step 20
			if i >= 20 {
				x.RxLoss, x.TxLoss = 0.5, 0.5
			}
			x.Relayed, x.Dests, x.FailingDests = uint64(max(i-15, 0)*10), 2, 2
			return Snapshot{Neighbours: []NeighbourSample{x}}
		}, 1, 1},
	} {
		l, _ := newLoop(t, Config{}, nil)
		for i := 0; i < 100; i++ {
			r := l.Step(t0.Add(time.Duration(i)*100*time.Millisecond), tc.g(i))
			if len(r.Symptoms) < 2 {
				continue
			}
			if got, skip := countEvent([]StepResult{r}, EventApplied), countEvent([]StepResult{r}, EventSkipCooldown); got != tc.applied || skip != tc.skipped {
				t.Errorf("%s: applied %d, skip-cooldown %d; want %d, %d", tc.name, got, skip, tc.applied, tc.skipped)
			}
			break
		}
	}
}
