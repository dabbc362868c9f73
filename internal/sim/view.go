package sim

import (
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

// StartTime returns the virtual time at which every simulation starts
// (Start): Now is measured from it, and the Cores' and agents' timestamps
// are on the same clock.
func StartTime() time.Time {
	t, _ := time.Parse(time.RFC3339, Start)
	return t
}

// CA returns the certificate of the simulation's throw-away network CA.
func (s *Sim) CA() *identity.Certificate { return s.verifier.CA() }

// Certificate returns the certificate of node i (nil for an index outside
// the network). Its name is "node" followed by the index.
func (s *Sim) Certificate(i int) *identity.Certificate {
	if s.checkNode(i) != nil {
		return nil
	}
	return s.nodes[i].cert
}

// GrayholeFraction returns the fraction of transit packets node i drops
// (0: it is not a grayhole, or i is outside the network).
func (s *Sim) GrayholeFraction(i int) float64 {
	if s.checkNode(i) != nil {
		return 0
	}
	return s.nodes[i].grayhole
}

// AgentHistory is what the healing agents of one node remember.
type AgentHistory struct {
	// Incidents and Actions are those of the running agent, oldest first;
	// empty while the node is down.
	Incidents []mapek.Incident
	Actions   []mapek.Action
	// PastIncidents and PastActions are those of the agents of the node's
	// earlier runs, oldest first. Each run numbers its incidents and actions
	// from 1; an incident of a past run that is still open was never
	// resolved, because its agent stopped with its Core.
	PastIncidents []mapek.Incident
	PastActions   []mapek.Action
}

// History returns copies of the histories of node i's healing agents; it
// is empty without Options.Healing or for an index outside the network.
func (s *Sim) History(i int) AgentHistory {
	if s.checkNode(i) != nil {
		return AgentHistory{}
	}
	n := s.nodes[i]
	h := AgentHistory{
		PastIncidents: slices.Clone(n.pastIncidents),
		PastActions:   slices.Clone(n.pastActions),
	}
	if n.agent != nil {
		h.Incidents = n.agent.Incidents()
		h.Actions = n.agent.Actions()
	}
	return h
}
