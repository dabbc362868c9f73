package sim

import (
	"fmt"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/link"
)

// CrashDetectDelay is how long after a crash the crashed node's neighbours
// get NeighbourDown: the node runtime notices a lost hop-by-hop session
// once the link layer has declared the neighbour dead, one dead interval
// after the last hello, which is at most the crash time. Meanwhile the
// neighbours' own link tables see the hellos stop and take the link down.
const CrashDetectDelay = link.DefaultDeadInterval

func (s *Sim) checkNode(i int) error {
	if i < 0 || i >= len(s.nodes) {
		return fmt.Errorf("%w: %d (have %d)", ErrNoNode, i, len(s.nodes))
	}
	return nil
}

func (s *Sim) checkLink(i, j int) (*vlink, error) {
	if err := s.checkNode(i); err != nil {
		return nil, err
	}
	if err := s.checkNode(j); err != nil {
		return nil, err
	}
	l := s.links[mkEdge(i, j)]
	if l == nil {
		return nil, fmt.Errorf("%w: %d-%d", ErrNoLink, i, j)
	}
	return l, nil
}

// Crash stops node i without warning: its Core is dropped, payloads to and
// from it are lost, and its neighbours find out from their link layers;
// their runtimes call NeighbourDown CrashDetectDelay later.
func (s *Sim) Crash(i int) error { return s.stop(i, false) }

// Shutdown stops node i cleanly: its hop-by-hop sessions are closed, so its
// neighbours get NeighbourDown at once.
func (s *Sim) Shutdown(i int) error { return s.stop(i, true) }

func (s *Sim) stop(i int, clean bool) error {
	if err := s.checkNode(i); err != nil {
		return err
	}
	n := s.nodes[i]
	if n.core == nil {
		return fmt.Errorf("%w: node %d is already down", ErrNodeState, i)
	}
	s.retireAgent(i)
	n.core, n.deadline = nil, time.Time{}
	s.version++
	if clean {
		s.logf(i, "shutdown")
		s.tellDown(i)
		return nil
	}
	s.logf(i, "crash")
	gen := n.gen
	s.at(s.now.Add(CrashDetectDelay), func() {
		if n.gen == gen && n.core == nil {
			s.tellDown(i)
		}
	})
	return nil
}

// tellDown gives every running neighbour of i (over a link not cut)
// NeighbourDown for i.
func (s *Sim) tellDown(i int) {
	for _, j := range s.adj[i] {
		if m := s.nodes[j]; m.core != nil && !s.links[mkEdge(i, j)].cut {
			m.core.NeighbourDown(s.now, s.nodes[i].id)
			s.flush(j)
		}
	}
}

// Restart starts node i again with a fresh Core and the same identity. Its
// hop-by-hop sessions are re-established with every running neighbour over
// a link that is not cut: a neighbour that still had the old session sees
// it replaced (NeighbourDown, then NeighbourUp).
func (s *Sim) Restart(i int) error {
	if err := s.checkNode(i); err != nil {
		return err
	}
	if s.nodes[i].core != nil {
		return fmt.Errorf("%w: node %d is running", ErrNodeState, i)
	}
	if err := s.boot(i); err != nil {
		return err
	}
	s.logf(i, "restart")
	for _, j := range s.adj[i] {
		if s.nodes[j].core == nil || s.links[mkEdge(i, j)].cut {
			continue
		}
		s.nodes[j].core.NeighbourDown(s.now, s.nodes[i].id)
		s.neighbourUp(j, i)
		s.neighbourUp(i, j)
		s.flush(j)
	}
	s.flush(i)
	return nil
}

// Cut cuts the link between i and j: payloads in flight are lost and both
// ends, if running, get NeighbourDown at once. Cutting a cut link does
// nothing.
func (s *Sim) Cut(i, j int) error {
	l, err := s.checkLink(i, j)
	if err != nil || l.cut {
		return err
	}
	l.cut = true
	l.epoch++
	s.version++
	s.logf(-1, "cut %d-%d", min(i, j), max(i, j))
	for _, e := range [][2]int{{i, j}, {j, i}} {
		if a := s.nodes[e[0]]; a.core != nil && s.nodes[e[1]].core != nil {
			a.core.NeighbourDown(s.now, s.nodes[e[1]].id)
			s.flush(e[0])
		}
	}
	return nil
}

// Heal restores the link between i and j: both ends, if running, get
// NeighbourUp. Healing a link that is not cut does nothing.
func (s *Sim) Heal(i, j int) error {
	l, err := s.checkLink(i, j)
	if err != nil || !l.cut {
		return err
	}
	l.cut = false
	s.version++
	s.logf(-1, "heal %d-%d", min(i, j), max(i, j))
	if s.nodes[i].core != nil && s.nodes[j].core != nil {
		s.neighbourUp(i, j)
		s.neighbourUp(j, i)
		s.flush(i)
		s.flush(j)
	}
	return nil
}

// Partition cuts every link between the nodes of side and the others and
// returns how many links it cut.
func (s *Sim) Partition(side []int) (int, error) {
	in := make([]bool, len(s.nodes))
	for _, i := range side {
		if err := s.checkNode(i); err != nil {
			return 0, err
		}
		in[i] = true
	}
	cut := 0
	for _, e := range s.edges {
		if in[e.a] != in[e.b] && !s.links[e].cut {
			_ = s.Cut(e.a, e.b) // cannot fail: e is a link
			cut++
		}
	}
	return cut, nil
}

// HealAll heals every cut link and returns how many it healed.
func (s *Sim) HealAll() int {
	healed := 0
	for _, e := range s.edges {
		if s.links[e].cut {
			_ = s.Heal(e.a, e.b) // cannot fail: e is a link
			healed++
		}
	}
	return healed
}

// RandomNode returns a running node with at least minDegree topology
// links, drawn from the seeded fault stream, and false if there is none.
func (s *Sim) RandomNode(minDegree int) (int, bool) {
	var cand []int
	for i, n := range s.nodes {
		if n.core != nil && len(s.adj[i]) >= minDegree {
			cand = append(cand, i)
		}
	}
	if len(cand) == 0 {
		return 0, false
	}
	return cand[s.faults.IntN(len(cand))], true
}
