package mesh

import (
	mrand "math/rand/v2"
	"testing"
	"time"
)

// restart replaces node i, stopped with kill, by a fresh Core with the same
// identity, and re-establishes its hop-by-hop sessions as the runtime (and
// internal/sim's Restart) would: a neighbour that still had the old session
// sees it replaced.
func (tn *testNet) restart(i int, seed uint64) {
	tn.tb.Helper()
	cfg := tn.nodes[i].core.cfg
	cfg.Rand = seeded(seed)
	cfg.Jitter = mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	c, err := New(cfg, tn.now)
	if err != nil {
		tn.tb.Fatal(err)
	}
	n := tn.nodes[i]
	n.core, n.dead = c, false
	for j := range tn.nodes {
		if !tn.links[[2]int{i, j}] || tn.nodes[j].dead {
			continue
		}
		tn.nodes[j].core.NeighbourDown(tn.now, n.id)
		if err := tn.nodes[j].core.NeighbourUp(tn.now, n.id); err != nil {
			tn.tb.Fatal(err)
		}
		if err := c.NeighbourUp(tn.now, tn.nodes[j].id); err != nil {
			tn.tb.Fatal(err)
		}
	}
}

// flow sends a datagram from each (src, dst) pair every interval for d.
func (tn *testNet) flow(d, interval time.Duration, pairs ...[2]int) {
	tn.tb.Helper()
	for end := tn.now.Add(d); tn.now.Before(end); {
		for _, p := range pairs {
			if tn.nodes[p[0]].dead {
				continue
			}
			_ = tn.nodes[p[0]].core.Send(tn.now, tn.nodes[p[1]].id, []byte("flow")) // drops are counted
		}
		tn.run(interval)
	}
}

// deliveredFrom counts the datagrams node j received from node i.
func (tn *testNet) deliveredFrom(i, j int) int {
	n := 0
	for _, d := range tn.nodes[j].delivered {
		if d.From == tn.nodes[i].id {
			n++
		}
	}
	return n
}

// TestStaleSessionAfterRestart restarts one end of a session (fresh Core,
// same identity) on a line 0-1-2: the other end, which goes on sealing to
// the session the restarted node lost, must notice that nothing comes back
// for StaleSessionTimeout and start a new handshake, as WireGuard does.
func TestStaleSessionAfterRestart(t *testing.T) {
	tests := []struct {
		name string
		// init sends first and so sets the session up (initiator); then
		// pairs send datagrams every 100 ms.
		init  [2]int
		pairs [][2]int
		// restarted is the node that restarts; want is the pair that must
		// deliver again.
		restarted int
		want      [2]int
	}{
		{"one-way, responder restarts", [2]int{0, 2}, [][2]int{{0, 2}}, 2, [2]int{0, 2}},
		{"one-way from the responder, initiator restarts", [2]int{0, 2}, [][2]int{{2, 0}}, 0, [2]int{2, 0}},
		// The restarted node's own traffic sets up a new session at once.
		{"two-way, responder restarts", [2]int{0, 2}, [][2]int{{0, 2}, {2, 0}}, 2, [2]int{0, 2}},
		{"two-way, initiator restarts", [2]int{0, 2}, [][2]int{{0, 2}, {2, 0}}, 0, [2]int{2, 0}},
	}
	const interval = 100 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tn := newTestNet(t, 3, nil).line()
			tn.converge()
			tn.flow(2*time.Second, interval, tt.init)
			tn.flow(3*time.Second, interval, tt.pairs...)
			if tn.deliveredFrom(tt.want[0], tt.want[1]) == 0 {
				t.Fatal("no delivery before the restart")
			}
			tn.kill(tt.restarted, false)
			tn.flow(time.Second, interval, tt.pairs...)
			tn.restart(tt.restarted, 99)
			tn.converge()
			// The sender that kept the session must use it for at most
			// StaleSessionTimeout after the restart, plus a handshake.
			before := tn.deliveredFrom(tt.want[0], tt.want[1])
			restarted := tn.now
			for tn.deliveredFrom(tt.want[0], tt.want[1]) == before && tn.now.Sub(restarted) < StaleSessionTimeout+3*time.Second {
				tn.flow(interval, interval, tt.pairs...)
			}
			if got := tn.deliveredFrom(tt.want[0], tt.want[1]); got == before {
				st := tn.nodes[tt.restarted].core.Stats()
				t.Fatalf("pair %v delivered nothing in %v after the restart (%d decrypt drops at the restarted node)",
					tt.want, tn.now.Sub(restarted), st.Dropped.Decrypt)
			}
			// Then the flow keeps delivering.
			before = tn.deliveredFrom(tt.want[0], tt.want[1])
			tn.flow(2*time.Second, interval, tt.pairs...)
			if got := tn.deliveredFrom(tt.want[0], tt.want[1]) - before; got < 15 {
				t.Fatalf("%d of 20 datagrams delivered after recovery", got)
			}
		})
	}
}

// TestOneWayFlowKeepsSession checks the receiver's keepalives: a flow in one
// direction only must not be taken for a dead session, so no new handshake
// is started in a minute (well within the rekey time).
func TestOneWayFlowKeepsSession(t *testing.T) {
	tn := newTestNet(t, 3, nil).line()
	tn.converge()
	tn.flow(time.Second, 100*time.Millisecond, [2]int{0, 2})
	est := tn.nodes[0].core.Stats().SessionsEstablished
	if est != 1 {
		t.Fatalf("%d sessions established, want 1", est)
	}
	tn.flow(time.Minute, 100*time.Millisecond, [2]int{0, 2})
	if got := tn.nodes[0].core.Stats().SessionsEstablished; got != est {
		t.Fatalf("%d sessions established during a healthy one-way flow, want %d", got, est)
	}
	if got := tn.deliveredFrom(0, 2); got < 600 {
		t.Fatalf("%d datagrams delivered, want about 610", got)
	}
}
