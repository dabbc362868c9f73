package node

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/link"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
	"github.com/x0tta6bl4/x0tta6bl4/internal/route"
)

func TestTopologyFromCore(t *testing.T) {
	self, b, c, d := identity.NodeID{5}, identity.NodeID{2}, identity.NodeID{9}, identity.NodeID{7}
	S, B, C, D := self.String(), b.String(), c.String(), d.String()
	up := link.Stats{Up: true, SRTT: 1500 * time.Microsecond, RTTVar: 250 * time.Microsecond, RxLoss: 0.25, TxLoss: 0, Cost: 300}
	down := link.Stats{RxLoss: math.NaN(), TxLoss: -0.5, Cost: link.CostInfinity}
	tests := []struct {
		name   string
		nbrs   []mesh.Neighbour
		routes []route.Route
		names  map[identity.NodeID]string
		want   api.Topology
	}{
		{
			name: "alone",
			want: api.Topology{Self: S,
				Nodes: []api.TopologyNode{{ID: S, Name: "me", Self: true, Reachable: true}},
				Links: []api.TopologyLink{}, Routes: []api.TopologyRoute{}},
		},
		{
			name: "neighbour and a two-hop destination",
			nbrs: []mesh.Neighbour{{ID: b, Link: up}},
			routes: []route.Route{
				{Dst: b, NextHop: b, Metric: 300, Selected: true, Feasible: true},
				{Dst: c, NextHop: b, Metric: 600, Selected: true, Feasible: true},
			},
			names: map[identity.NodeID]string{b: "beta"},
			want: api.Topology{Self: S,
				Nodes: []api.TopologyNode{
					{ID: B, Name: "beta", Neighbour: true, Reachable: true, Metric: 300, NextHop: B},
					{ID: S, Name: "me", Self: true, Reachable: true},
					{ID: C, Reachable: true, Metric: 600, NextHop: B},
				},
				Links:  []api.TopologyLink{{From: S, To: B, Up: true, RTT: 1.5, RTTVar: 0.25, RxLoss: 0.25, Cost: 300}},
				Routes: []api.TopologyRoute{{Destination: B, NextHop: B, Metric: 300}, {Destination: C, NextHop: B, Metric: 600}},
			},
		},
		{
			name: "down link, unselected and retracted routes, self entries ignored",
			nbrs: []mesh.Neighbour{{ID: d, Link: down}, {ID: self, Link: up}},
			routes: []route.Route{
				{Dst: self, NextHop: d, Metric: 1, Selected: true},
				{Dst: c, NextHop: d, Metric: 900, Feasible: false},           // not selected
				{Dst: b, NextHop: d, Metric: route.Infinity, Selected: true}, // retracted
			},
			want: api.Topology{Self: S,
				Nodes: []api.TopologyNode{
					{ID: B, Metric: api.MetricInfinity},
					{ID: S, Name: "me", Self: true, Reachable: true},
					{ID: D, Neighbour: true, Metric: api.MetricInfinity},
					{ID: C, Metric: api.MetricInfinity},
				},
				Links:  []api.TopologyLink{{From: S, To: D, RxLoss: 1, TxLoss: 0, Cost: api.MetricInfinity}},
				Routes: []api.TopologyRoute{},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := api.NewTopology(self, "me", tt.nbrs, tt.routes, tt.names)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("topology =\n%+v\nwant\n%+v", got, tt.want)
			}
			if _, err := json.Marshal(got); err != nil {
				t.Fatalf("not encodable: %v", err)
			}
		})
	}
}

// TestTopologyLine runs a line alpha - beta - gamma over the in-memory network and checks gamma's
// view: a measured, up link to beta, and a two-hop route to alpha through beta whose metric exceeds
// the link's cost. Gamma never talked to alpha directly, so alpha's name is unknown to it.
func TestTopologyLine(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	b := h.member("beta", "127.0.0.1:1002", h.ca)
	g := h.member("gamma", "127.0.0.1:1003", h.ca)
	noSpares := func(o *Options) { o.MinPeers = -1 } // keep the line a line
	h.start(b, nil)
	h.start(a, noSpares, b)
	rg := h.start(g, noSpares, b)
	A, B, G := a.id.ID().String(), b.id.ID().String(), g.id.ID().String()
	var topo api.Topology
	eventually(t, "gamma to route to alpha through beta with a measured link", 20*time.Second, func() bool {
		topo = rg.n.Topology()
		if len(topo.Links) != 1 || topo.Links[0].RTT == 0 {
			return false
		}
		for _, r := range topo.Routes {
			if r.Destination == A && r.NextHop == B {
				return true
			}
		}
		return false
	})
	if topo.Self != G {
		t.Fatalf("self = %s, want gamma %s", topo.Self, G)
	}
	l := topo.Links[0]
	if l.From != G || l.To != B || !l.Up || l.Cost <= 0 || l.Cost >= api.MetricInfinity || l.RTT <= 0 || l.RTTVar < 0 ||
		l.RxLoss < 0 || l.RxLoss > 1 || l.TxLoss < 0 || l.TxLoss > 1 {
		t.Fatalf("link = %+v", l)
	}
	nodes := map[string]api.TopologyNode{}
	for _, n := range topo.Nodes {
		nodes[n.ID] = n
	}
	if len(nodes) != 3 || len(topo.Nodes) != 3 {
		t.Fatalf("nodes = %+v, want gamma, beta and alpha", topo.Nodes)
	}
	self, nb, far := nodes[G], nodes[B], nodes[A]
	switch {
	case !self.Self || self.Name != "gamma" || !self.Reachable || self.Metric != 0 || self.NextHop != "":
		t.Fatalf("self node = %+v", self)
	case !nb.Neighbour || nb.Name != "beta" || !nb.Reachable || nb.NextHop != B || nb.Metric <= 0:
		t.Fatalf("beta node = %+v", nb)
	case far.Neighbour || far.Name != "" || !far.Reachable || far.NextHop != B || far.Metric <= nb.Metric || far.Metric >= api.MetricInfinity:
		t.Fatalf("alpha node = %+v (beta metric %d)", far, nb.Metric)
	}
	routes := map[string]api.TopologyRoute{}
	for _, r := range topo.Routes {
		routes[r.Destination] = r
	}
	if len(routes) != 2 || routes[B].NextHop != B || routes[A].Metric != far.Metric || routes[B].Metric != nb.Metric {
		t.Fatalf("routes = %+v", topo.Routes)
	}
	if want := topo.Normalize(); !reflect.DeepEqual(topo, want) {
		t.Fatalf("not normalized: %+v", topo)
	}
	if js, _ := json.Marshal(topo); strings.Contains(string(js), "null") {
		t.Fatalf("JSON has null: %s", js)
	}
}

// BenchmarkTopology measures building the API view of a large table: 32 neighbours and 1024
// destinations with two routes each, one selected.
func BenchmarkTopology(b *testing.B) {
	self := identity.NodeID{0xff}
	var nbrs []mesh.Neighbour
	names := map[identity.NodeID]string{}
	for i := range 32 {
		id := identity.NodeID{1, byte(i)}
		nbrs = append(nbrs, mesh.Neighbour{ID: id, Link: link.Stats{Up: true, SRTT: time.Millisecond, Cost: 256}})
		names[id] = "n"
	}
	var routes []route.Route
	for i := range 1024 {
		dst := identity.NodeID{2, byte(i >> 8), byte(i)}
		routes = append(routes,
			route.Route{Dst: dst, NextHop: nbrs[i%32].ID, Metric: 512, Selected: true, Feasible: true},
			route.Route{Dst: dst, NextHop: nbrs[(i+1)%32].ID, Metric: 768, Feasible: true})
	}
	b.ReportAllocs()
	for b.Loop() {
		if t := api.NewTopology(self, "me", nbrs, routes, names); len(t.Routes) != 1024 {
			b.Fatalf("%d routes", len(t.Routes))
		}
	}
}
