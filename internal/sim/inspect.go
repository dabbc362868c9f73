package sim

import (
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Delivery is an application datagram delivered to its destination.
type Delivery struct {
	// Num is the number Probe returned for it.
	Num uint64
	// Src and Dst are the sender and the receiver.
	Src, Dst int
	// Sent and At are when it was sent and delivered, since the start.
	Sent, At time.Duration
}

// OnDeliver sets the function called for each datagram delivered from now
// on (nil: none).
func (s *Sim) OnDeliver(fn func(Delivery)) { s.onDeliver = fn }

// Probe sends a size-byte datagram from src to dst, as Send does, and
// returns its number, which the Delivery passed to the OnDeliver function
// carries. A datagram refused at once still gets a number (it is counted as
// sent).
func (s *Sim) Probe(src, dst, size int) (uint64, error) { return s.send(src, dst, size, nil) }

// ID returns the node ID of node i (the zero ID for an index outside the
// network).
func (s *Sim) ID(i int) identity.NodeID {
	if s.checkNode(i) != nil {
		return identity.NodeID{}
	}
	return s.nodes[i].id
}

// Index returns the index of the node id, and false for an ID outside the
// network.
func (s *Sim) Index(id identity.NodeID) (int, bool) {
	i, ok := s.index[id]
	return i, ok
}

// IsCut reports whether the link between i and j is cut (false for a pair
// without a link).
func (s *Sim) IsCut(i, j int) bool {
	l, err := s.checkLink(i, j)
	return err == nil && l.cut
}

// Components returns, for each node, the connected component of the
// surviving graph it is in (running nodes and links not cut), numbered
// from 0 by lowest node index; a node that is down gets -1. The slice is
// shared until the graph changes: do not modify it.
func (s *Sim) Components() []int {
	if s.compsVersion == s.version && s.comps != nil {
		return s.comps
	}
	comp := make([]int, len(s.nodes))
	for i := range comp {
		comp[i] = -1
	}
	next := 0
	queue := make([]int, 0, len(s.nodes))
	for i, n := range s.nodes {
		if n.core == nil || comp[i] >= 0 {
			continue
		}
		comp[i] = next
		queue = append(queue[:0], i)
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			for _, v := range s.adj[u] {
				if comp[v] < 0 && s.nodes[v].core != nil && !s.links[mkEdge(u, v)].cut {
					comp[v] = next
					queue = append(queue, v)
				}
			}
		}
		next++
	}
	s.comps, s.compsVersion = comp, s.version
	return comp
}

// Loops counts forwarding loops: for every running destination, the
// cycles of the graph "running node → its next hop towards the
// destination". Zero means that every packet either arrives, hits a node
// without a route, or reaches a node that is down.
func (s *Sim) Loops() int {
	n := len(s.nodes)
	next := make([]int, n)
	state := make([]uint32, n) // walk number that visited the node; 0: none
	loops := 0
	for d, dn := range s.nodes {
		if dn.core == nil {
			continue
		}
		for v, vn := range s.nodes {
			next[v] = -1
			if v == d || vn.core == nil {
				continue
			}
			if nh, ok := vn.core.NextHop(dn.id); ok {
				if j, known := s.index[nh]; known && s.nodes[j].core != nil {
					next[v] = j
				}
			}
		}
		clear(state)
		var walk uint32
		for v := range n {
			if state[v] != 0 {
				continue
			}
			walk++
			u := v
			for u >= 0 && state[u] == 0 {
				state[u] = walk
				u = next[u]
			}
			if u >= 0 && state[u] == walk {
				loops++ // the walk came back to a node of its own: a new cycle
			}
		}
	}
	return loops
}
