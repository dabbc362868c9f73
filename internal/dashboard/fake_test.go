package dashboard

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// t0 is the fake node's "now".
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// Node IDs of the fake mesh: alpha (self) - beta - gamma, and delta, a neighbour whose link is down.
const (
	idAlpha = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
	idBeta  = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
	idGamma = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"
	idDelta = "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4"
	idEps   = "e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5"
)

// fakeBackend is an api.Backend whose answers a test sets; safe for concurrent use so a test can
// change it while a stream reads it.
type fakeBackend struct {
	mu        sync.Mutex
	node      api.NodeInfo
	peers     []api.PeerInfo
	routes    []api.RouteInfo
	topo      api.Topology
	incidents []api.IncidentInfo
	actions   []api.ActionInfo
	healErr   error
	actErr    error
	ready     bool
	reason    string
	reads     int
}

func (f *fakeBackend) Node() api.NodeInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return f.node
}

func (f *fakeBackend) Peers() []api.PeerInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.peers
}

func (f *fakeBackend) Routes() []api.RouteInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.routes
}

func (f *fakeBackend) Ready() (bool, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ready, f.reason
}

func (f *fakeBackend) Ping(context.Context, api.PingRequest) (api.PingResult, error) {
	return api.PingResult{}, errors.New("not used")
}

func (f *fakeBackend) Topology() api.Topology {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.topo
}

func (f *fakeBackend) Incidents(all bool) ([]api.IncidentInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.healErr != nil {
		return nil, f.healErr
	}
	return append([]api.IncidentInfo(nil), f.incidents...), nil
}

func (f *fakeBackend) Actions() ([]api.ActionInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.actErr != nil {
		return nil, f.actErr
	}
	return append([]api.ActionInfo(nil), f.actions...), nil
}

// addIncident appends an open incident on subject.
func (f *fakeBackend) addIncident(in api.IncidentInfo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.incidents = append(f.incidents, in)
}

// emptyMesh is a lone node: no peers, no routes, no incidents.
func emptyMesh() *fakeBackend {
	return &fakeBackend{
		node: api.NodeInfo{ID: idAlpha, Name: "alpha", Groups: []string{"demo"}, Network: "n1", Listen: "127.0.0.1:7001",
			Version: "test", StartedAt: t0.Add(-time.Hour), NotAfter: t0.Add(24 * time.Hour)},
		topo:  api.Topology{Self: idAlpha, Nodes: []api.TopologyNode{{ID: idAlpha, Name: "alpha", Self: true, Reachable: true}}},
		ready: false, reason: "no peer is up",
	}
}

// busyMesh is alpha with neighbours beta (up) and delta (down), gamma behind beta, epsilon
// unreachable, and incidents with their actions.
func busyMesh() *fakeBackend {
	f := emptyMesh()
	f.ready, f.reason = true, ""
	f.peers = []api.PeerInfo{
		{ID: idBeta, Name: "beta", Address: "127.0.0.1:7002", State: "up", SessionAge: 12.5,
			LastHandshake: t0.Add(-12 * time.Second), LastReceived: t0.Add(-200 * time.Millisecond), RxBytes: 1000, TxBytes: 2000, RxFrames: 10, TxFrames: 20},
		{ID: idDelta, Name: "delta", Address: "127.0.0.1:7004", State: "down"},
	}
	f.routes = []api.RouteInfo{
		{Destination: idBeta, NextHop: idBeta, Metric: 256, Seqno: 1, Feasible: true, Selected: true},
		{Destination: idGamma, NextHop: idBeta, Metric: 513, Seqno: 2, Feasible: true, Selected: true},
		{Destination: idDelta, NextHop: idDelta, Metric: api.MetricInfinity, Seqno: 1},
	}
	f.topo = api.Topology{
		Self: idAlpha,
		Nodes: []api.TopologyNode{
			{ID: idAlpha, Name: "alpha", Self: true, Reachable: true},
			{ID: idBeta, Name: "beta", Neighbour: true, Reachable: true, Metric: 256, NextHop: idBeta},
			{ID: idGamma, Name: "gamma", Reachable: true, Metric: 513, NextHop: idBeta},
			{ID: idDelta, Name: "delta", Neighbour: true, Metric: api.MetricInfinity},
			{ID: idEps, Metric: api.MetricInfinity},
		},
		Links: []api.TopologyLink{
			{From: idAlpha, To: idBeta, Up: true, RTT: 1.25, RTTVar: 0.5, Cost: 256},
			{From: idAlpha, To: idDelta, Up: false, RxLoss: 1, TxLoss: 1, Cost: api.MetricInfinity},
		},
		Routes: []api.TopologyRoute{{Destination: idBeta, NextHop: idBeta, Metric: 256}, {Destination: idGamma, NextHop: idBeta, Metric: 513}},
	}
	f.incidents = []api.IncidentInfo{
		{ID: 1, Kind: "degraded-link", Subject: idBeta, Decider: "rules", DetectedAt: t0.Add(-50 * time.Minute),
			AnalyzedAt: t0.Add(-50 * time.Minute).Add(300 * time.Millisecond), MitigatedAt: t0.Add(-49 * time.Minute),
			ResolvedAt: t0.Add(-40 * time.Minute), PeakSeverity: 0.4, Actions: 1, MTTD: 0.3, MTTR: 600},
		{ID: 2, Kind: "dead-link", Subject: idDelta, Decider: "rules", DetectedAt: t0.Add(-2 * time.Minute),
			AnalyzedAt: t0.Add(-2 * time.Minute).Add(200 * time.Millisecond), MitigatedAt: t0.Add(-time.Minute),
			PeakSeverity: 1, Actions: 2, MTTD: 0.2, MTTR: 60},
		{ID: 3, Kind: "node-overloaded", Subject: api.SubjectLocal, Decider: "scorer", DetectedAt: t0.Add(-10 * time.Second),
			AnalyzedAt: t0.Add(-9 * time.Second), PeakSeverity: 0.7, MTTD: 1},
	}
	f.actions = []api.ActionInfo{
		{ID: 1, Incident: 1, Kind: "raise-cost", Subject: idBeta, Reason: "degraded-link, rung 0", AppliedAt: t0.Add(-50 * time.Minute), VerifiedAt: t0.Add(-49 * time.Minute), Outcome: "effective"},
		{ID: 3, Incident: 2, Kind: "quarantine", Subject: idDelta, Reason: "dead-link, rung 1", AppliedAt: t0.Add(-90 * time.Second), Outcome: "pending"},
		{ID: 2, Incident: 2, Kind: "connect-spares", Subject: idDelta, Reason: "dead-link, rung 0", AppliedAt: t0.Add(-2 * time.Minute), VerifiedAt: t0.Add(-90 * time.Second), Outcome: "persisted"},
	}
	return f
}

// get fetches path from h with the given cookies and returns the status and body.
func get(t *testing.T, h http.Handler, path string, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	resp := w.Result()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// mustContain fails the test for every want missing from body.
func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("body lacks %q", w)
		}
	}
}
