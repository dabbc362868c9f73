package dashboard

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// incidentView is one incident of the timeline with the decisions the MAPE-K loop took on it.
type incidentView struct {
	ID                     uint64
	Kind, Subject, Decider string
	State                  string
	Detected, Analyzed     Time
	Mitigated, Resolved    Time
	LastSeen               Time
	Severity, MTTD, MTTR   string
	Actions                []actionView
}

// actionView is one decision of the loop on an incident.
type actionView struct {
	ID                    uint64
	Kind, Reason, Outcome string
	Applied, Verified     Time
}

// incidentsView is the data of the incidents page.
type incidentsView struct {
	Healing  bool
	All      bool
	Counts   counts
	Timeline []incidentView
	Hidden   int
}

// state is an incident's state as the timeline shows it.
func state(in api.IncidentInfo) string {
	switch {
	case !in.ResolvedAt.IsZero():
		return "resolved"
	case !in.MitigatedAt.IsZero():
		return "mitigated"
	}
	return "open"
}

// timeline returns at most limit incidents of s, newest first, each with its actions in the order
// they were taken.
func timeline(s *snapshot, now time.Time, limit int) []incidentView {
	byIncident := map[uint64][]api.ActionInfo{}
	for _, a := range s.actions {
		byIncident[a.Incident] = append(byIncident[a.Incident], a)
	}
	list := slices.SortedFunc(slices.Values(s.incidents), func(a, b api.IncidentInfo) int {
		return cmp.Or(b.DetectedAt.Compare(a.DetectedAt), cmp.Compare(b.ID, a.ID))
	})
	var out []incidentView
	for _, in := range list[:min(len(list), limit)] {
		iv := incidentView{
			ID: in.ID, Kind: clean(in.Kind, MaxNameLength), Subject: s.names.label(in.Subject),
			Decider: clean(in.Decider, MaxNameLength), State: state(in),
			Detected: mkTime(in.DetectedAt, now), Analyzed: mkTime(in.AnalyzedAt, now),
			Mitigated: mkTime(in.MitigatedAt, now), Resolved: mkTime(in.ResolvedAt, now), LastSeen: mkTime(in.LastSeen, now),
			Severity: fmt.Sprintf("%.2f", in.PeakSeverity), MTTD: seconds(in.MTTD), MTTR: seconds(in.MTTR),
		}
		acts := slices.SortedFunc(slices.Values(byIncident[in.ID]), func(a, b api.ActionInfo) int {
			return cmp.Or(a.AppliedAt.Compare(b.AppliedAt), cmp.Compare(a.ID, b.ID))
		})
		for _, a := range acts[:min(len(acts), MaxListed)] {
			iv.Actions = append(iv.Actions, actionView{
				ID: a.ID, Kind: clean(a.Kind, MaxNameLength), Reason: clean(a.Reason, 4*MaxNameLength),
				Outcome: clean(a.Outcome, MaxNameLength), Applied: mkTime(a.AppliedAt, now), Verified: mkTime(a.VerifiedAt, now),
			})
		}
		out = append(out, iv)
	}
	return out
}

// incidents serves the timeline: ?state=all (default) or open; ?fragment=1 renders only the
// timeline, for the live-update script.
func (h *Handler) incidents(r *http.Request) (string, *view, int, error) {
	q := r.URL.Query()
	all := true
	switch st := q.Get("state"); st {
	case "", "all":
	case "open":
		all = false
	default:
		return "", nil, http.StatusBadRequest, fmt.Errorf("%w: state: %q is not all or open", ErrBadRequest, clean(st, MaxNameLength))
	}
	var fragment string
	switch f := q.Get("fragment"); f {
	case "":
	case "1":
		fragment = "timeline"
	default:
		return "", nil, http.StatusBadRequest, fmt.Errorf("%w: fragment: %q is not 1", ErrBadRequest, clean(f, MaxNameLength))
	}
	s, err := h.read()
	if err != nil {
		return "", nil, http.StatusInternalServerError, err
	}
	if !all {
		s.incidents = slices.DeleteFunc(s.incidents, func(in api.IncidentInfo) bool { return !in.ResolvedAt.IsZero() })
	}
	now := h.opt.Clock.Now()
	iv := incidentsView{Healing: s.counts.Healing, All: all, Counts: s.counts, Timeline: timeline(s, now, MaxListed)}
	iv.Hidden = len(s.incidents) - len(iv.Timeline)
	return "incidents", &view{Title: "Incidents", Nav: "incidents", Live: true, Fragment: fragment, Now: mkTime(now, now), Data: iv}, 0, nil
}
