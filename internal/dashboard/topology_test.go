package dashboard

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"pgregory.net/rapid"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

func TestLayoutPlacesNodes(t *testing.T) {
	b := busyMesh()
	tv := layout(b.topo.Normalize(), newNames(b.topo, b.peers))
	cx, cy := float64(svgWidth)/2, float64(svgHeight)/2
	by := map[string]topoNode{}
	for _, n := range tv.Nodes {
		by[n.Label] = n
	}
	dist := func(n topoNode, x, y float64) float64 { return math.Hypot(n.X-x, n.Y-y) }
	tests := []struct {
		label, role string
		radius      float64
	}{
		{"alpha", roleSelf, 0},
		{"beta", roleNeighbour, ringNeighbour},
		{"delta", roleNeighbour, ringNeighbour},
		{"gamma", roleRemote, ringRemote},
		{"e5e5e5e5e5e5e5e5", roleRemote, ringRemote},
	}
	for _, tt := range tests {
		n, ok := by[tt.label]
		if !ok {
			t.Fatalf("%s not drawn", tt.label)
		}
		if n.Role != tt.role || math.Abs(dist(n, cx, cy)-tt.radius) > 1e-6 {
			t.Errorf("%s: role %s at distance %.1f, want %s at %.0f", tt.label, n.Role, dist(n, cx, cy), tt.role, tt.radius)
		}
	}
	// gamma sits beside beta, its next hop: closer to beta than to delta.
	if g := by["gamma"]; dist(g, by["beta"].X, by["beta"].Y) >= dist(g, by["delta"].X, by["delta"].Y) {
		t.Error("gamma not placed by its next hop")
	}
	kinds := map[string]int{}
	for _, e := range tv.Edges {
		kinds[e.Kind]++
		// Every label sits beside its line, not on it: these lines are vertical.
		if e.TextAnchor == "" || math.Abs(e.LX-e.X1) < edgeLabelOffset-1e-9 {
			t.Errorf("%s label at %v,%v anchored %q, line at x=%v", e.Kind, e.LX, e.LY, e.TextAnchor, e.X1)
		}
	}
	if kinds["link-up"] != 1 || kinds["link-down"] != 1 || kinds["route"] != 1 {
		t.Errorf("edges %v", kinds)
	}
	if tv.ViewBox == "" || tv.Width <= 0 || tv.Height <= 0 {
		t.Errorf("viewBox %q %dx%d", tv.ViewBox, tv.Width, tv.Height)
	}
}

func TestLayoutNames(t *testing.T) {
	tests := []struct {
		name string
		node api.TopologyNode
		link *api.TopologyLink
		want string
	}{
		{"self", api.TopologyNode{ID: idAlpha, Name: "alpha", Self: true, Reachable: true}, nil, "alpha, this node"},
		{"direct", api.TopologyNode{ID: idBeta, Name: "beta", Neighbour: true, Reachable: true, NextHop: idBeta, Metric: 256},
			&api.TopologyLink{To: idBeta, Up: true}, "beta, neighbour, link up, 1 hop, metric 256"},
		{"detour", api.TopologyNode{ID: idBeta, Name: "beta", Neighbour: true, Reachable: true, NextHop: idGamma, Metric: 700},
			&api.TopologyLink{To: idBeta}, "beta, neighbour, link down, via gamma, metric 700"},
		{"no link", api.TopologyNode{ID: idBeta, Name: "beta", Neighbour: true}, nil, "beta, neighbour, link no link, unreachable"},
		{"remote", api.TopologyNode{ID: idDelta, Name: "delta", Reachable: true, NextHop: idBeta, Metric: 513}, nil, "delta, remote, at least 2 hops via beta, metric 513"},
		{"lost", api.TopologyNode{ID: idDelta, Name: "delta", Metric: api.MetricInfinity}, nil, "delta, remote, unreachable"},
	}
	nm := names{idAlpha: "alpha", idBeta: "beta", idGamma: "gamma", idDelta: "delta"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			links := map[string]api.TopologyLink{}
			if tt.link != nil {
				links[tt.link.To] = *tt.link
			}
			role := roleRemote
			switch {
			case tt.node.Self:
				role = roleSelf
			case tt.node.Neighbour:
				role = roleNeighbour
			}
			tv := &topologyView{Width: svgWidth}
			if got := tv.node(tt.node, role, links, nm, 10, 10).Name; got != tt.want {
				t.Fatalf("name %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLayoutEmpty(t *testing.T) {
	tv := layout(api.Topology{}.Normalize(), names{})
	if len(tv.Nodes) != 0 || len(tv.Edges) != 0 || tv.ViewBox != "" {
		t.Fatalf("%+v", tv)
	}
	_, body := get(t, newTest(&fakeBackend{}, Options{}), "/ui/topology")
	mustContain(t, body, "The node reports no topology yet", "No nodes.")
}

// Any topology lays out without panicking: every node drawn once with a unique anchor, finite
// coordinates inside the viewBox, and a name that starts with its label.
func TestLayoutProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 40).Draw(t, "nodes")
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("%064x", i)
		}
		topo := api.Topology{}
		if n > 0 {
			topo.Self = ids[0]
		}
		for i, id := range ids {
			nd := api.TopologyNode{ID: id, Self: i == 0, Neighbour: i > 0 && rapid.Bool().Draw(t, "neigh"), Reachable: rapid.Bool().Draw(t, "reach"),
				Metric: rapid.IntRange(0, api.MetricInfinity).Draw(t, "metric")}
			if n > 1 && rapid.Bool().Draw(t, "hasHop") {
				nd.NextHop = ids[rapid.IntRange(0, n-1).Draw(t, "hop")]
			}
			if rapid.Bool().Draw(t, "named") {
				nd.Name = rapid.String().Draw(t, "name")
			}
			topo.Nodes = append(topo.Nodes, nd)
			if nd.Neighbour {
				topo.Links = append(topo.Links, api.TopologyLink{From: ids[0], To: id, Up: rapid.Bool().Draw(t, "up"), RTT: rapid.Float64Range(0, 1000).Draw(t, "rtt")})
			}
		}
		tv := layout(topo.Normalize(), newNames(topo, nil))
		if len(tv.Nodes) != n {
			t.Fatalf("%d nodes drawn of %d", len(tv.Nodes), n)
		}
		var vx, vy, vw, vh float64
		if n > 0 {
			if _, err := fmt.Sscanf(tv.ViewBox, "%g %g %g %g", &vx, &vy, &vw, &vh); err != nil {
				t.Fatalf("viewBox %q: %v", tv.ViewBox, err)
			}
		}
		seen := map[string]bool{}
		for _, nd := range tv.Nodes {
			if seen[nd.Anchor] {
				t.Fatalf("anchor %s twice", nd.Anchor)
			}
			seen[nd.Anchor] = true
			if math.IsNaN(nd.X) || math.IsNaN(nd.Y) || nd.X < vx || nd.X > vx+vw || nd.Y < vy || nd.Y > vy+vh {
				t.Fatalf("node %s at %v,%v outside %s", nd.Label, nd.X, nd.Y, tv.ViewBox)
			}
			if !strings.HasPrefix(nd.Name, nd.Label+", ") {
				t.Fatalf("name %q does not start with label %q", nd.Name, nd.Label)
			}
		}
	})
}

func TestFormatting(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{duration(850 * time.Millisecond), "850 ms"},
		{duration(12 * time.Second), "12 s"},
		{duration(5 * time.Minute), "5 min"},
		{duration(3 * time.Hour), "3 h"},
		{duration(72 * time.Hour), "3 d"},
		{seconds(0), "—"},
		{seconds(math.NaN()), "—"},
		{seconds(0.25), "250 ms"},
		{seconds(12.34), "12.3 s"},
		{seconds(600), "10 min"},
		{mkTime(t0, t0).Ago, "now"},
		{mkTime(t0.Add(-time.Minute), t0).Ago, "1 min ago"},
		{mkTime(t0.Add(time.Hour), t0).Ago, "in 1 h"},
		{mkTime(t0, t0).Text, "2025-06-01 12:00:00 UTC"},
		{clean("a\x00b\u202ec\xff", 10), "a\uFFFDb\uFFFDc\uFFFD"},
		{clean("abcdef", 3), "abc…"},
		{clean("abc", 3), "abc"},
		{metric(api.MetricInfinity), "infinite"},
		{millis(0), "not measured"},
		{percent(0.5), "50 %"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if !mkTime(time.Time{}, t0).Zero {
		t.Error("zero time")
	}
}

// FuzzNames renders every page with arbitrary certificate names, kinds and reasons: no page may
// fail, and the names may not change the page's markup — its tags and attribute names are the same
// as with plain names.
func FuzzNames(f *testing.F) {
	f.Add("alpha", "dead-link", "dead-link, rung 0")
	f.Add(`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`, "</li><svg onload=alert(1)>")
	f.Add("evil\u202egnp.exe", "\x00\xff", strings.Repeat("long ", 200))
	h := func(name, kind, reason string) *Handler {
		b := busyMesh()
		b.node.Name, b.topo.Nodes[1].Name, b.peers[0].Name = name, name, name
		b.incidents[2].Kind, b.actions[1].Reason = kind, reason
		return newTest(b, Options{})
	}
	plain := h("beta", "dead-link", "dead-link, rung 0")
	f.Fuzz(func(t *testing.T, name, kind, reason string) {
		d := h(name, kind, reason)
		for _, p := range []string{"/", "/ui/topology", "/ui/links", "/ui/incidents"} {
			resp, body := get(t, d, p)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", p, resp.StatusCode)
			}
			_, want := get(t, plain, p)
			if got, want := markup(body), markup(want); got != want {
				t.Fatalf("%s: names changed the markup:\n%s\nwant\n%s", p, got, want)
			}
		}
	})
}

// markup is the sorted list of the tags of an HTML document, each with its attribute names
// (sorted, since names change the order of table rows).
func markup(doc string) string {
	var tags []string
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		switch z.Next() {
		case html.ErrorToken:
			slices.Sort(tags)
			return strings.Join(tags, "\n")
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tok := z.Token()
			tag := tok.Data
			for _, a := range tok.Attr {
				tag += " " + a.Key
			}
			tags = append(tags, tag)
		}
	}
}

// FuzzLogin posts arbitrary form bodies to the sign-in form: the answer is always a redirect on the
// right token with a matching CSRF token, otherwise a 4xx, and a session is set only on success.
func FuzzLogin(f *testing.F) {
	f.Add("csrf=abc&token="+testToken, "abc")
	f.Add("csrf=abc&token=wrong", "abc")
	f.Add("token="+testToken, "")
	f.Add("csrf=%zz&token=%", "x")
	f.Add(strings.Repeat("a=b&", 2000), "a")
	h := newTest(emptyMesh(), Options{Token: testToken})
	f.Fuzz(func(t *testing.T, body, cookie string) {
		req := httptestPost(body, cookie)
		w := newRecorder()
		h.ServeHTTP(w, req)
		form, perr := url.ParseQuery(body)
		ok := perr == nil && len(body) <= MaxFormSize && cookie != "" && validCookie(cookie) &&
			form.Get("csrf") == cookie && strings.TrimSpace(form.Get("token")) == testToken
		session := sessionCookie(w.Result()) != nil
		switch {
		case ok && (w.Code != http.StatusSeeOther || !session):
			t.Fatalf("valid login refused: %d", w.Code)
		case !ok && (w.Code < 400 || w.Code > 499 || session):
			t.Fatalf("invalid login gave %d, session %v", w.Code, session)
		}
	})
}

// validCookie reports whether v is sent unchanged as a cookie value; the fuzz target sends only
// those.
func validCookie(v string) bool {
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func httptestPost(body, cookie string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/ui/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != "" && validCookie(cookie) {
		req.AddCookie(&http.Cookie{Name: CSRFCookie, Value: cookie})
	}
	return req
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
