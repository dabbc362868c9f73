package sim

import (
	"maps"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// healer is what the simulator needs of a node's self-healing agent
// (heal.Agent): it is fed the Core's events, stepped at NextStep, and asked
// for its bounded histories.
type healer interface {
	Observe(events []mesh.Event)
	Step(now time.Time) mapek.StepResult
	NextStep() time.Time
	Incidents() []mapek.Incident
	Actions() []mapek.Action
}

// NodeIncident is an incident of the healing agent of node Node.
type NodeIncident struct {
	// Node is the index of the node whose agent opened the incident.
	Node int `json:"node"`
	// Incident is the agent's record.
	Incident mapek.Incident `json:"incident"`
}

// NodeAction is an action of the healing agent of node Node.
type NodeAction struct {
	// Node is the index of the node whose agent took the action.
	Node int `json:"node"`
	// Action is the agent's record.
	Action mapek.Action `json:"action"`
	// Evidence is the evidence of the symptom the action answered when it
	// was applied (mapek.Symptom.Evidence, from the Step's audit record),
	// nil if none was recorded.
	Evidence map[string]float64 `json:"evidence,omitempty"`
}

// actionKey identifies an action of one node's agents: its ID and the
// virtual time it was taken at (a restarted node's new agent numbers its
// actions from 1 again, later).
type actionKey struct {
	id uint64
	at int64
}

// keyOf returns the actionKey of a.
func keyOf(id uint64, at time.Time) actionKey { return actionKey{id, at.UnixNano()} }

// startAgent gives node i, just booted, a healing agent over its Core and
// schedules its first Step.
func (s *Sim) startAgent(i int) error {
	if !s.opts.Healing {
		return nil
	}
	n := s.nodes[i]
	a, err := newHealer(n.core)
	if err != nil {
		return err
	}
	n.agent, n.stepAt, n.lastStep = a, time.Time{}, time.Time{}
	s.armStep(i)
	return nil
}

// retireAgent keeps the history of node i's agent when its Core stops.
func (s *Sim) retireAgent(i int) {
	n := s.nodes[i]
	if n.agent == nil {
		return
	}
	n.pastIncidents = append(n.pastIncidents, n.agent.Incidents()...)
	n.pastActions = append(n.pastActions, n.agent.Actions()...)
	n.agent, n.stepAt = nil, time.Time{}
}

// armStep schedules the Step of node i's agent at its NextStep, unless one
// is scheduled no later; a Step scheduled later becomes stale. Observe may
// bring NextStep forward (a link went up or down), so flush calls it too.
func (s *Sim) armStep(i int) {
	n := s.nodes[i]
	a := n.agent
	t := a.NextStep()
	if t.Before(s.now) {
		t = s.now // zero before the first Step: now
	}
	if t.Equal(n.lastStep) {
		t = s.now.Add(MinStepGap) // defensive: never two Steps at one instant
	}
	if !n.stepAt.IsZero() && !t.Before(n.stepAt) {
		return
	}
	n.stepAt = t
	gen := n.gen
	s.at(t, func() {
		if n.gen != gen || n.agent != a || n.core == nil || !n.stepAt.Equal(t) {
			return // the node stopped or restarted, or the Step was moved
		}
		n.stepAt, n.lastStep = time.Time{}, s.now
		s.logStep(i, a.Step(s.now))
		s.flush(i)
		s.armStep(i)
	})
}

// logStep logs the incidents and actions a Step opened or changed.
func (s *Sim) logStep(i int, r mapek.StepResult) {
	for _, inc := range r.Incidents {
		state := "open"
		switch {
		case !inc.ResolvedAt.IsZero():
			state = "resolved"
		case !inc.MitigatedAt.IsZero():
			state = "mitigated"
		}
		s.logf(i, "incident #%d %s subject=%s %s", inc.ID, inc.Kind, s.name(inc.Subject), state)
	}
	for _, a := range r.Actions {
		s.logf(i, "action #%d %s subject=%s rung=%d outcome=%s", a.ID, a.Kind, s.name(a.Subject), a.Rung, a.Outcome)
	}
	n := s.nodes[i]
	for _, rec := range r.Audit {
		if rec.ActionID == 0 || rec.Evidence == nil || rec.Event != mapek.EventApplied && rec.Event != mapek.EventFailed {
			continue
		}
		if n.evidence == nil {
			n.evidence = make(map[actionKey]map[string]float64)
		}
		n.evidence[keyOf(rec.ActionID, rec.At)] = maps.Clone(rec.Evidence)
	}
}

// Incidents returns the incidents of every node's healing agents (those of
// earlier runs of a restarted node first), by node index, then oldest
// first. It is empty without Options.Healing.
func (s *Sim) Incidents() []NodeIncident {
	var out []NodeIncident
	for i, n := range s.nodes {
		add := func(incs []mapek.Incident) {
			for _, inc := range incs {
				out = append(out, NodeIncident{Node: i, Incident: inc})
			}
		}
		add(n.pastIncidents)
		if n.agent != nil {
			add(n.agent.Incidents())
		}
	}
	return out
}

// Actions returns the actions of every node's healing agents (those of
// earlier runs of a restarted node first), by node index, then oldest
// first. It is empty without Options.Healing.
func (s *Sim) Actions() []NodeAction {
	var out []NodeAction
	for i, n := range s.nodes {
		add := func(as []mapek.Action) {
			for _, a := range as {
				out = append(out, NodeAction{Node: i, Action: a, Evidence: n.evidence[keyOf(a.ID, a.At)]})
			}
		}
		add(n.pastActions)
		if n.agent != nil {
			add(n.agent.Actions())
		}
	}
	return out
}
