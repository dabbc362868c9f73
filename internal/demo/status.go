package demo

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// FederatedLearningStatus is what Status says of federated learning rounds
// over the mesh: they are not built, and the demo does not fake them.
const FederatedLearningStatus = "not built yet"

// StatusPath is where Handler serves Status.
const StatusPath = "/api/v1/demo/status"

// Status is the demo-wide state: the whole mesh, its traffic, the faults
// injected and the incidents labelled by the node that raised them.
type Status struct {
	// Now is the simulation's present on the wall clock; Elapsed the
	// virtual time since the start, in seconds; Slipped the virtual time
	// skipped because the simulation fell behind the wall clock.
	Now     time.Time `json:"now"`
	Elapsed float64   `json:"elapsed_seconds"`
	Slipped float64   `json:"slipped_seconds"`
	// View is the name of the node the API shows.
	View string `json:"view"`
	// Topology is the graph family; Nodes, NodesUp, Links and LinksCut
	// count; Components counts the connected parts of the surviving
	// graph.
	Topology   string `json:"topology"`
	Seed       uint64 `json:"seed"`
	Nodes      int    `json:"nodes"`
	NodesUp    int    `json:"nodes_up"`
	Links      int    `json:"links"`
	LinksCut   int    `json:"links_cut"`
	Components int    `json:"components"`
	// Down and Grayholes name the nodes down and the grayholes.
	Down      []string `json:"down"`
	Grayholes []string `json:"grayholes"`
	// Sent counts the demo's datagrams, Delivered those that arrived,
	// Refused those their sender's Core refused at once (no route).
	Sent      uint64 `json:"traffic_sent"`
	Delivered uint64 `json:"traffic_delivered"`
	Refused   uint64 `json:"traffic_refused"`
	// Faults are the last MaxFaults faults, oldest first.
	Faults []Fault `json:"faults"`
	// Incidents are the newest MaxStatusIncidents incidents of every
	// node's agents, oldest first, each with the node that raised it.
	Incidents []NodeIncident `json:"incidents"`
	// FederatedLearning is FederatedLearningStatus.
	FederatedLearning string `json:"federated_learning"`
}

// NodeIncident is an incident with the node whose agent raised it; its ID
// is the one Incidents gives it.
type NodeIncident struct {
	Node    string `json:"node"`
	Subject string `json:"subject_name"`
	Open    bool   `json:"open"`
	// Stopped marks an incident of an agent whose node crashed since: it
	// was never resolved.
	Stopped bool `json:"stopped"`
	api.IncidentInfo
}

// Status returns the demo-wide state.
func (m *Mesh) Status() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := Status{
		Now: m.clock(), Elapsed: m.s.Now().Seconds(), Slipped: m.slipped.Seconds(),
		View: m.names[m.opt.View], Topology: string(m.opt.Sim.Topology), Seed: m.opt.Sim.Seed,
		Nodes: m.s.Nodes(), Links: len(m.s.Links()),
		Down: []string{}, Grayholes: []string{},
		Sent: m.sent, Delivered: m.delivered, Refused: m.refused,
		Faults:            append([]Fault{}, m.faults...),
		Incidents:         []NodeIncident{},
		FederatedLearning: FederatedLearningStatus,
	}
	for i := range m.s.Nodes() {
		if m.s.Up(i) {
			st.NodesUp++
		} else {
			st.Down = append(st.Down, m.names[i])
		}
		if m.s.GrayholeFraction(i) > 0 {
			st.Grayholes = append(st.Grayholes, m.names[i])
		}
	}
	for _, l := range m.s.Links() {
		if m.s.IsCut(l[0], l[1]) {
			st.LinksCut++
		}
	}
	comps := map[int]bool{}
	for _, c := range m.s.Components() {
		if c >= 0 {
			comps[c] = true
		}
	}
	st.Components = len(comps)
	incs, _ := m.collect()
	incs = incs[max(0, len(incs)-MaxStatusIncidents):]
	for k := range incs {
		ni := &incs[k]
		st.Incidents = append(st.Incidents, NodeIncident{Node: m.names[ni.node], Subject: m.subject(ni.inc.Subject),
			Open: ni.inc.Open(), Stopped: !ni.current && ni.inc.Open(), IncidentInfo: m.incidentInfo(ni)})
	}
	return st
}

// StatusHandler serves Status as JSON at GET StatusPath.
func (m *Mesh) StatusHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", http.MethodGet)
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": r.Method + " " + r.URL.Path + ": method not allowed, use GET"})
			return
		}
		writeJSON(w, http.StatusOK, m.Status())
	})
}

// writeJSON writes v as indented JSON with status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
