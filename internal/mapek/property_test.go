package mapek

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestPropertyBudgetAndCooldown: whatever the telemetry, the Loop never
// applies more than BudgetActions within any BudgetWindow and never acts on
// a subject within Cooldown of the previous action on it.
func TestPropertyBudgetAndCooldown(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := Config{
			Cooldown:      time.Duration(rapid.IntRange(1, 60).Draw(t, "cooldown")) * time.Second,
			VerifyAfter:   time.Duration(rapid.IntRange(1, 60).Draw(t, "verify")) * time.Second,
			BudgetActions: rapid.IntRange(1, 6).Draw(t, "budget"),
			BudgetWindow:  time.Duration(rapid.IntRange(1, 120).Draw(t, "window")) * time.Second,
			ResolveAfter:  time.Duration(rapid.IntRange(1, 60).Draw(t, "resolve")) * time.Second,
		}
		l, err := New(cfg, &recorder{fail: map[string]bool{"switch": rapid.Bool().Draw(t, "failswitch")}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		nn := rapid.IntRange(1, 6).Draw(t, "neighbours")
		steps := rapid.IntRange(1, 300).Draw(t, "steps")
		now := t0
		counters := make([][4]uint64, nn)
		var node [4]uint64
		var times []time.Time
		last := map[key]time.Time{}
		for i := 0; i < steps; i++ {
			now = now.Add(time.Duration(rapid.IntRange(0, 5000).Draw(t, "dt_ms")) * time.Millisecond)
			s := Snapshot{Node: NodeSample{
				Routes: rapid.IntRange(0, 50).Draw(t, "routes"),
				CPU:    rapid.Float64Range(0, 1).Draw(t, "cpu"),
				Memory: rapid.Float64Range(0, 1).Draw(t, "mem"),
			}}
			for j := range node {
				node[j] += uint64(rapid.IntRange(0, 1000).Draw(t, "node_counter"))
			}
			s.Node.Drops.Decrypt, s.Node.HandshakeDrops, s.Node.QueueDrops, s.Node.CookieReplies = node[0], node[1], node[2], node[3]
			for j := 0; j < nn; j++ {
				c := &counters[j]
				c[0] += uint64(rapid.IntRange(0, 100).Draw(t, "relayed"))
				c[1] = min(c[0], c[1]+uint64(rapid.IntRange(0, 100).Draw(t, "confirmed")))
				c[2] += uint64(rapid.IntRange(0, 3).Draw(t, "hs"))
				c[3] = min(c[2], c[3]+uint64(rapid.IntRange(0, 3).Draw(t, "hsfail")))
				s.Neighbours = append(s.Neighbours, NeighbourSample{
					ID: nid(j + 1), Up: rapid.Bool().Draw(t, "up"),
					SRTT:   time.Duration(rapid.IntRange(0, 500).Draw(t, "srtt_ms")) * time.Millisecond,
					RxLoss: rapid.Float64Range(0, 1).Draw(t, "rx"), TxLoss: rapid.Float64Range(0, 1).Draw(t, "tx"),
					Relayed: c[0], Confirmed: c[1], HandshakeAttempts: c[2], HandshakeFailures: c[3],
				})
			}
			r := l.Step(now, s)
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			for _, a := range r.Actions {
				if !a.At.Equal(now) {
					continue // a verification of an earlier action
				}
				k := cooldownKey(a.Symptom, a.Subject) // a link, or one kind on the node
				if p, ok := last[k]; ok && now.Sub(p) < cfg.Cooldown {
					t.Fatalf("acted on %x for %v %v after the previous action, cooldown %v", a.Subject[:2], a.Symptom, now.Sub(p), cfg.Cooldown)
				}
				last[k] = now
				times = append(times, now)
				n := 0
				for _, at := range times {
					if now.Sub(at) < cfg.BudgetWindow {
						n++
					}
				}
				if n > cfg.BudgetActions {
					t.Fatalf("%d actions within %v, budget %d", n, cfg.BudgetWindow, cfg.BudgetActions)
				}
			}
		}
	})
}
