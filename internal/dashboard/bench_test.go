package dashboard

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// BenchmarkPages renders each page of a 100-node mesh with 200 incidents.
func BenchmarkPages(b *testing.B) {
	f := busyMesh()
	for i := range 100 {
		id := fmt.Sprintf("%064x", i+1)
		f.topo.Nodes = append(f.topo.Nodes, api.TopologyNode{ID: id, Name: fmt.Sprintf("node-%d", i), Reachable: true, NextHop: idBeta, Metric: 600})
		f.routes = append(f.routes, api.RouteInfo{Destination: id, NextHop: idBeta, Metric: 600, Feasible: true, Selected: true})
	}
	for i := range 200 {
		f.incidents = append(f.incidents, api.IncidentInfo{ID: uint64(10 + i), Kind: "dead-link", Subject: idBeta, DetectedAt: t0})
		f.actions = append(f.actions, api.ActionInfo{ID: uint64(10 + i), Incident: uint64(10 + i), Kind: "raise-cost", Reason: "dead-link, rung 0", AppliedAt: t0, Outcome: "pending"})
	}
	h := newTest(f, Options{})
	for _, p := range []string{"/", "/ui/topology", "/ui/links", "/ui/incidents"} {
		b.Run(p, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, p, nil)
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
