// Scenarios behind the timelines quoted in docs/runbooks:
//
//	go test -run TestRunbook -v ./internal/mapek
//
// It drives the real mapek.Loop (DefaultConfig, DefaultPolicy) with the
// package's test Actuator (recorder, which refuses the methods named in
// fail) and fails if a quoted timeline no longer holds.

package mapek

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

type runbookScenario struct {
	name   string
	period time.Duration
	steps  int
	fail   []string // Actuator methods that return an error; "na:" first: not applicable ("na:switch": one-transport node)
	gen    gen
	want   []string // "offset event symptom action", every audit record but symptom onsets
}

// A fault starts at step warm (5 s at 100 ms) on neighbour fa; fb and fc stay healthy.
const runbookWarm = 50

var fa, fb, fc = nid(1), nid(2), nid(3)

func runbookLinks(x NeighbourSample) []NeighbourSample {
	return []NeighbourSample{x, healthy(fb), healthy(fc)}
}

func (sc runbookScenario) run(t *testing.T) {
	l, rec := newLoop(t, Config{}, nil)
	for _, f := range sc.fail {
		if m, ok := strings.CutPrefix(f, "na:"); ok {
			rec.na[m] = true // not applicable on this node
		} else {
			rec.fail[f] = true
		}
	}
	fmt.Printf("=== %s: period %v, %v\n", sc.name, sc.period, time.Duration(sc.steps)*sc.period)
	var got []string
	for i := 0; i < sc.steps; i++ {
		now := t0.Add(time.Duration(i) * sc.period)
		r := l.Step(now, sc.gen(i))
		for _, a := range r.Audit {
			act := "-"
			if a.Action != 0 {
				act = a.Action.String()
			}
			fmt.Printf("  %-9v %-9v %-14s %-20v %-22s %s %v\n", now.Sub(t0), a.Stage, a.Event, a.Symptom, act, a.Detail, a.Evidence)
			if a.Event != EventSymptom {
				got = append(got, fmt.Sprintf("%v %s %v %s", now.Sub(t0), a.Event, a.Symptom, act))
			}
		}
	}
	for _, inc := range l.OpenIncidents() {
		fmt.Printf("  open incident %d %v: actions %d, MTTD %v, peak severity %.2f\n", inc.ID, inc.Kind, inc.Actions, inc.MTTD(), inc.PeakSeverity)
	}
	if strings.Join(got, "\n") != strings.Join(sc.want, "\n") {
		t.Errorf("%s: audit trail changed; docs/runbooks quote it. got:\n%s", sc.name, strings.Join(got, "\n"))
	}
}

func TestRunbookScenarios(t *testing.T) {
	ms := 100 * time.Millisecond
	down := func(from, to int) gen { // fa down for steps [from, to)
		return func(i int) Snapshot {
			x := healthy(fa)
			x.Up = i < from || i >= to
			return Snapshot{Neighbours: runbookLinks(x), Node: NodeSample{Routes: 3}}
		}
	}
	node := func(f func(i int, s *NodeSample)) gen {
		return func(i int) Snapshot {
			s := Snapshot{Neighbours: runbookLinks(healthy(fa))}
			f(i, &s.Node)
			return s
		}
	}
	ramp := func(i, perStep int) uint64 { return uint64(max(i-runbookWarm, 0) * perStep) } // cumulative counter
	for _, sc := range []runbookScenario{
		{"dead-link, never back, one transport", ms, runbookWarm + 1000, []string{"na:switch"}, down(runbookWarm, 1<<30), []string{
			"5.2s opened dead-link -", "5.2s applied dead-link connect-spares",
			"35.2s persisted dead-link connect-spares", "35.2s failed dead-link switch-transport", "35.2s applied dead-link restart",
			"1m5.2s persisted dead-link restart", "1m5.2s exhausted dead-link -"}},
		{"dead-link, never back, no spare peers, one transport", ms, runbookWarm + 1000, []string{"na:spares", "na:switch"}, down(runbookWarm, 1<<30), []string{
			"5.2s opened dead-link -", "5.2s failed dead-link connect-spares", "5.2s failed dead-link switch-transport",
			"5.2s applied dead-link restart", "35.2s persisted dead-link restart", "35.2s exhausted dead-link -"}},
		{"dead-link, back after 10 s", ms, runbookWarm + 800, nil, down(runbookWarm, runbookWarm+100), []string{
			"5.2s opened dead-link -", "5.2s applied dead-link connect-spares",
			"35.2s effective dead-link connect-spares", "35.2s mitigated dead-link connect-spares", "1m15s resolved dead-link -"}},
		{"flapping-link, down 300 ms of every second for 60 s, dead from 2 min", ms, runbookWarm + 1400, nil, func(i int) Snapshot {
			x := healthy(fa)
			if i >= runbookWarm && i < runbookWarm+600 {
				x.Up = (i-runbookWarm)%10 >= 3
			}
			if i >= 1200 {
				x.Up = false
			}
			return Snapshot{Neighbours: runbookLinks(x), Node: NodeSample{Routes: 3}}
		}, []string{
			"5.2s opened dead-link -", "5.2s applied dead-link connect-spares",
			"6.3s opened flapping-link -", "6.3s skip-cooldown flapping-link -",
			"35.2s effective dead-link connect-spares", "35.2s mitigated dead-link connect-spares",
			"35.2s applied flapping-link raise-cost", "1m5.2s persisted flapping-link raise-cost",
			"1m5.2s applied flapping-link quarantine", "1m6.3s resolved dead-link -",
			"1m35.2s effective flapping-link quarantine", "1m35.2s mitigated flapping-link quarantine",
			"2m0.2s opened dead-link -", "2m0.2s skip-damped dead-link -", "2m14.3s resolved flapping-link -"}},
		{"degraded-link, loss 0.3 from a clean baseline, never fixed, one transport", ms, runbookWarm + 1000, []string{"na:switch"}, func(i int) Snapshot {
			x := healthy(fa)
			if i >= runbookWarm {
				x.RxLoss = 0.3
			}
			return Snapshot{Neighbours: runbookLinks(x), Node: NodeSample{Routes: 3}}
		}, []string{
			"5.1s opened degraded-link -", "5.1s applied degraded-link raise-cost",
			"35.1s persisted degraded-link raise-cost", "35.1s failed degraded-link switch-transport", "35.1s applied degraded-link connect-spares",
			"1m5.1s persisted degraded-link connect-spares", "1m5.1s exhausted degraded-link -"}},
		{"degraded-link, loss 0.3, 5 transit routes leave the link 1 s after raise-cost", ms, runbookWarm + 1000, nil, func(i int) Snapshot {
			x := healthy(fa)
			if i >= runbookWarm {
				x.RxLoss = 0.3
			}
			if i < runbookWarm+11 {
				x.RoutesVia = 5
			}
			return Snapshot{Neighbours: runbookLinks(x), Node: NodeSample{Routes: 3}}
		}, []string{
			"5.1s opened degraded-link -", "5.1s applied degraded-link raise-cost",
			"35.1s effective degraded-link raise-cost", "35.1s mitigated degraded-link raise-cost", "35.1s skip-held degraded-link -"}},
		{"degraded-link, RTT 10 ms to 60 ms", ms, runbookWarm + 20, nil, func(i int) Snapshot {
			x := healthy(fa)
			if i >= runbookWarm {
				x.SRTT = 60 * time.Millisecond
			}
			return Snapshot{Neighbours: runbookLinks(x), Node: NodeSample{Routes: 3}}
		}, []string{"5.1s opened degraded-link -", "5.1s applied degraded-link raise-cost"}},
		{"partition-suspected, 10 routes to 4 at once", ms, runbookWarm + 700, nil, node(func(i int, s *NodeSample) {
			s.Routes = 10
			if i >= runbookWarm {
				s.Routes = 4
			}
		}), []string{
			"5s opened partition-suspected -", "5s applied partition-suspected connect-spares",
			"35s persisted partition-suspected connect-spares", "35s applied partition-suspected restart",
			"1m5s effective partition-suspected restart", "1m5s mitigated partition-suspected restart"}},
		{"partition-suspected, 10 routes to 0, one per sample", ms, runbookWarm + 20, nil, node(func(i int, s *NodeSample) {
			s.Routes = 10 - min(max(i-runbookWarm, 0), 10)
		}), []string{"5.5s opened partition-suspected -", "5.5s applied partition-suspected connect-spares"}},
		{"partition-suspected, 10 routes to 4, one per 5 s", ms, runbookWarm + 300, nil, node(func(i int, s *NodeSample) {
			s.Routes = 10 - min(max(i-runbookWarm, 0)/50, 6)
		}), []string{"30s opened partition-suspected -", "30s applied partition-suspected connect-spares"}},
		{"node-overloaded, 100 queue drops/s, never fixed", ms, runbookWarm + 1000, nil, node(func(i int, s *NodeSample) {
			s.QueueDrops = ramp(i, 10)
		}), []string{
			"5.3s opened node-overloaded -", "5.3s applied node-overloaded rate-limit-handshakes",
			"35.3s persisted node-overloaded rate-limit-handshakes", "35.3s applied node-overloaded restart",
			"1m5.3s persisted node-overloaded restart", "1m5.3s exhausted node-overloaded -"}},
		{"node-overloaded, CPU 0.2 to 1.0", ms, runbookWarm + 10, nil, node(func(i int, s *NodeSample) {
			s.CPU = 0.2
			if i >= runbookWarm {
				s.CPU = 1
			}
		}), []string{"5.5s opened node-overloaded -", "5.5s applied node-overloaded rate-limit-handshakes"}},
		{"misbehaving-relay, blackhole, 20 relayed/s, 3 of 3 destinations failing", ms, runbookWarm + 800, nil, func(i int) Snapshot {
			x := healthy(fa)
			x.Relayed, x.Dests, x.FailingDests = ramp(i, 2), 3, 3
			return Snapshot{Neighbours: runbookLinks(x)}
		}, []string{
			"7.5s opened misbehaving-relay -", "7.5s applied misbehaving-relay quarantine",
			"37.5s persisted misbehaving-relay quarantine", "37.5s applied misbehaving-relay rekey",
			"1m7.5s persisted misbehaving-relay rekey", "1m7.5s exhausted misbehaving-relay -"}},
		{"misbehaving-relay, grayhole, 20 relayed/s, half confirmed, 2 of 2 destinations failing", ms, runbookWarm + 30, nil, func(i int) Snapshot {
			x := healthy(fa)
			x.Relayed, x.Confirmed, x.Dests, x.FailingDests = ramp(i, 2), ramp(i, 1), 2, 2
			return Snapshot{Neighbours: runbookLinks(x)}
		}, []string{"7.5s opened misbehaving-relay -", "7.5s applied misbehaving-relay quarantine"}},
		{"misbehaving-relay, blackhole, 20 relayed/s, one destination judged, a second from 20 s", ms, runbookWarm + 300, nil, func(i int) Snapshot {
			x := healthy(fa)
			x.Relayed, x.Dests, x.FailingDests = ramp(i, 2), 1, 1
			if i >= 200 {
				x.Dests, x.FailingDests = 2, 2
			}
			return Snapshot{Neighbours: runbookLinks(x)}
		}, []string{"7.5s opened misbehaving-relay -", "7.5s skip-ambiguous misbehaving-relay -", "20s applied misbehaving-relay quarantine"}},
		{"misbehaving-relay, blackhole, 20 relayed/s, no destination judged", ms, runbookWarm + 400, nil, func(i int) Snapshot {
			x := healthy(fa)
			x.Relayed = ramp(i, 2)
			return Snapshot{Neighbours: runbookLinks(x)}
		}, []string{"7.5s opened misbehaving-relay -", "7.5s skip-ambiguous misbehaving-relay -", "37.5s applied misbehaving-relay quarantine"}},
		{"forged-traffic, 30 decrypt drops/s, never fixed", ms, runbookWarm + 1000, nil, node(func(i int, s *NodeSample) {
			s.Drops.Decrypt = ramp(i, 3)
		}), []string{
			"5.4s opened forged-traffic -", "5.4s applied forged-traffic rekey",
			"35.4s persisted forged-traffic rekey", "35.4s applied forged-traffic rate-limit-handshakes",
			"1m5.4s persisted forged-traffic rate-limit-handshakes", "1m5.4s exhausted forged-traffic -"}},
		{"handshake-flood, 300 cookie replies/s, never fixed", ms, runbookWarm + 1000, nil, node(func(i int, s *NodeSample) {
			s.CookieReplies = ramp(i, 30)
		}), []string{
			"5.2s opened handshake-flood -", "5.2s applied handshake-flood rate-limit-handshakes",
			"35.2s persisted handshake-flood rate-limit-handshakes", "35.2s exhausted handshake-flood -"}},
		{"handshake-flood, 300 cookie replies/s, 200 handshakes/s processed until 1 s after the rate limit", ms, runbookWarm + 1000, nil, node(func(i int, s *NodeSample) {
			s.CookieReplies = ramp(i, 30)
			s.HandshakesProcessed = uint64(min(i, runbookWarm+12) * 20)
		}), []string{
			"5.2s opened handshake-flood -", "5.2s applied handshake-flood rate-limit-handshakes",
			"35.2s effective handshake-flood rate-limit-handshakes", "35.2s mitigated handshake-flood rate-limit-handshakes",
			"35.2s skip-held handshake-flood -"}},
		{"forged-traffic and handshake-flood together (cooldown per kind on the node)", ms, runbookWarm + 100, nil, node(func(i int, s *NodeSample) {
			s.Drops.Decrypt, s.CookieReplies = ramp(i, 5), ramp(i, 30)
		}), []string{
			"5.2s opened forged-traffic -", "5.2s opened handshake-flood -",
			"5.2s applied handshake-flood rate-limit-handshakes", "5.2s applied forged-traffic rekey"}},
		{"transport-blocked, 1 failed handshake per 10 s, period 100 ms", ms, 900, nil, blocked(ms), []string{
			"200ms opened dead-link -", "200ms applied dead-link connect-spares",
			"30s opened transport-blocked -", "30s skip-cooldown transport-blocked -",
			"30.2s persisted dead-link connect-spares", "30.2s applied dead-link switch-transport",
			"1m0.2s persisted dead-link switch-transport", "1m0.2s applied dead-link restart"}},
		{"transport-blocked, 1 failed handshake per 10 s, period 1 s", time.Second, 90, nil, blocked(time.Second), []string{
			"1s opened dead-link -", "1s applied dead-link connect-spares",
			"30s opened transport-blocked -", "30s skip-cooldown transport-blocked -",
			"31s persisted dead-link connect-spares", "31s applied dead-link switch-transport",
			"1m1s persisted dead-link switch-transport", "1m1s applied dead-link restart"}},
		{"six dead links at once (budget)", ms, runbookWarm + 10, nil, func(i int) Snapshot {
			var ns []NeighbourSample
			for j := 1; j <= 6; j++ {
				x := healthy(nid(j))
				x.Up = i < runbookWarm
				ns = append(ns, x)
			}
			return Snapshot{Neighbours: ns}
		}, []string{
			"5.2s opened dead-link -", "5.2s opened dead-link -", "5.2s opened dead-link -",
			"5.2s opened dead-link -", "5.2s opened dead-link -", "5.2s opened dead-link -",
			"5.2s applied dead-link connect-spares", "5.2s applied dead-link connect-spares",
			"5.2s applied dead-link connect-spares", "5.2s applied dead-link connect-spares",
			"5.2s skip-budget dead-link -", "5.2s skip-budget dead-link -"}},
	} {
		sc.run(t)
	}
}

// blocked: fa is down and every 10 s one more handshake to it is started and
// fails; a handshake to fb succeeds at the same pace.
func blocked(period time.Duration) gen {
	every := int(10 * time.Second / period)
	return func(i int) Snapshot {
		n := uint64(i/every + 1)
		x := healthy(fa)
		x.Up = false
		x.HandshakeAttempts, x.HandshakeFailures = n, n
		y := healthy(fb)
		y.HandshakeAttempts = n
		return Snapshot{Neighbours: []NeighbourSample{x, y}, Node: NodeSample{Routes: 3}}
	}
}

// TestRunbookSeverity prints Symptom.Severity at a rule's threshold and at
// twice it (severity is 0.5·value/threshold, capped at 1).
func TestRunbookSeverity(t *testing.T) {
	for _, c := range []struct {
		name string
		v, t float64
		want float64
	}{
		{"loss at DegradedLoss", DegradedLoss, DegradedLoss, 0.5}, {"loss 2×DegradedLoss", 2 * DegradedLoss, DegradedLoss, 1},
		{"RTT ratio 3", 3, DegradedRTTFactor, 0.5}, {"RTT ratio 6", 6, DegradedRTTFactor, 1},
		{"transitions 4", 4, FlapTransitions, 0.5}, {"transitions 8", 8, FlapTransitions, 1},
		{"routes lost 50%", 0.5, PartitionDrop, 0.5}, {"routes lost 100%", 1, PartitionDrop, 1},
		{"CPU 0.9", 0.9, OverloadCPU, 0.5}, {"CPU 1.0", 1, OverloadCPU, 0.5556},
		{"queue drops 50/s", 50, OverloadQueueDropRate, 0.5}, {"queue drops 100/s", 100, OverloadQueueDropRate, 1},
		{"relay deficit 0.3", 0.3, GrayholeMargin, 0.5}, {"relay deficit 0.6", 0.6, GrayholeMargin, 1},
		{"forged 20/s", 20, ForgedRate, 0.5}, {"forged 40/s", 40, ForgedRate, 1},
		{"flood 100/s", 100, HandshakeFloodRate, 0.5}, {"flood 200/s", 200, HandshakeFloodRate, 1},
		{"fail ratio 0.9", 0.9, BlockedFailRatio, 0.5}, {"fail ratio 1.0", 1, BlockedFailRatio, 0.5556},
	} {
		got := severity(c.v, c.t)
		fmt.Printf("severity %-22s %.3f\n", c.name, got)
		if d := got - c.want; d > 0.001 || d < -0.001 {
			t.Errorf("severity %s = %v, want %v", c.name, got, c.want)
		}
	}
}
