package api

import (
	"math"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
	meshroute "github.com/x0tta6bl4/x0tta6bl4/internal/route"
)

// NewTopology builds a node's view of the mesh from its mesh core's neighbours and routing table.
// self is the node and selfName its certificate name; names maps the node IDs whose certificate
// names are known. Routes to self, and routes not selected or retracted, add a node but no route.
func NewTopology(self identity.NodeID, selfName string, nbrs []mesh.Neighbour, routes []meshroute.Route, names map[identity.NodeID]string) Topology {
	selfID := self.String()
	t := Topology{
		Self:   selfID,
		Nodes:  make([]TopologyNode, 1, 1+len(nbrs)+len(routes)),
		Links:  make([]TopologyLink, 0, len(nbrs)),
		Routes: make([]TopologyRoute, 0, len(routes)),
	}
	t.Nodes[0] = TopologyNode{ID: selfID, Name: selfName, Self: true, Reachable: true}
	index := make(map[identity.NodeID]int, 1+len(nbrs)+len(routes))
	index[self] = 0
	node := func(id identity.NodeID) *TopologyNode {
		i, ok := index[id]
		if !ok {
			i = len(t.Nodes)
			index[id] = i
			t.Nodes = append(t.Nodes, TopologyNode{ID: id.String(), Name: names[id], Metric: MetricInfinity})
		}
		return &t.Nodes[i]
	}
	for _, nb := range nbrs {
		if nb.ID == self {
			continue
		}
		v := node(nb.ID)
		v.Neighbour = true
		t.Links = append(t.Links, TopologyLink{
			From: selfID, To: v.ID, Up: nb.Link.Up,
			RTT: milliseconds(nb.Link.SRTT), RTTVar: milliseconds(nb.Link.RTTVar),
			RxLoss: fraction(nb.Link.RxLoss), TxLoss: fraction(nb.Link.TxLoss),
			Cost: int(nb.Link.Cost),
		})
	}
	for _, r := range routes {
		if r.Dst == self {
			continue
		}
		v := node(r.Dst)
		if !r.Selected || r.Metric >= meshroute.Infinity {
			continue // known but not (or no longer) usable
		}
		v.Reachable, v.Metric, v.NextHop = true, int(r.Metric), r.NextHop.String()
		t.Routes = append(t.Routes, TopologyRoute{Destination: v.ID, NextHop: v.NextHop, Metric: v.Metric})
	}
	return t.Normalize()
}

// milliseconds converts d to fractional milliseconds.
func milliseconds(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fraction clamps a loss ratio to [0, 1]; NaN, which JSON cannot carry, counts as total loss.
func fraction(x float64) float64 {
	switch {
	case math.IsNaN(x) || x > 1:
		return 1
	case x < 0:
		return 0
	}
	return x
}
