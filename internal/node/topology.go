package node

import (
	"math"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
	"github.com/x0tta6bl4/x0tta6bl4/internal/route"
)

// Topology describes the mesh as this node sees it: its links to its neighbours with their
// measurements, and the route in use to every destination it knows.
func (n *Node) Topology() api.Topology {
	n.mu.Lock()
	nbrs := n.core.Neighbours()
	routes := n.core.Routes()
	names := make(map[identity.NodeID]string, len(n.peers))
	for id, p := range n.peers {
		if p.cert != nil {
			names[id] = p.cert.Name
		}
	}
	n.mu.Unlock()
	return topology(n.id, n.opt.Cert.Name, nbrs, routes, names)
}

// topology builds the API's view of the mesh from the mesh core's neighbours and routing table.
// names maps the node IDs whose certificate names are known.
func topology(self identity.NodeID, selfName string, nbrs []mesh.Neighbour, routes []route.Route, names map[identity.NodeID]string) api.Topology {
	selfID := self.String()
	t := api.Topology{
		Self:   selfID,
		Nodes:  make([]api.TopologyNode, 1, 1+len(nbrs)+len(routes)),
		Links:  make([]api.TopologyLink, 0, len(nbrs)),
		Routes: make([]api.TopologyRoute, 0, len(routes)),
	}
	t.Nodes[0] = api.TopologyNode{ID: selfID, Name: selfName, Self: true, Reachable: true}
	index := make(map[identity.NodeID]int, 1+len(nbrs)+len(routes))
	index[self] = 0
	node := func(id identity.NodeID) *api.TopologyNode {
		i, ok := index[id]
		if !ok {
			i = len(t.Nodes)
			index[id] = i
			t.Nodes = append(t.Nodes, api.TopologyNode{ID: id.String(), Name: names[id], Metric: api.MetricInfinity})
		}
		return &t.Nodes[i]
	}
	for _, nb := range nbrs {
		if nb.ID == self {
			continue
		}
		v := node(nb.ID)
		v.Neighbour = true
		t.Links = append(t.Links, api.TopologyLink{
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
		if !r.Selected || r.Metric >= route.Infinity {
			continue // known but not (or no longer) usable
		}
		v.Reachable, v.Metric, v.NextHop = true, int(r.Metric), r.NextHop.String()
		t.Routes = append(t.Routes, api.TopologyRoute{Destination: v.ID, NextHop: v.NextHop, Metric: v.Metric})
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
