package demo

import (
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"slices"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/link"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
	"github.com/x0tta6bl4/x0tta6bl4/internal/route"
)

// Mesh serves the API of the node in view.
var _ api.Backend = (*Mesh)(nil)

// ListenVirtual is the Listen address the node in view reports: it has no
// socket, its links are the simulator's.
const ListenVirtual = "virtual network (in-process simulation)"

// Node describes the node in view.
func (m *Mesh) Node() api.NodeInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	cert := m.s.Certificate(m.opt.View)
	network := identity.NetworkID(m.s.CA())
	return api.NodeInfo{
		ID:        cert.Subject.String(),
		Name:      cert.Name,
		Groups:    slices.Clone(cert.Groups),
		Network:   hex.EncodeToString(network[:8]),
		Listen:    ListenVirtual,
		Version:   m.opt.Version,
		StartedAt: m.started,
		NotAfter:  m.wall(cert.NotAfter),
	}
}

// Peers lists the topology neighbours of the node in view, with the state
// of its link to each. Hop-by-hop sessions are not simulated, so session
// ages and byte and frame counts are zero.
func (m *Mesh) Peers() []api.PeerInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	links := m.links()
	out := make([]api.PeerInfo, 0, len(links))
	for _, l := range links {
		p := api.PeerInfo{ID: m.s.ID(l.peer).String(), Name: m.names[l.peer], Address: "virtual link to " + m.names[l.peer], State: "down"}
		if l.up {
			p.State = "up"
		}
		p.LastReceived = m.wall(l.stats.LastHeard)
		out = append(out, p)
	}
	return out
}

// viewLink is a topology link of the node in view.
type viewLink struct {
	peer  int
	up    bool
	stats link.Stats
}

// links returns the topology links of the node in view, with its Core's
// link table entry for each; all are down while it is down.
func (m *Mesh) links() []viewLink {
	c := m.s.Core(m.opt.View)
	var stats map[identity.NodeID]link.Stats
	if c != nil {
		stats = make(map[identity.NodeID]link.Stats)
		for _, nb := range c.Neighbours() {
			stats[nb.ID] = nb.Link
		}
	}
	var out []viewLink
	for _, j := range m.s.Neighbours(m.opt.View) {
		st, ok := stats[m.s.ID(j)]
		if !ok {
			st.Cost = link.CostInfinity
		}
		out = append(out, viewLink{peer: j, up: ok && st.Up && m.s.Up(j) && !m.s.IsCut(m.opt.View, j), stats: st})
	}
	return out
}

// Routes lists the routing table of the node in view (empty while it is
// down).
func (m *Mesh) Routes() []api.RouteInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.s.Core(m.opt.View)
	if c == nil {
		return nil
	}
	rs := c.Routes()
	out := make([]api.RouteInfo, 0, len(rs))
	for _, r := range rs {
		out = append(out, api.RouteInfo{Destination: r.Dst.String(), NextHop: r.NextHop.String(),
			Metric: int(r.Metric), Seqno: int(r.Seqno), Feasible: r.Feasible, Selected: r.Selected})
	}
	return out
}

// Ready reports whether the node in view is running with at least one
// link up.
func (m *Mesh) Ready() (bool, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.s.Up(m.opt.View) {
		return false, m.names[m.opt.View] + " is down"
	}
	for _, l := range m.links() {
		if l.up {
			return true, ""
		}
	}
	return false, "no link of " + m.names[m.opt.View] + " is up"
}

// Ping is not available in the demo: it returns ErrNoPing, which wraps
// api.ErrUnavailable (503).
func (m *Mesh) Ping(context.Context, api.PingRequest) (api.PingResult, error) {
	return api.PingResult{}, ErrNoPing
}

// Topology describes the mesh as the node in view sees it: its links
// (every topology link, those cut or to a node that is down marked down)
// and the route in use to every destination in its routing table, with
// every node's certificate name.
func (m *Mesh) Topology() api.Topology {
	m.mu.Lock()
	defer m.mu.Unlock()
	self := m.s.ID(m.opt.View)
	var nbrs []mesh.Neighbour
	for _, l := range m.links() {
		st := l.stats
		st.Up = l.up
		if !l.up {
			st.Cost = link.CostInfinity
		}
		nbrs = append(nbrs, mesh.Neighbour{ID: m.s.ID(l.peer), Link: st})
	}
	var routes []route.Route
	if c := m.s.Core(m.opt.View); c != nil {
		routes = c.Routes()
	}
	names := make(map[identity.NodeID]string, len(m.names))
	for i, name := range m.names {
		names[m.s.ID(i)] = name
	}
	return api.NewTopology(self, m.names[m.opt.View], nbrs, routes, names)
}

// fraction clamps a loss ratio to [0, 1]; NaN counts as total loss.
func fraction(x float64) float64 {
	switch {
	case math.IsNaN(x) || x > 1:
		return 1
	case x < 0:
		return 0
	}
	return x
}

// String describes the mesh in one line.
func (m *Mesh) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return fmt.Sprintf("%d nodes, %s, %d links, seed %d, view %s", m.s.Nodes(), m.opt.Sim.Topology, len(m.s.Links()),
		m.opt.Sim.Seed, m.names[m.opt.View])
}
