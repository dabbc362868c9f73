package heal

import (
	"testing"
)

// TestSnapshotRoutesVia checks RoutesVia on a line 0-1-2-3: node 0 reaches
// 2 and 3 through 1 (the route to 1 itself does not count), node 1 has one
// route through each side, and the runtime's handshake count is added to
// the Core's.
func TestSnapshotRoutesVia(t *testing.T) {
	tn := newTestNet(t, 4, func(i int) Options {
		return Options{Runtime: func() Runtime { return Runtime{HandshakesProcessed: 7} }}
	})
	tn.connect(0, 1)
	tn.connect(1, 2)
	tn.connect(2, 3)
	tn.converge()
	via := func(i, j int) int {
		snap := tn.nodes[i].agent.snapshot(tn.now)
		for _, n := range snap.Neighbours {
			if n.ID == tn.nodes[j].id {
				return n.RoutesVia
			}
		}
		t.Fatalf("node %d: no neighbour %d", i, j)
		return 0
	}
	tests := []struct {
		from, via, want int
	}{
		{0, 1, 2},
		{1, 0, 0},
		{1, 2, 1},
		{2, 1, 1},
		{3, 2, 2},
	}
	for _, tc := range tests {
		if got := via(tc.from, tc.via); got != tc.want {
			t.Errorf("node %d: RoutesVia(%d) = %d, want %d", tc.from, tc.via, got, tc.want)
		}
	}
	snap := tn.nodes[0].agent.snapshot(tn.now)
	if snap.Node.HandshakesProcessed < 7 {
		t.Errorf("HandshakesProcessed = %d, want at least the runtime's 7", snap.Node.HandshakesProcessed)
	}
}
