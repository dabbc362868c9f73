package mapek

import (
	"testing"
	"time"
)

// verdicts returns the verification events (effective, persisted,
// rolled-back, undo-failed) in order.
func verdicts(rs []StepResult) []string {
	var out []string
	for _, r := range rs {
		for _, a := range r.Audit {
			if a.Stage == StageVerify {
				out = append(out, a.Event)
			}
		}
	}
	return out
}

// judgeCase is a fault at 100 ms period from step 50 (5 s).
type judgeCase struct {
	name   string
	policy Policy // nil: DefaultPolicy
	g      gen
	want   []string // verdicts
	undos  int
	acts   int // actions applied (failed ones included)
	held   bool
}

func (tc judgeCase) run(t *testing.T, steps int) {
	t.Helper()
	l, rec := newLoop(t, Config{Policy: tc.policy}, nil)
	rs := runEvery(l, 100*time.Millisecond, steps, tc.g)
	got := verdicts(rs)
	if len(got) != len(tc.want) {
		t.Errorf("%s: verdicts %v, want %v", tc.name, got, tc.want)
	} else {
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: verdicts %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
	if len(rec.undos) != tc.undos {
		t.Errorf("%s: %d undos, want %d", tc.name, len(rec.undos), tc.undos)
	}
	if n := len(applied(rs)); n != tc.acts {
		t.Errorf("%s: %d actions, want %d", tc.name, n, tc.acts)
	}
	if h := countEvent(rs, EventSkipHeld) > 0; h != tc.held {
		t.Errorf("%s: held %v, want %v", tc.name, h, tc.held)
	}
}

func after(i, from, perStep int) uint64 { return uint64(max(i-from, 0) * perStep) }

// TestNoRollbackWhileRising: the smoothed metric of a constant fault is
// still rising when the first action is taken; verification must not call
// that worse. A fault that really grows after the action is rolled back.
func TestNoRollbackWhileRising(t *testing.T) {
	switchFirst := Policy{SymptomDegradedLink: {ActionSwitchTransport}}
	lossFrom := func(levels ...float64) gen { // levels[k] from step 50+300k
		return func(i int) Snapshot {
			x := healthy(nid(1))
			if i >= 50 {
				x.RxLoss = levels[min((i-50)/300, len(levels)-1)]
			}
			return Snapshot{Neighbours: []NeighbourSample{x}}
		}
	}
	for _, tc := range []judgeCase{
		{"degraded-link, loss 0.3, switch-transport", switchFirst, lossFrom(0.3), []string{EventPersisted}, 0, 1, false},
		{"degraded-link, loss 0.3 then 0.8, switch-transport", switchFirst, lossFrom(0.3, 0.8), []string{EventRolledBack}, 1, 1, false},
		{"degraded-link, RTT 10 to 60 ms, switch-transport", switchFirst, func(i int) Snapshot {
			x := healthy(nid(1))
			if i >= 50 {
				x.SRTT = 60 * time.Millisecond
			}
			return Snapshot{Neighbours: []NeighbourSample{x}}
		}, []string{EventPersisted}, 0, 1, false},
		{"node-overloaded, 100 queue drops/s", nil, func(i int) Snapshot {
			return Snapshot{Node: NodeSample{QueueDrops: after(i, 50, 10)}}
		}, []string{EventPersisted, EventPersisted}, 0, 2, false},
		{"node-overloaded, CPU 1.0", nil, func(i int) Snapshot {
			s := Snapshot{Node: NodeSample{CPU: 0.2}}
			if i >= 50 {
				s.Node.CPU = 1
			}
			return s
		}, []string{EventPersisted, EventPersisted}, 0, 2, false},
		{"forged-traffic, 30/s", nil, func(i int) Snapshot {
			s := Snapshot{}
			s.Node.Drops.Decrypt = after(i, 50, 3)
			return s
		}, []string{EventPersisted, EventPersisted}, 0, 2, false},
		{"forged-traffic, 30/s then 90/s", Policy{SymptomForgedTraffic: {ActionRekey}}, func(i int) Snapshot {
			s := Snapshot{}
			s.Node.Drops.Decrypt = after(i, 50, 3) + after(i, 200, 6)
			return s
		}, []string{EventRolledBack}, 1, 1, false},
	} {
		tc.run(t, 800)
	}
}

// TestDiversionJudged: raise-cost and quarantine divert traffic from a link;
// they are judged by the routes and relayed traffic through it, never by the
// link's own loss.
func TestDiversionJudged(t *testing.T) {
	// Loss 0.3 from step 50; raise-cost applied at step 51.
	link := func(routes func(i int) int, relayPerStep func(i int) int) gen {
		relayed := uint64(0)
		return func(i int) Snapshot {
			x := healthy(nid(1))
			if i >= 50 {
				x.RxLoss = 0.3
			}
			x.RoutesVia = routes(i)
			if relayPerStep != nil {
				relayed += uint64(relayPerStep(i))
				x.Relayed, x.Confirmed = relayed, relayed
			}
			return Snapshot{Neighbours: []NeighbourSample{x, healthy(nid(2))}}
		}
	}
	const moved = 61 // one second after the action
	for _, tc := range []judgeCase{
		{"routes move off the link", nil, link(func(i int) int {
			if i < moved {
				return 5
			}
			return 0
		}, nil), []string{EventEffective}, 0, 1, true},
		{"routes stay", nil, link(func(int) int { return 5 }, nil), []string{EventPersisted, EventPersisted, EventPersisted}, 0, 3, false},
		{"routes move and come back at 60 s", nil, link(func(i int) int {
			if i < moved || i >= 600 {
				return 5
			}
			return 0
		}, nil), []string{EventEffective, EventRegressed, EventPersisted, EventPersisted}, 0, 3, true},
		{"relayed traffic falls", nil, link(func(int) int { return 0 }, func(i int) int {
			if i < moved {
				return 2
			}
			return 0
		}), []string{EventEffective}, 0, 1, true},
		{"runtime reports neither", nil, link(func(int) int { return 0 }, nil), []string{EventPersisted, EventPersisted, EventPersisted}, 0, 3, false},
	} {
		tc.run(t, 1500)
	}
}

// TestRateLimitJudged: a rate limit against a handshake flood is judged by
// the handshakes the node still processes in full, never undone because
// the attacker keeps sending (cookie replies rise).
func TestRateLimitJudged(t *testing.T) {
	flood := func(processed func(i int) int) gen {
		var p uint64
		return func(i int) Snapshot {
			s := Snapshot{}
			s.Node.CookieReplies = after(i, 50, 30) + after(i, 60, 30) // 300/s, 600/s under the limit
			if processed != nil {
				p += uint64(processed(i))
			}
			s.Node.HandshakesProcessed = p
			return s
		}
	}
	for _, tc := range []judgeCase{
		{"processed falls to 5/s", nil, flood(func(i int) int {
			if i < 60 {
				return 20
			}
			return i % 2
		}), []string{EventEffective}, 0, 1, true},
		{"processed stays at 200/s", nil, flood(func(int) int { return 20 }), []string{EventPersisted}, 0, 1, false},
		{"processed not reported", nil, flood(nil), []string{EventPersisted}, 0, 1, false},
	} {
		tc.run(t, 1000)
	}
}
