package mapek

import (
	"testing"
	"time"
)

func TestRules(t *testing.T) {
	a, b := nid(1), nid(2)
	const warm = 20 // healthy samples before the fault
	tests := []struct {
		name    string
		kind    SymptomKind
		subject func() [32]byte
		steps   int
		gen     gen
		want    bool
	}{
		{"dead link", SymptomDeadLink, nil, warm + 2, func(i int) Snapshot {
			n := healthy(a)
			n.Up = i < warm
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, true},
		{"dead link below", SymptomDeadLink, nil, warm + 1, func(i int) Snapshot {
			n := healthy(a)
			n.Up = i < warm
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, false},
		{"degraded loss absolute", SymptomDegradedLink, nil, 5, func(i int) Snapshot {
			n := healthy(a)
			n.RxLoss = DegradedLoss
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, true},
		{"degraded loss absolute below", SymptomDegradedLink, nil, 5, func(i int) Snapshot {
			n := healthy(a)
			n.TxLoss = DegradedLoss - 0.01
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, false},
		{"degraded loss over baseline", SymptomDegradedLink, nil, warm + 30, func(i int) Snapshot {
			n := healthy(a)
			if i >= warm {
				n.RxLoss = DegradedLossMargin + 0.01
			}
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, true},
		{"degraded loss over baseline below", SymptomDegradedLink, nil, warm + 30, func(i int) Snapshot {
			n := healthy(a)
			if i >= warm {
				n.RxLoss = DegradedLossMargin - 0.01
			}
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, false},
		{"degraded RTT", SymptomDegradedLink, nil, warm + 40, func(i int) Snapshot {
			n := healthy(a)
			if i >= warm {
				n.SRTT = 31 * time.Millisecond
			}
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, true},
		{"degraded RTT below", SymptomDegradedLink, nil, warm + 40, func(i int) Snapshot {
			n := healthy(a)
			if i >= warm {
				n.SRTT = 29 * time.Millisecond
			}
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, false},
		{"flapping", SymptomFlappingLink, nil, warm + FlapTransitions, func(i int) Snapshot {
			n := healthy(a)
			n.Up = i < warm || (i-warm)%2 == 1
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, true},
		{"flapping below", SymptomFlappingLink, nil, warm + FlapTransitions - 1, func(i int) Snapshot {
			n := healthy(a)
			n.Up = i < warm || (i-warm)%2 == 1
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, false},
		{"partition", SymptomPartition, func() [32]byte { return LocalNode() }, 3, func(i int) Snapshot {
			return Snapshot{Node: NodeSample{Routes: map[bool]int{true: 10, false: 5}[i < 2]}}
		}, true},
		{"partition below", SymptomPartition, func() [32]byte { return LocalNode() }, 3, func(i int) Snapshot {
			return Snapshot{Node: NodeSample{Routes: map[bool]int{true: 10, false: 6}[i < 2]}}
		}, false},
		{"overload cpu", SymptomOverload, func() [32]byte { return LocalNode() }, 3, func(i int) Snapshot {
			return Snapshot{Node: NodeSample{CPU: OverloadCPU}}
		}, true},
		{"overload cpu below", SymptomOverload, func() [32]byte { return LocalNode() }, 3, func(i int) Snapshot {
			return Snapshot{Node: NodeSample{CPU: OverloadCPU - 0.01, Memory: OverloadMemory - 0.01}}
		}, false},
		{"overload memory", SymptomOverload, func() [32]byte { return LocalNode() }, 3, func(i int) Snapshot {
			return Snapshot{Node: NodeSample{Memory: OverloadMemory}}
		}, true},
		{"overload queue", SymptomOverload, func() [32]byte { return LocalNode() }, 5, func(i int) Snapshot {
			return Snapshot{Node: NodeSample{QueueDrops: uint64(i) * OverloadQueueDropRate}}
		}, true},
		{"overload queue below", SymptomOverload, func() [32]byte { return LocalNode() }, 5, func(i int) Snapshot {
			return Snapshot{Node: NodeSample{QueueDrops: uint64(i) * (OverloadQueueDropRate - 1)}}
		}, false},
		{"blackhole", SymptomMisbehavingRelay, nil, 7, func(i int) Snapshot {
			n := healthy(a)
			n.Relayed = uint64(i) * 10
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, true},
		{"blackhole failing all its destinations", SymptomMisbehavingRelay, nil, 7, func(i int) Snapshot {
			n := healthy(a)
			n.Relayed, n.Dests, n.FailingDests = uint64(i)*10, 4, 4
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, true},
		{"blackhole failing most destinations", SymptomMisbehavingRelay, nil, 7, func(i int) Snapshot {
			n := healthy(a)
			n.Relayed, n.Dests, n.FailingDests = uint64(i)*10, 20, 18
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, true},
		{"silence behind a relay further on", SymptomMisbehavingRelay, nil, 7, func(i int) Snapshot {
			n := healthy(a)
			n.Relayed, n.Dests, n.FailingDests = uint64(i)*10, 3, 2
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, false},
		{"grayhole failing half its destinations", SymptomMisbehavingRelay, nil, 5, func(i int) Snapshot {
			n := healthy(a)
			n.Relayed, n.Confirmed, n.Dests, n.FailingDests = uint64(i)*100, uint64(i)*50, 8, 5
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, false},
		{"one destination is ambiguous", SymptomMisbehavingRelay, nil, 7, func(i int) Snapshot {
			n := healthy(a)
			n.Relayed, n.Dests, n.FailingDests = uint64(i)*10, 1, 1
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, true},
		{"blackhole too few samples", SymptomMisbehavingRelay, nil, 5, func(i int) Snapshot {
			n := healthy(a)
			n.Relayed = uint64(i) * 10
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, false},
		{"grayhole", SymptomMisbehavingRelay, nil, 5, func(i int) Snapshot {
			n := healthy(a)
			n.Relayed, n.Confirmed = uint64(i)*100, uint64(i)*69
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, true},
		{"grayhole below", SymptomMisbehavingRelay, nil, 5, func(i int) Snapshot {
			n := healthy(a)
			n.Relayed, n.Confirmed = uint64(i)*100, uint64(i)*71
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, false},
		{"grayhole explained by link loss", SymptomMisbehavingRelay, nil, 5, func(i int) Snapshot {
			n := healthy(a)
			n.TxLoss = 0.1 // degraded, but the relay ratio matches the link
			n.Relayed, n.Confirmed = uint64(i)*100, uint64(i)*65
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}, false},
		{"forged", SymptomForgedTraffic, func() [32]byte { return LocalNode() }, 5, func(i int) Snapshot {
			s := Snapshot{}
			s.Node.Drops.Decrypt = uint64(i) * ForgedRate / 2
			s.Node.Drops.Malformed = uint64(i) * ForgedRate / 2
			return s
		}, true},
		{"forged below", SymptomForgedTraffic, func() [32]byte { return LocalNode() }, 5, func(i int) Snapshot {
			s := Snapshot{}
			s.Node.Drops.Identity = uint64(i) * (ForgedRate - 1)
			return s
		}, false},
		{"handshake flood", SymptomHandshakeFlood, func() [32]byte { return LocalNode() }, 5, func(i int) Snapshot {
			return Snapshot{Node: NodeSample{HandshakeDrops: uint64(i) * 60, CookieReplies: uint64(i) * 40}}
		}, true},
		{"handshake flood below", SymptomHandshakeFlood, func() [32]byte { return LocalNode() }, 5, func(i int) Snapshot {
			return Snapshot{Node: NodeSample{HandshakeDrops: uint64(i) * 60, CookieReplies: uint64(i) * 39}}
		}, false},
		{"transport blocked", SymptomTransportBlocked, nil, 4, func(i int) Snapshot {
			na, nb := healthy(a), healthy(b)
			na.HandshakeAttempts, na.HandshakeFailures = uint64(i)*10, uint64(i)*9
			nb.HandshakeAttempts = uint64(i)
			return Snapshot{Neighbours: []NeighbourSample{na, nb}}
		}, true},
		{"transport blocked below ratio", SymptomTransportBlocked, nil, 4, func(i int) Snapshot {
			na, nb := healthy(a), healthy(b)
			na.HandshakeAttempts, na.HandshakeFailures = uint64(i)*9, uint64(i)*8
			nb.HandshakeAttempts = uint64(i)
			return Snapshot{Neighbours: []NeighbourSample{na, nb}}
		}, false},
		{"transport blocked everywhere is not one transport", SymptomTransportBlocked, nil, 4, func(i int) Snapshot {
			na, nb := healthy(a), healthy(b)
			na.HandshakeAttempts, na.HandshakeFailures = uint64(i), uint64(i)
			nb.HandshakeAttempts, nb.HandshakeFailures = uint64(i), uint64(i)
			return Snapshot{Neighbours: []NeighbourSample{na, nb}}
		}, false},
		{"transport blocked too few attempts", SymptomTransportBlocked, nil, 3, func(i int) Snapshot {
			na, nb := healthy(a), healthy(b)
			na.HandshakeAttempts, na.HandshakeFailures = uint64(i), uint64(i)
			nb.HandshakeAttempts = uint64(i)
			return Snapshot{Neighbours: []NeighbourSample{na, nb}}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := newLoop(t, Config{}, nil)
			rs := run(l, t0, tt.steps, tt.gen)
			subject := a
			if tt.subject != nil {
				subject = tt.subject()
			}
			last := rs[len(rs)-1]
			if last.Err != nil {
				t.Fatal(last.Err)
			}
			s := hasSymptom(last, tt.kind, subject)
			if (s != nil) != tt.want {
				t.Fatalf("symptom %v = %v, want %v; symptoms %+v", tt.kind, s != nil, tt.want, last.Symptoms)
			}
			if s == nil {
				return
			}
			if s.Decider != DecidedByRules || s.Severity <= 0 || s.Severity > 1 || len(s.Evidence) == 0 {
				t.Errorf("symptom %+v: want rules decider, severity in (0,1], evidence", s)
			}
			now := t0.Add(time.Duration(tt.steps-1) * time.Second)
			if s.Since.After(now) || s.Since.Before(t0) {
				t.Errorf("Since %v outside [%v, %v]", s.Since, t0, now)
			}
		})
	}
}

// TestDeadLinkSince checks that detection time is when the evidence began.
func TestDeadLinkSince(t *testing.T) {
	a := nid(1)
	l, _ := newLoop(t, Config{}, nil)
	rs := run(l, t0, 10, func(i int) Snapshot {
		n := healthy(a)
		n.Up = i < 5
		return Snapshot{Neighbours: []NeighbourSample{n}}
	})
	var inc *Incident
	for _, r := range rs {
		for i := range r.Incidents {
			if r.Incidents[i].Kind == SymptomDeadLink && inc == nil {
				inc = &r.Incidents[i]
			}
		}
	}
	if inc == nil {
		t.Fatal("no incident")
	}
	if want := t0.Add(5 * time.Second); !inc.DetectedAt.Equal(want) {
		t.Errorf("DetectedAt = %v, want %v", inc.DetectedAt, want)
	}
	// One-second samples: the first down sample at least DeadLinkFor after
	// the first one.
	if want := t0.Add(6 * time.Second); !inc.AnalyzedAt.Equal(want) {
		t.Errorf("AnalyzedAt = %v, want %v", inc.AnalyzedAt, want)
	}
	if got := inc.MTTD(); got != time.Second {
		t.Errorf("MTTD = %v", got)
	}
}

func TestCounterReset(t *testing.T) {
	l, _ := newLoop(t, Config{}, nil)
	// A restarted runtime reports small counters again: no huge rate.
	rs := run(l, t0, 10, func(i int) Snapshot {
		v := uint64(1_000_000)
		if i >= 5 {
			v = uint64(i - 5)
		}
		s := Snapshot{}
		s.Node.Drops.Decrypt = v
		return s
	})
	for _, r := range rs {
		if hasSymptom(r, SymptomForgedTraffic, LocalNode()) != nil {
			t.Fatalf("counter reset raised forged traffic: %+v", r.Symptoms)
		}
	}
}

type fixedScorer struct {
	p  float64
	ok bool
}

func (f fixedScorer) Score(LinkFeatures) (float64, bool) { return f.p, f.ok }

func TestScorer(t *testing.T) {
	a := nid(1)
	lossy := func(loss float64) gen {
		return func(i int) Snapshot {
			n := healthy(a)
			n.RxLoss = loss
			return Snapshot{Neighbours: []NeighbourSample{n}}
		}
	}
	tests := []struct {
		name    string
		scorer  Scorer
		loss    float64
		want    bool
		decider Decider
	}{
		{"scorer raises", fixedScorer{0.95, true}, 0, true, DecidedByScorer},
		{"scorer vetoes", fixedScorer{0.1, true}, 0.5, false, 0},
		{"scorer confirms", fixedScorer{0.9, true}, 0.5, true, DecidedByScorer},
		{"scorer abstains", fixedScorer{0.99, false}, 0.5, true, DecidedByRules},
		{"no scorer", nil, 0.5, true, DecidedByRules},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := newLoop(t, Config{}, tt.scorer)
			rs := run(l, t0, 3, lossy(tt.loss))
			s := hasSymptom(rs[2], SymptomDegradedLink, a)
			if (s != nil) != tt.want {
				t.Fatalf("symptom = %v, want %v", s != nil, tt.want)
			}
			if s != nil && s.Decider != tt.decider {
				t.Errorf("decider = %v, want %v", s.Decider, tt.decider)
			}
		})
	}
}
