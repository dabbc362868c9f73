package mapek

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// deadFrom returns a generator in which neighbour a is down from step from
// until step to (exclusive; to < 0 means forever).
func deadFrom(a identity.NodeID, from, to int) gen {
	return func(i int) Snapshot {
		n := healthy(a)
		n.Up = i < from || (to >= 0 && i >= to)
		return Snapshot{Neighbours: []NeighbourSample{n}}
	}
}

func TestEscalation(t *testing.T) {
	a := nid(1)
	l, rec := newLoop(t, Config{}, nil)
	rs := run(l, t0, 200, deadFrom(a, 5, -1))
	acts := applied(rs)
	want := DefaultPolicy()[SymptomDeadLink]
	if len(acts) != len(want) {
		t.Fatalf("applied %d actions, want %d: %+v", len(acts), len(want), acts)
	}
	for i, a := range acts {
		if a.Kind != want[i] || a.Rung != i {
			t.Errorf("action %d = %v rung %d, want %v rung %d", i, a.Kind, a.Rung, want[i], i)
		}
		if i > 0 && a.At.Sub(acts[i-1].At) < VerifyAfter {
			t.Errorf("escalated %v after the previous action, before VerifyAfter", a.At.Sub(acts[i-1].At))
		}
	}
	if got := countEvent(rs, EventPersisted); got != len(want) {
		t.Errorf("%d persisted verifications, want %d", got, len(want))
	}
	if got := countEvent(rs, EventExhausted); got != 1 {
		t.Errorf("%d exhausted records, want 1", got)
	}
	if len(rec.calls) != 3 || rec.calls[0].method != "spares" || rec.calls[1].method != "switch" || rec.calls[2].method != "restart" {
		t.Errorf("calls = %+v", rec.calls)
	}
	if rec.calls[2].arg != SubsystemLink.String() {
		t.Errorf("restarted %s, want link", rec.calls[2].arg)
	}
}

func TestMitigatedAndResolved(t *testing.T) {
	a := nid(1)
	l, _ := newLoop(t, Config{}, nil)
	// Down from step 5; back up at step 20 (after the first action at step 6,
	// DeadLinkFor after the first down sample, before its verification at
	// step 36).
	rs := run(l, t0, 200, deadFrom(a, 5, 20))
	var last Incident
	for _, r := range rs {
		for _, inc := range r.Incidents {
			last = inc
		}
	}
	if last.ID == 0 || last.Open() {
		t.Fatalf("incident not resolved: %+v", last)
	}
	if want := t0.Add(36 * time.Second); !last.MitigatedAt.Equal(want) {
		t.Errorf("MitigatedAt = %v, want %v", last.MitigatedAt, want)
	}
	if want := t0.Add(20 * time.Second); !last.ResolvedAt.Equal(want) {
		t.Errorf("ResolvedAt = %v, want %v", last.ResolvedAt, want)
	}
	if d, ok := last.MTTR(); !ok || d != 15*time.Second {
		t.Errorf("MTTR = %v %v, want 15s", d, ok)
	}
	if countEvent(rs, EventEffective) != 1 || countEvent(rs, EventMitigated) != 1 || countEvent(rs, EventResolved) != 1 {
		t.Errorf("effective/mitigated/resolved = %d/%d/%d", countEvent(rs, EventEffective), countEvent(rs, EventMitigated), countEvent(rs, EventResolved))
	}
	if len(l.OpenIncidents()) != 0 {
		t.Errorf("open incidents remain: %+v", l.OpenIncidents())
	}
}

func TestRollback(t *testing.T) {
	a := nid(1)
	for _, undoFails := range []bool{false, true} {
		l, rec := newLoop(t, Config{Policy: Policy{SymptomDegradedLink: {ActionSwitchTransport, ActionConnectSpares}}}, nil)
		rec.fail["undo"] = undoFails
		// Loss 0.3 until the first action (switch-transport), then 0.6:
		// worse than the peak before it.
		rs := run(l, t0, 40, func(i int) Snapshot {
			n := healthy(a)
			n.RxLoss = 0.3
			if i > 3 {
				n.RxLoss = 0.6
			}
			return Snapshot{Neighbours: []NeighbourSample{n}}
		})
		want, event := OutcomeRolledBack, EventRolledBack
		if undoFails {
			want, event = OutcomeUndoFailed, EventUndoFailed
		}
		var got []Action
		for _, r := range rs {
			for _, act := range r.Actions {
				if act.Outcome == want {
					got = append(got, act)
				}
			}
		}
		if len(got) != 1 || got[0].Kind != ActionSwitchTransport || got[0].MetricAfter <= got[0].MetricBefore {
			t.Fatalf("undoFails=%v: actions %+v", undoFails, got)
		}
		if len(rec.undos) != 1 || rec.undos[0].ID != got[0].ID {
			t.Errorf("undos = %+v", rec.undos)
		}
		if countEvent(rs, event) != 1 {
			t.Errorf("no %s record", event)
		}
		// The next rung follows after the rollback.
		if acts := applied(rs); len(acts) < 2 || acts[1].Kind != ActionConnectSpares {
			t.Errorf("no escalation after rollback: %+v", acts)
		}
	}
}

func TestActuatorFailure(t *testing.T) {
	a := nid(1)
	l, rec := newLoop(t, Config{}, nil)
	rec.fail["spares"] = true
	rs := run(l, t0, 60, deadFrom(a, 0, -1))
	var failed, next *Action
	for _, r := range rs {
		for i := range r.Actions {
			switch act := &r.Actions[i]; {
			case act.Outcome == OutcomeFailed:
				failed = act
			case failed != nil && next == nil:
				next = act
			}
		}
	}
	if failed == nil || failed.Err == "" || failed.Kind != ActionConnectSpares {
		t.Fatalf("failed = %+v", failed)
	}
	if next == nil || next.Kind != ActionSwitchTransport || next.At.Sub(failed.At) < Cooldown {
		t.Errorf("next action %+v after failure at %v", next, failed.At)
	}
	if countEvent(rs, EventFailed) != 1 {
		t.Error("no failed record")
	}
}

func TestCooldown(t *testing.T) {
	a := nid(1)
	l, _ := newLoop(t, Config{}, nil)
	// Degraded and a blackhole at once: one action, the other waits.
	rs := run(l, t0, 8, func(i int) Snapshot {
		n := healthy(a)
		n.RxLoss = 0.5
		n.Relayed, n.Dests, n.FailingDests = uint64(i)*20, 2, 2
		return Snapshot{Neighbours: []NeighbourSample{n}}
	})
	if acts := applied(rs); len(acts) != 1 {
		t.Fatalf("applied %+v, want one", acts)
	}
	if countEvent(rs, EventSkipCooldown) != 1 {
		t.Errorf("skip-cooldown records = %d, want 1 (deduplicated)", countEvent(rs, EventSkipCooldown))
	}
}

func TestBudget(t *testing.T) {
	const n = BudgetActions + 2
	l, _ := newLoop(t, Config{}, nil)
	rs := run(l, t0, 10, func(i int) Snapshot {
		s := Snapshot{}
		for j := 0; j < n; j++ {
			nb := healthy(nid(j + 1))
			nb.Up = i < 2
			s.Neighbours = append(s.Neighbours, nb)
		}
		return s
	})
	if acts := applied(rs); len(acts) != BudgetActions {
		t.Fatalf("applied %d, want %d", len(acts), BudgetActions)
	}
	if got := countEvent(rs, EventSkipBudget); got != n-BudgetActions {
		t.Errorf("skip-budget = %d, want %d", got, n-BudgetActions)
	}
}

func TestDamping(t *testing.T) {
	// A handshake flood that comes and goes every few seconds: every onset
	// adds a penalty; the third suppresses actions.
	cfg := Config{Cooldown: time.Second, VerifyAfter: time.Second, ResolveAfter: 3 * time.Second}
	l, _ := newLoop(t, cfg, nil)
	var hs uint64
	rs := run(l, t0, 40, func(i int) Snapshot {
		if i%10 < 2 {
			hs += 500
		}
		return Snapshot{Node: NodeSample{HandshakeDrops: hs}}
	})
	if countEvent(rs, EventSymptom) < 3 {
		t.Fatalf("only %d onsets", countEvent(rs, EventSymptom))
	}
	if countEvent(rs, EventSkipDamped) == 0 {
		t.Fatal("never damped")
	}
	if acts := applied(rs); len(acts) > 2 {
		t.Errorf("%d actions despite damping: %+v", len(acts), acts)
	}
	// After the penalty decays below DampReuse the subject is acted on again.
	later := t0.Add(2 * time.Hour)
	rs = run(l, later, 10, func(i int) Snapshot {
		hs += 500
		return Snapshot{Node: NodeSample{HandshakeDrops: hs}}
	})
	if countEvent(rs, EventSkipDamped) != 0 {
		t.Error("still damped after decay")
	}
}

func TestDampingDecay(t *testing.T) {
	c := DefaultConfig()
	p := planner{lastAction: map[key]time.Time{}, damp: map[key]*damping{}}
	k := key{SymptomFlappingLink, nid(1)}
	for i := 0; i < 20; i++ {
		p.onset(&c, k, t0)
	}
	if got := p.damp[k].penalty; got != DampMax {
		t.Errorf("penalty %v, want capped at %v", got, DampMax)
	}
	sup, _ := p.suppressed(&c, k, t0)
	if !sup {
		t.Fatal("not suppressed")
	}
	sup, pen := p.suppressed(&c, k, t0.Add(DampHalfLife))
	if !sup || math.Abs(pen-DampMax/2) > 1e-6 {
		t.Errorf("after a half-life: suppressed %v penalty %v", sup, pen)
	}
	// Reuse after log2(12000/750) = 4 half-lives.
	if sup, _ = p.suppressed(&c, k, t0.Add(4*DampHalfLife+time.Second)); sup {
		t.Error("still suppressed below reuse")
	}
	p.gc(&c, t0.Add(100*DampHalfLife))
	if len(p.damp) != 0 {
		t.Error("decayed damping state not collected")
	}
}

// noisy returns healthy telemetry with realistic noise for n neighbours.
func noisy(seed uint64, n int) gen {
	r := rand.New(rand.NewPCG(seed, 1))
	var relayed, confirmed, hsA, drops, cookies uint64
	return func(i int) Snapshot {
		s := Snapshot{Node: NodeSample{Routes: 20 + r.IntN(2), CPU: 0.2 + 0.3*r.Float64(), Memory: 0.4 + 0.1*r.Float64()}}
		drops += uint64(r.IntN(3))
		cookies += uint64(r.IntN(5))
		s.Node.Drops.Decrypt = drops
		s.Node.CookieReplies = cookies
		s.Node.QueueDrops = drops
		for j := 0; j < n; j++ {
			nb := healthy(nid(j + 1))
			nb.SRTT = time.Duration(8+r.IntN(5)) * time.Millisecond
			nb.RxLoss = 0.05 * r.Float64()
			nb.TxLoss = 0.05 * r.Float64()
			relayed += 10
			confirmed += 9 + uint64(r.IntN(2))
			nb.Relayed, nb.Confirmed = relayed, confirmed
			if i%600 == 0 {
				hsA++
			}
			nb.HandshakeAttempts = hsA
			s.Neighbours = append(s.Neighbours, nb)
		}
		return s
	}
}

func TestNoFaultHour(t *testing.T) {
	l, rec := newLoop(t, Config{}, nil)
	rs := run(l, t0, 3600, noisy(7, 8))
	for _, r := range rs {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		if len(r.Symptoms) != 0 {
			t.Fatalf("symptoms on healthy telemetry: %+v", r.Symptoms)
		}
	}
	if len(rec.calls) != 0 {
		t.Fatalf("actions on healthy telemetry: %+v", rec.calls)
	}
	if bs := l.Baselines(); len(bs) != 8 || bs[0].Samples < MinBaselineSamples {
		t.Errorf("baselines = %+v", bs)
	}
}

func TestDeterministic(t *testing.T) {
	a, b := nid(1), nid(2)
	g := func() gen {
		base := noisy(3, 3)
		return func(i int) Snapshot {
			s := base(i)
			if i > 100 {
				s.Neighbours[0].Up = i%7 < 3
				s.Neighbours[1].RxLoss = 0.4
			}
			s.Node.HandshakeDrops = uint64(i * i)
			return s
		}
	}
	l1, _ := newLoop(t, Config{}, fixedScorer{0.5, false})
	l2, _ := newLoop(t, Config{}, fixedScorer{0.5, false})
	r1, r2 := run(l1, t0, 400, g()), run(l2, t0, 400, g())
	if !reflect.DeepEqual(r1, r2) {
		t.Fatal("same inputs gave different results")
	}
	if countEvent(r1, EventApplied) == 0 {
		t.Fatal("scenario took no action")
	}
	_, _ = a, b
}

func TestStepRefused(t *testing.T) {
	l, _ := newLoop(t, Config{}, nil)
	if r := l.Step(t0, Snapshot{Node: NodeSample{CPU: 2}}); !errors.Is(r.Err, ErrInvalidSnapshot) || len(r.Audit) != 1 {
		t.Errorf("invalid snapshot: %+v", r)
	}
	l.Step(t0.Add(time.Second), Snapshot{})
	if r := l.Step(t0, Snapshot{}); !errors.Is(r.Err, ErrTimeWentBack) {
		t.Errorf("time going back: %v", r.Err)
	}
}

func TestForget(t *testing.T) {
	a := nid(1)
	l, _ := newLoop(t, Config{}, nil)
	run(l, t0, 20, func(int) Snapshot { return Snapshot{Neighbours: []NeighbourSample{healthy(a)}} })
	r := l.Step(t0.Add(ForgetAfter+20*time.Second), Snapshot{})
	if countEvent([]StepResult{r}, EventForgot) != 1 || len(l.mon.links) != 0 {
		t.Errorf("neighbour not forgotten: %+v", r.Audit)
	}
}

func TestBaselinesPersistence(t *testing.T) {
	a := nid(1)
	l, _ := newLoop(t, Config{}, nil)
	rs := run(l, t0, BaselineEvery, func(int) Snapshot { return Snapshot{Neighbours: []NeighbourSample{healthy(a)}} })
	bs := rs[BaselineEvery-1].Baselines
	if len(bs) != 1 || bs[0].Peer != a || bs[0].RTT != 10*time.Millisecond {
		t.Fatalf("baselines = %+v", bs)
	}
	if rs[0].Baselines != nil {
		t.Error("baselines copied on every step")
	}
	l2, _ := newLoop(t, Config{}, nil)
	l2.RestoreBaselines(t0, append(bs, Baseline{}, Baseline{Peer: nid(2), Loss: 2}))
	if got := l2.Baselines(); !reflect.DeepEqual(got, bs) {
		t.Errorf("restored %+v, want %+v", got, bs)
	}
	// With the restored baseline a 31 ms RTT is degraded at once.
	r := run(l2, t0, 40, func(int) Snapshot {
		n := healthy(a)
		n.SRTT = 31 * time.Millisecond
		return Snapshot{Neighbours: []NeighbourSample{n}}
	})
	if hasSymptom(r[39], SymptomDegradedLink, a) == nil {
		t.Error("restored baseline not used")
	}
	l2.ResumeIDs(100, 200)
	if l2.nextInc < 100 || l2.nextAction < 200 {
		t.Error("ResumeIDs ignored")
	}
}

func TestNoPolicy(t *testing.T) {
	a := nid(1)
	l, rec := newLoop(t, Config{Policy: Policy{SymptomDegradedLink: {ActionRaiseCost}}}, nil)
	rs := run(l, t0, 10, deadFrom(a, 0, -1))
	if len(rec.calls) != 0 || countEvent(rs, EventSkipNoPolicy) != 1 {
		t.Errorf("calls %+v, no-policy records %d", rec.calls, countEvent(rs, EventSkipNoPolicy))
	}
}

func TestActionsReachActuator(t *testing.T) {
	a := nid(1)
	all := Policy{SymptomDeadLink: {ActionRaiseCost, ActionQuarantine, ActionConnectSpares, ActionSwitchTransport,
		ActionRekey, ActionRateLimitHandshakes, ActionRestart}}
	l, rec := newLoop(t, Config{Policy: all}, nil)
	run(l, t0, 300, deadFrom(a, 0, -1))
	want := []string{"raise", "quarantine", "spares", "switch", "rekey", "ratelimit", "restart"}
	if len(rec.calls) != len(want) {
		t.Fatalf("calls = %+v", rec.calls)
	}
	for i, c := range rec.calls {
		if c.method != want[i] {
			t.Errorf("call %d = %s, want %s", i, c.method, want[i])
		}
	}
	if err := apply(rec, &Action{Kind: 99}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("unknown action: %v", err)
	}
}

func TestNeighbourBound(t *testing.T) {
	l, _ := newLoop(t, Config{}, nil)
	big := Snapshot{}
	for i := 0; i < MaxNeighbours; i++ {
		big.Neighbours = append(big.Neighbours, healthy(nid(i+1)))
	}
	if r := l.Step(t0, big); r.Err != nil {
		t.Fatal(r.Err)
	}
	r := l.Step(t0.Add(time.Second), Snapshot{Neighbours: []NeighbourSample{healthy(nid(MaxNeighbours + 1))}})
	if countEvent([]StepResult{r}, EventIgnored) != 1 || len(l.mon.links) != MaxNeighbours {
		t.Errorf("tracked %d neighbours; audit %+v", len(l.mon.links), r.Audit)
	}
}

// TestRestoredBaselineFirstStep is a regression test: a Step at the time
// baselines were restored, before the neighbour appears, must not read the
// neighbour's empty window.
func TestRestoredBaselineFirstStep(t *testing.T) {
	l, _ := newLoop(t, Config{}, nil)
	l.RestoreBaselines(t0, []Baseline{{Peer: nid(1), RTT: 10 * time.Millisecond}})
	tests := []Snapshot{{}, {Neighbours: []NeighbourSample{healthy(nid(2))}}}
	for i, snap := range tests {
		r := l.Step(t0.Add(time.Duration(i)*time.Second), snap)
		if r.Err != nil || len(r.Symptoms) != 0 {
			t.Errorf("step %d: err %v, symptoms %+v", i, r.Err, r.Symptoms)
		}
	}
}
