package api

import (
	"math"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/link"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
	meshroute "github.com/x0tta6bl4/x0tta6bl4/internal/route"
)

func TestFraction(t *testing.T) {
	for _, tt := range []struct{ in, want float64 }{
		{0, 0}, {0.5, 0.5}, {1, 1}, {-1, 0}, {2, 1}, {math.NaN(), 1}, {math.Inf(1), 1}, {math.Inf(-1), 0},
	} {
		if got := fraction(tt.in); got != tt.want {
			t.Errorf("fraction(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestNewTopology builds a view with an up and a down neighbour, a two-hop route, a retracted one
// and a route to self, and checks what each becomes.
func TestNewTopology(t *testing.T) {
	id := func(b byte) identity.NodeID { var n identity.NodeID; n[0] = b; return n }
	self, up, down, far, gone := id(1), id(2), id(3), id(4), id(5)
	nbrs := []mesh.Neighbour{
		{ID: up, Link: link.Stats{Up: true, SRTT: 2 * time.Millisecond, RxLoss: math.NaN(), Cost: 300}},
		{ID: down, Link: link.Stats{Cost: 0xFFFF, TxLoss: 2}},
		{ID: self},
	}
	routes := []meshroute.Route{
		{Dst: up, NextHop: up, Metric: 300, Selected: true},
		{Dst: far, NextHop: up, Metric: 600, Selected: true},
		{Dst: gone, NextHop: up, Metric: meshroute.Infinity, Selected: true},
		{Dst: self, NextHop: up, Metric: 10, Selected: true},
	}
	got := NewTopology(self, "me", nbrs, routes, map[identity.NodeID]string{up: "beta"})
	if len(got.Nodes) != 5 || len(got.Links) != 2 || len(got.Routes) != 2 {
		t.Fatalf("%d nodes, %d links, %d routes; want 5, 2, 2: %+v", len(got.Nodes), len(got.Links), len(got.Routes), got)
	}
	byID := make(map[string]TopologyNode)
	for _, n := range got.Nodes {
		byID[n.ID] = n
	}
	tests := []struct {
		id        identity.NodeID
		name      string
		neighbour bool
		reachable bool
		metric    int
	}{
		{self, "me", false, true, 0},
		{up, "beta", true, true, 300},
		{down, "", true, false, MetricInfinity},
		{far, "", false, true, 600},
		{gone, "", false, false, MetricInfinity},
	}
	for _, tt := range tests {
		n := byID[tt.id.String()]
		if n.Name != tt.name || n.Neighbour != tt.neighbour || n.Reachable != tt.reachable || n.Metric != tt.metric {
			t.Errorf("node %x: %+v", tt.id[0], n)
		}
	}
	for _, l := range got.Links {
		if l.RxLoss < 0 || l.RxLoss > 1 || l.TxLoss < 0 || l.TxLoss > 1 {
			t.Errorf("loss not clamped: %+v", l)
		}
		if l.To == up.String() && (l.RTT != 2 || !l.Up || l.RxLoss != 1) {
			t.Errorf("up link: %+v", l)
		}
	}
}
