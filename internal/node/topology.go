package node

import (
	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
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
	return api.NewTopology(n.id, n.opt.Cert.Name, nbrs, routes, names)
}
