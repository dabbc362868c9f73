package api

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// SubjectLocal is the Subject of node-wide incidents and actions (overload, partition, forged
// traffic, handshake flood), which concern the local node rather than one neighbour.
const SubjectLocal = "local"

// IncidentInfo is one self-healing incident: a symptom of one kind on one subject, from its
// detection to its resolution (docs/mapek.md).
type IncidentInfo struct {
	// ID numbers the node's incidents from 1, across restarts when the node keeps its Knowledge.
	ID uint64 `json:"id"`
	// Kind is the symptom: dead-link, degraded-link, flapping-link, partition-suspected,
	// node-overloaded, misbehaving-relay, forged-traffic, handshake-flood or transport-blocked.
	Kind string `json:"kind"`
	// Subject is the neighbour's node ID, or SubjectLocal.
	Subject string `json:"subject"`
	// Decider is what raised the symptom: rules or scorer.
	Decider string `json:"decider"`
	// DetectedAt is when the symptom's evidence began; AnalyzedAt when the loop raised it.
	DetectedAt time.Time `json:"detected_at"`
	AnalyzedAt time.Time `json:"analyzed_at"`
	// MitigatedAt is when an action was verified effective; absent until then.
	MitigatedAt time.Time `json:"mitigated_at,omitzero"`
	// ResolvedAt is when the symptom was first seen gone for good; absent while open.
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// LastSeen is the last time the symptom was raised.
	LastSeen time.Time `json:"last_seen"`
	// PeakSeverity is the highest severity seen, 0 to 1.
	PeakSeverity float64 `json:"peak_severity"`
	// Actions counts the actions taken.
	Actions int `json:"actions"`
	// MTTD is the detection latency in seconds: AnalyzedAt - DetectedAt.
	MTTD float64 `json:"mttd_seconds"`
	// MTTR is the time to repair in seconds: ResolvedAt - DetectedAt, or MitigatedAt - DetectedAt
	// while unresolved; absent while neither is known.
	MTTR float64 `json:"mttr_seconds,omitzero"`
}

// ActionInfo is one self-healing action and its outcome.
type ActionInfo struct {
	// ID numbers the node's actions from 1.
	ID uint64 `json:"id"`
	// Incident is the ID of the incident the action answers.
	Incident uint64 `json:"incident"`
	// Kind is raise-cost, quarantine, connect-spares, switch-transport, rekey,
	// rate-limit-handshakes or restart.
	Kind string `json:"kind"`
	// Subject is the neighbour's node ID, or SubjectLocal.
	Subject string `json:"subject"`
	// Reason is the symptom answered and the rung of its escalation ladder, and the error when the
	// action failed.
	Reason string `json:"reason"`
	// AppliedAt is when the action was applied.
	AppliedAt time.Time `json:"applied_at"`
	// VerifiedAt is when its outcome was decided; absent while pending.
	VerifiedAt time.Time `json:"verified_at,omitzero"`
	// Outcome is pending, failed, effective, persisted, rolled-back or undo-failed.
	Outcome string `json:"outcome"`
}

func (s *server) incidents(w http.ResponseWriter, r *http.Request) {
	var all bool
	switch st := r.URL.Query().Get("state"); st {
	case "", "open":
	case "all":
		all = true
	default:
		s.fail(w, r, http.StatusBadRequest, fmt.Errorf("%w: state: %q is not open or all", ErrBadRequest, st))
		return
	}
	list, err := s.b.Incidents(all)
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	if list == nil {
		list = []IncidentInfo{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *server) actions(w http.ResponseWriter, r *http.Request) {
	list, err := s.b.Actions()
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	if list == nil {
		list = []ActionInfo{}
	}
	writeJSON(w, http.StatusOK, list)
}

// Incidents fetches /api/v1/incidents: the open incidents, or with all every one the node
// remembers.
func (c *Client) Incidents(ctx context.Context, all bool) ([]IncidentInfo, error) {
	state := "open"
	if all {
		state = "all"
	}
	var list []IncidentInfo
	return list, c.do(ctx, http.MethodGet, "/api/v1/incidents?state="+state, nil, &list)
}

// Actions fetches /api/v1/actions.
func (c *Client) Actions(ctx context.Context) ([]ActionInfo, error) {
	var list []ActionInfo
	return list, c.do(ctx, http.MethodGet, "/api/v1/actions", nil, &list)
}
