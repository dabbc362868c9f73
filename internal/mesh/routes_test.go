package mesh

import (
	"maps"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// TestSelectedRoutes checks SelectedRoutes against Routes on a line 0-1-2-3,
// before and after node 3 is cut off.
func TestSelectedRoutes(t *testing.T) {
	tn := newTestNet(t, 4, nil).line()
	tn.converge()
	check := func(i, wantN int, wantVia map[identity.NodeID]int) {
		t.Helper()
		via := map[identity.NodeID]int{}
		n := tn.nodes[i].core.SelectedRoutes(via)
		selected := 0
		for _, r := range tn.nodes[i].core.Routes() {
			if r.Selected {
				selected++
			}
		}
		if n != wantN || n != selected || !maps.Equal(via, wantVia) {
			t.Fatalf("node %d: SelectedRoutes %d %v (table: %d selected), want %d %v", i, n, via, selected, wantN, wantVia)
		}
	}
	id := func(i int) identity.NodeID { return tn.nodes[i].id }
	check(0, 3, map[identity.NodeID]int{id(1): 2})
	check(1, 3, map[identity.NodeID]int{id(2): 1})
	check(2, 3, map[identity.NodeID]int{id(1): 1})
	tn.kill(3, true)
	tn.run(stepDur)
	check(0, 2, map[identity.NodeID]int{id(1): 1})
	check(2, 2, map[identity.NodeID]int{id(1): 1})
}
