package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/clock"
)

// newTest returns a dashboard over b whose clock stands at t0.
func newTest(b api.Backend, opt Options) *Handler {
	opt.Clock = clock.NewVirtual(t0)
	return New(b, opt)
}

func TestPages(t *testing.T) {
	off := busyMesh()
	off.healErr = fmt.Errorf("heal: %w", api.ErrUnavailable)
	tests := []struct {
		name  string
		b     *fakeBackend
		path  string
		want  []string
		avoid []string
	}{
		{"empty overview", emptyMesh(), "/", []string{"✗ Not ready", "no peer is up", `data-live="open_incidents">0<`, "No incidents", "alpha", "in 24 h"}, []string{"Latest incident"}},
		{"empty topology", emptyMesh(), "/ui/topology", []string{`aria-label="alpha, this node"`, `id="topology-table"`, `id="node-1"`, "1 node."}, []string{"neighbour, link"}},
		{"empty links", emptyMesh(), "/ui/links", []string{"No links", "No peers.", "No routes."}, nil},
		{"empty incidents", emptyMesh(), "/ui/incidents", []string{"No incidents", `data-live="incidents">0<`}, []string{`class="incident`}},
		{"empty federated", emptyMesh(), "/ui/federated", []string{"Models are off on this node", "<code>models: {registry: models.db}</code>", "<code>x0tta6bl4 fl sim</code>"}, []string{"<table"}},
		{"busy overview", busyMesh(), "/", []string{"✓ Ready", `data-live="open_incidents">2<`, `data-live="incidents">3<`, `data-live="links_up">1<`,
			`href="/ui/incidents#incident-3"`, "node-overloaded on this node"}, []string{"Not ready"}},
		{"busy topology", busyMesh(), "/ui/topology", []string{
			`aria-label="beta, neighbour, link up, 1 hop, metric 256"`,
			`aria-label="gamma, remote, at least 2 hops via beta, metric 513"`,
			`aria-label="delta, neighbour, link down, unreachable"`,
			`aria-label="e5e5e5e5e5e5e5e5, remote, unreachable"`,
			`class="link-down"`, `stroke-dasharray="10 7"`, `class="route"`, "1.2 ms, cost 256", "metric 513", "5 nodes."}, nil},
		{"busy links", busyMesh(), "/ui/links", []string{"✓ up", "✗ down", "1.2 ms", "100 %", "infinite", "1000 B in 10 frames", "yes, in use", "12.5 s"}, []string{"No links"}},
		{"busy incidents", busyMesh(), "/ui/incidents", []string{"Incident 3: node-overloaded on this node", "Incident 2: dead-link on delta", "● open", "◐ mitigated", "✓ resolved",
			"Reason: dead-link, rung 0", "outcome <strong>persisted</strong>", "1.00", "200 ms", "10 min"}, nil},
		{"busy open incidents", busyMesh(), "/ui/incidents?state=open", []string{"Incident 2", "Incident 3", `state=open&amp;fragment=1`}, []string{"Incident 1:"}},
		{"busy fragment", busyMesh(), "/ui/incidents?fragment=1", []string{"Incident 1:"}, []string{"<html", "<footer"}},
		{"healing off overview", off, "/", []string{"Self-healing is off"}, []string{`data-live="open_incidents"`}},
		{"healing off incidents", off, "/ui/incidents", []string{"Self-healing is off"}, []string{"Incident 1"}},
		{"ui root", emptyMesh(), "/ui/", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTest(tt.b, Options{})
			resp, body := get(t, h, tt.path)
			if tt.path == "/ui/" {
				if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
					t.Fatalf("/ui/: %d %s", resp.StatusCode, resp.Header.Get("Location"))
				}
				return
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("content type %q", ct)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("CSP %q", csp)
			}
			if !strings.Contains(tt.path, "fragment") {
				mustContain(t, body, "<!DOCTYPE html>", `<html lang="en">`, `<a class="skip" href="#main">`, `<main id="main"`, "</footer>", "</html>")
			}
			mustContain(t, body, tt.want...)
			for _, a := range tt.avoid {
				if strings.Contains(body, a) {
					t.Errorf("body has %q", a)
				}
			}
		})
	}
}

func TestNavMarksCurrentPage(t *testing.T) {
	h := newTest(busyMesh(), Options{})
	for path, link := range map[string]string{"/": `href="/" aria-current="page">Overview`, "/ui/topology": `href="/ui/topology" aria-current="page"`,
		"/ui/links": `href="/ui/links" aria-current="page"`, "/ui/incidents": `href="/ui/incidents" aria-current="page"`,
		"/ui/federated": `href="/ui/federated" aria-current="page"`} {
		_, body := get(t, h, path)
		mustContain(t, body, link)
		if n := strings.Count(body, `aria-current="page"`); n != 1 && path != "/ui/incidents" {
			t.Errorf("%s: %d links marked current", path, n)
		}
	}
}

func TestTimelineOrder(t *testing.T) {
	_, body := get(t, newTest(busyMesh(), Options{}), "/ui/incidents")
	i3, i2, i1 := strings.Index(body, "Incident 3:"), strings.Index(body, "Incident 2:"), strings.Index(body, "Incident 1:")
	if !(i3 < i2 && i2 < i1) {
		t.Errorf("incidents not newest first: %d %d %d", i3, i2, i1)
	}
	r0, r1 := strings.Index(body, "dead-link, rung 0"), strings.Index(body, "dead-link, rung 1")
	if !(r0 >= 0 && r0 < r1) {
		t.Errorf("decisions not in the order taken: %d %d", r0, r1)
	}
}

func TestHostileNamesAreEscaped(t *testing.T) {
	const (
		script = `<script>alert(1)</script>`
		img    = `"><img src=x onerror=alert(2)>`
		bidi   = "evil\u202egnp.exe"
	)
	b := busyMesh()
	b.node.Name = script
	b.node.Groups = []string{img}
	b.peers[0].Name = img
	b.topo.Nodes[1].Name = img
	b.topo.Nodes[2].Name = bidi
	b.actions[1].Reason = "</li>" + script
	b.incidents[1].Kind = script
	b.reason = script
	b.ready = false
	b.topo.Nodes[3].Name = strings.Repeat("x", 3*MaxNameLength)
	h := newTest(b, Options{})
	for _, p := range []string{"/", "/ui/topology", "/ui/links", "/ui/incidents", "/ui/incidents?fragment=1"} {
		_, body := get(t, h, p)
		for _, bad := range []string{"<script>alert", "<img src=x", "\u202e", strings.Repeat("x", MaxNameLength+1)} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: body contains %q", p, bad)
			}
		}
		if !strings.Contains(body, "&lt;") {
			t.Errorf("%s: nothing escaped", p)
		}
	}
	_, body := get(t, h, "/ui/topology")
	mustContain(t, body, "evil\uFFFDgnp.exe", strings.Repeat("x", MaxNameLength)+"…")
}

func TestBadRequests(t *testing.T) {
	h := newTest(busyMesh(), Options{})
	tests := []struct {
		method, path string
		status       int
	}{
		{"GET", "/ui/incidents?state=closed", http.StatusBadRequest},
		{"GET", "/ui/incidents?fragment=yes", http.StatusBadRequest},
		{"GET", "/ui/nothing", http.StatusNotFound},
		{"GET", "/favicon.ico", http.StatusNotFound},
		{"GET", "/ui/static/nothing.css", http.StatusNotFound},
		{"GET", "/ui/static/", http.StatusNotFound},
		{"DELETE", "/", http.StatusMethodNotAllowed},
		{"PUT", "/ui/login", http.StatusMethodNotAllowed},
		{"POST", "/ui/topology", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if !strings.Contains(w.Body.String(), "</html>") {
				t.Errorf("error page incomplete: %s", w.Body)
			}
		})
	}
}

func TestStaticFiles(t *testing.T) {
	h := newTest(emptyMesh(), Options{})
	for path, want := range map[string]string{"/ui/static/dashboard.css": "prefers-reduced-motion", "/ui/static/dashboard.js": "EventSource"} {
		resp, body := get(t, h, path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("%s: %d, lacks %q", path, resp.StatusCode, want)
		}
	}
}

func TestBackendErrors(t *testing.T) {
	boom := errors.New("store broken")
	for _, tt := range []struct {
		name string
		set  func(*fakeBackend)
	}{
		{"incidents", func(f *fakeBackend) { f.healErr = boom }},
		{"actions", func(f *fakeBackend) { f.actErr = boom }},
	} {
		for _, p := range []string{"/", "/ui/topology", "/ui/links", "/ui/incidents"} {
			t.Run(tt.name+p, func(t *testing.T) {
				b := busyMesh()
				tt.set(b)
				resp, body := get(t, newTest(b, Options{}), p)
				if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, "store broken") {
					t.Fatalf("status %d: %s", resp.StatusCode, body)
				}
			})
		}
	}
}

func TestActionsUnavailableIsNotAnError(t *testing.T) {
	b := busyMesh()
	b.actErr = api.ErrUnavailable
	resp, body := get(t, newTest(b, Options{}), "/ui/incidents")
	if resp.StatusCode != http.StatusOK {
		t.Fatal(resp.StatusCode)
	}
	mustContain(t, body, "No decision taken yet")
}

func TestRenderFailureIsA500(t *testing.T) {
	h := newTest(emptyMesh(), Options{})
	w := httptest.NewRecorder()
	h.render(w, http.StatusOK, "overview", &view{Data: 42})
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "<html") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestListsAreBounded(t *testing.T) {
	b := emptyMesh()
	for i := range MaxListed + 7 {
		id := fmt.Sprintf("%064x", i+1)
		b.peers = append(b.peers, api.PeerInfo{ID: id, State: "up"})
		b.routes = append(b.routes, api.RouteInfo{Destination: id, NextHop: id, Metric: 256})
		b.topo.Nodes = append(b.topo.Nodes, api.TopologyNode{ID: id, Neighbour: true, Reachable: true, NextHop: id, Metric: 256})
		b.incidents = append(b.incidents, api.IncidentInfo{ID: uint64(i + 1), Kind: "dead-link", Subject: id, DetectedAt: t0.Add(time.Duration(i) * time.Second)})
	}
	h := newTest(b, Options{})
	_, body := get(t, h, "/ui/links")
	mustContain(t, body, "14 more rows are not listed")
	_, body = get(t, h, "/ui/incidents")
	mustContain(t, body, "7 older incidents are not listed")
	if n := strings.Count(body, `<li class="incident`); n != MaxListed {
		t.Errorf("%d incidents listed", n)
	}
	_, body = get(t, h, "/ui/topology")
	mustContain(t, body, "8 more not drawn")
}
