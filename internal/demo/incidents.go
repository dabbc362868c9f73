package demo

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

// incKey identifies an incident across calls: its node, its agent's number
// for it and when it was raised (the agents of later runs of a node number
// from 1 again). actKey does the same for an action.
type incKey struct {
	node     int
	id       uint64
	analyzed time.Time
}

type actKey struct {
	node int
	id   uint64
	at   time.Time
}

// Incident logging states.
const (
	loggedOpen     = 1
	loggedResolved = 2
)

// history gives the incidents and actions of every node's agents
// mesh-wide IDs, numbered from 1 in the order they are first seen, and
// remembers which were logged. Its maps only hold what the agents still
// remember.
type history struct {
	incIDs           map[incKey]uint64
	actIDs           map[actKey]uint64
	nextInc, nextAct uint64
	logged           map[incKey]int
}

func newHistory() history {
	return history{incIDs: map[incKey]uint64{}, actIDs: map[actKey]uint64{}, logged: map[incKey]int{}}
}

// nodeIncident is an incident of one node's agent with its mesh-wide ID.
type nodeIncident struct {
	node    int
	current bool // of the running agent, not of an earlier run
	inc     mapek.Incident
	id      uint64
}

// nodeAction is an action of one node's agent with its mesh-wide ID and
// that of its incident (0 when the agent no longer remembers it).
type nodeAction struct {
	node     int
	act      mapek.Action
	id       uint64
	incident uint64
}

// collect returns every incident and action the agents remember, oldest
// first, with mesh-wide IDs.
func (m *Mesh) collect() ([]nodeIncident, []nodeAction) {
	h := &m.hist
	incIDs := make(map[incKey]uint64, len(h.incIDs))
	actIDs := make(map[actKey]uint64, len(h.actIDs))
	var incs []nodeIncident
	var acts []nodeAction
	for i := range m.s.Nodes() {
		ah := m.s.History(i)
		runs := []struct {
			current bool
			incs    []mapek.Incident
			acts    []mapek.Action
		}{{false, ah.PastIncidents, ah.PastActions}, {true, ah.Incidents, ah.Actions}}
		for _, r := range runs {
			ids := make([]uint64, len(r.incs))
			for k, inc := range r.incs {
				key := incKey{i, inc.ID, inc.AnalyzedAt}
				id, ok := h.incIDs[key]
				if !ok {
					h.nextInc++
					id = h.nextInc
				}
				incIDs[key], ids[k] = id, id
				incs = append(incs, nodeIncident{node: i, current: r.current, inc: inc, id: id})
			}
			for _, a := range r.acts {
				key := actKey{i, a.ID, a.At}
				id, ok := h.actIDs[key]
				if !ok {
					h.nextAct++
					id = h.nextAct
				}
				actIDs[key] = id
				acts = append(acts, nodeAction{node: i, act: a, id: id, incident: incidentOf(a, r.incs, ids)})
			}
		}
	}
	h.incIDs, h.actIDs = incIDs, actIDs
	slices.SortFunc(incs, func(a, b nodeIncident) int {
		return cmp.Or(a.inc.DetectedAt.Compare(b.inc.DetectedAt), cmp.Compare(a.id, b.id))
	})
	slices.SortFunc(acts, func(a, b nodeAction) int { return cmp.Or(a.act.At.Compare(b.act.At), cmp.Compare(a.id, b.id)) })
	return incs, acts
}

// incidentOf returns the mesh-wide ID of the incident action a answers:
// among incs (with mesh-wide IDs ids), the one the agent numbered
// a.Incident that was raised last before a. Past runs share one list, and
// each run's incidents were raised after the earlier runs ended, so that
// is the incident of a's own run.
func incidentOf(a mapek.Action, incs []mapek.Incident, ids []uint64) uint64 {
	var id uint64
	var at time.Time
	for k, inc := range incs {
		if inc.ID == a.Incident && !inc.AnalyzedAt.After(a.At) && (id == 0 || !inc.AnalyzedAt.Before(at)) {
			id, at = ids[k], inc.AnalyzedAt
		}
	}
	return id
}

// poll logs the incidents opened and resolved since the last poll.
func (m *Mesh) poll() {
	incs, _ := m.collect()
	logged := make(map[incKey]int, len(incs))
	for _, ni := range incs {
		inc := &ni.inc
		key := incKey{ni.node, inc.ID, inc.AnalyzedAt}
		state := m.hist.logged[key]
		switch {
		case !inc.Open() && state < loggedResolved:
			mttr, _ := inc.MTTR()
			m.logf("healed   %s: %s about %s resolved, MTTR %v", m.names[ni.node], inc.Kind, m.subject(inc.Subject), mttr.Round(time.Millisecond))
			state = loggedResolved
		case inc.Open() && ni.current && state < loggedOpen:
			m.logf("incident %s: %s about %s, severity %.2f, MTTD %v", m.names[ni.node], inc.Kind, m.subject(inc.Subject),
				inc.PeakSeverity, inc.MTTD().Round(time.Millisecond))
			state = loggedOpen
		}
		logged[key] = state
	}
	m.hist.logged = logged
}

// subject names the subject of an incident or action.
func (m *Mesh) subject(id identity.NodeID) string {
	if id == mapek.LocalNode() {
		return "itself"
	}
	if i, ok := m.s.Index(id); ok {
		return m.names[i]
	}
	return id.Short()
}

// Incidents lists the self-healing incidents of every node's agents,
// oldest first, with mesh-wide IDs: the open ones of the running agents,
// or with all every one they remember (including those of crashed runs,
// which stay unresolved). The node that raised each one is in the Reason
// of its actions and in Status.
func (m *Mesh) Incidents(all bool) ([]api.IncidentInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	incs, _ := m.collect()
	out := make([]api.IncidentInfo, 0, len(incs))
	for _, ni := range incs {
		if all || ni.current && ni.inc.Open() {
			out = append(out, m.incidentInfo(&ni))
		}
	}
	return out, nil
}

// Actions lists the self-healing actions of every node's agents, oldest
// first, with mesh-wide IDs; each Reason starts with the node that took
// the action.
func (m *Mesh) Actions() ([]api.ActionInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, acts := m.collect()
	out := make([]api.ActionInfo, 0, len(acts))
	for _, na := range acts {
		a := &na.act
		reason := fmt.Sprintf("%s: %s, rung %d", m.names[na.node], a.Symptom, a.Rung)
		if a.Err != "" {
			reason += ": " + a.Err
		}
		out = append(out, api.ActionInfo{ID: na.id, Incident: na.incident, Kind: a.Kind.String(), Subject: subjectID(a.Subject),
			Reason: reason, AppliedAt: m.wall(a.At), VerifiedAt: m.wall(a.VerifiedAt), Outcome: a.Outcome.String()})
	}
	return out, nil
}

// incidentInfo converts an incident for the API, on the wall clock.
func (m *Mesh) incidentInfo(ni *nodeIncident) api.IncidentInfo {
	i := &ni.inc
	info := api.IncidentInfo{ID: ni.id, Kind: i.Kind.String(), Subject: subjectID(i.Subject), Decider: i.Decider.String(),
		DetectedAt: m.wall(i.DetectedAt), AnalyzedAt: m.wall(i.AnalyzedAt), MitigatedAt: m.wall(i.MitigatedAt),
		ResolvedAt: m.wall(i.ResolvedAt), LastSeen: m.wall(i.LastSeen), PeakSeverity: i.PeakSeverity, Actions: i.Actions,
		MTTD: max(i.MTTD().Seconds(), 0)}
	if d, ok := i.MTTR(); ok {
		info.MTTR = max(d.Seconds(), 0)
	}
	return info
}

// subjectID is the API's subject: a node ID, or api.SubjectLocal.
func subjectID(id identity.NodeID) string {
	if id == mapek.LocalNode() {
		return api.SubjectLocal
	}
	return id.String()
}
