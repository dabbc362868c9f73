package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"gonum.org/v1/gonum/graph/formats/dot"
	"gonum.org/v1/gonum/graph/formats/dot/ast"
	"pgregory.net/rapid"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// topoBackend serves a fixed topology through the real API handler.
type topoBackend struct{ topo api.Topology }

func (b *topoBackend) Node() api.NodeInfo    { return api.NodeInfo{} }
func (b *topoBackend) Peers() []api.PeerInfo { return nil }
func (b *topoBackend) Routes() []api.RouteInfo {
	return nil
}
func (b *topoBackend) Ready() (bool, string) { return true, "" }
func (b *topoBackend) Ping(context.Context, api.PingRequest) (api.PingResult, error) {
	return api.PingResult{}, api.ErrUnavailable
}
func (b *topoBackend) Topology() api.Topology { return b.topo }

var (
	topoA = strings.Repeat("a1", 32) // gamma, the local node
	topoB = strings.Repeat("b2", 32) // beta, its neighbour
	topoC = strings.Repeat("c3", 32) // alpha, two hops away, name unknown
	topoD = strings.Repeat("d4", 32) // a neighbour whose link is down
	topoE = strings.Repeat("e5", 32) // a destination without a route
)

// lineTopology is the view of the end node of a line gamma - beta - alpha, with a dead neighbour and
// a lost destination.
func lineTopology() api.Topology {
	return api.Topology{
		Self: topoA,
		Nodes: []api.TopologyNode{
			{ID: topoE, Metric: api.MetricInfinity},
			{ID: topoC, Reachable: true, Metric: 512, NextHop: topoB},
			{ID: topoA, Name: "gamma", Self: true, Reachable: true},
			{ID: topoB, Name: `be"ta\`, Neighbour: true, Reachable: true, Metric: 256, NextHop: topoB},
			{ID: topoD, Name: "del\tta", Neighbour: true, Metric: api.MetricInfinity},
		},
		Links: []api.TopologyLink{
			{From: topoA, To: topoD, Up: false, RxLoss: 1, TxLoss: 1, Cost: api.MetricInfinity},
			{From: topoA, To: topoB, Up: true, RTT: 0.84, RTTVar: 0.21, RxLoss: 0, TxLoss: 0.0625, Cost: 256},
		},
		Routes: []api.TopologyRoute{
			{Destination: topoC, NextHop: topoB, Metric: 512},
			{Destination: topoB, NextHop: topoB, Metric: 256},
		},
	}
}

func topologyServer(t *testing.T, topo api.Topology, token string) string {
	t.Helper()
	srv := httptest.NewServer(api.NewHandler(&topoBackend{topo}, api.Options{Token: token}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestTopologyCmd(t *testing.T) {
	url := topologyServer(t, lineTopology(), "")
	empty := topologyServer(t, api.Topology{Self: topoA, Nodes: []api.TopologyNode{{ID: topoA, Self: true, Reachable: true}}}, "")
	tests := []struct {
		name    string
		args    []string
		want    []string // substrings of the output, in order
		notWant []string
	}{
		{
			name: "table",
			args: []string{"--api", url},
			want: []string{
				"mesh as seen by a1a1a1a1a1a1a1a1 (gamma): 5 nodes, 2 links, 2 routes",
				"NODE", "NAME", "ROLE", "METRIC", "NEXT HOP",
				"a1a1a1a1a1a1a1a1  gamma", "self", "0", "-",
				"b2b2b2b2b2b2b2b2  be\"ta\\", "neighbour", "256", `b2b2b2b2b2b2b2b2 (be"ta\)`,
				"c3c3c3c3c3c3c3c3  -", "remote", "512", `b2b2b2b2b2b2b2b2 (be"ta\)`,
				"d4d4d4d4d4d4d4d4  del?ta", "neighbour", "unreachable", "-",
				"e5e5e5e5e5e5e5e5  -", "remote", "unreachable",
				"LINK TO", "STATE", "RTT", "RTTVAR", "RX LOSS", "TX LOSS", "COST",
				"b2b2b2b2b2b2b2b2", "up", "0.84 ms", "0.21 ms", "0.0%", "6.2%", "256",
				"d4d4d4d4d4d4d4d4", "del?ta", "down", "-", "-", "100.0%", "100.0%", "infinite",
			},
			notWant: []string{topoA, "\t"},
		},
		{
			name:    "table without links",
			args:    []string{"--api", empty},
			want:    []string{"mesh as seen by a1a1a1a1a1a1a1a1: 1 nodes, 0 links, 0 routes", "NODE", "no links"},
			notWant: []string{"LINK TO", "(gamma)"},
		},
		{
			name: "dot",
			args: []string{"--api", url, "--dot"},
			want: []string{
				"// x0tta6bl4 mesh as seen by a1a1a1a1a1a1a1a1",
				"digraph mesh {",
				`"` + topoA + `" [label="gamma\na1a1a1a1a1a1a1a1", peripheries=2];`,
				`"` + topoB + `" [label="be\"ta\\\nb2b2b2b2b2b2b2b2"];`,
				`"` + topoC + `" [label="c3c3c3c3c3c3c3c3"];`,
				`"` + topoD + `" [label="del?ta\nd4d4d4d4d4d4d4d4", style=dashed];`,
				`"` + topoE + `" [label="e5e5e5e5e5e5e5e5", style=dashed];`,
				`"` + topoA + `" -> "` + topoB + `" [label="cost 256\n0.84 ms", style=solid];`,
				`"` + topoA + `" -> "` + topoD + `" [label="down", style=dashed];`,
				`"` + topoB + `" -> "` + topoC + `" [label="metric 512", style=dotted];`,
				"}\n",
			},
			notWant: []string{`"` + topoB + `" -> "` + topoB + `"`, "\t\"del\tta"},
		},
		{
			name:    "dot alone",
			args:    []string{"--api", empty, "--dot"},
			want:    []string{"digraph mesh {", `"` + topoA + `" [label="a1a1a1a1a1a1a1a1", peripheries=2];`, "}\n"},
			notWant: []string{"->"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := mustCLI(t, append([]string{"topology"}, tt.args...)...)
			rest := out
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output lacks %q after the previous items:\n%s", w, out)
				}
				rest = rest[i+len(w):]
			}
			for _, nw := range tt.notWant {
				if strings.Contains(out, nw) {
					t.Fatalf("output contains %q:\n%s", nw, out)
				}
			}
		})
	}
}

func TestTopologyCmdJSON(t *testing.T) {
	url := topologyServer(t, lineTopology(), "")
	out := mustCLI(t, "topology", "--api", url, "--json")
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var got api.Topology
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if want := lineTopology().Normalize(); !reflect.DeepEqual(got, want) {
		t.Fatalf("JSON = %+v\nwant %+v", got, want)
	}
	if got.Nodes[0].ID != topoA || got.Links[0].To != topoB || got.Routes[0].Destination != topoB {
		t.Fatalf("not sorted: %+v", got)
	}
}

func TestTopologyCmdErrors(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url := topologyServer(t, lineTopology(), "s3cret")
	if out := mustCLI(t, "topology", "--api", url, "--token-file", tokenFile); !strings.Contains(out, "(gamma)") {
		t.Fatalf("with token: %s", out)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no token", []string{"--api", url}, "401"},
		{"missing token file", []string{"--api", url, "--token-file", filepath.Join(dir, "none")}, "no such file"},
		{"json and dot", []string{"--api", url, "--token-file", tokenFile, "--json", "--dot"}, "none of the others can be"},
		{"arguments", []string{"extra"}, "unknown command"},
		{"node not running", []string{"--api", "http://127.0.0.1:1"}, "is the node running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(context.Background(), append([]string{"topology"}, tt.args...)...)
			if code == 0 || !strings.Contains(errs, tt.want) {
				t.Fatalf("exit %d, stderr %q (stdout %q), want an error containing %q", code, errs, out, tt.want)
			}
		})
	}
	if err := writeTopologyDOT(brokenWriter{}, lineTopology()); err == nil {
		t.Fatal("DOT write error not reported")
	}
	if err := printTopology(brokenWriter{}, lineTopology()); err == nil {
		t.Fatal("table write error not reported")
	}
}

// dotUnquote parses a DOT double-quoted string at the start of s and returns its content (with
// DOT's \n kept as a newline) and the rest of s.
func dotUnquote(s string) (content, rest string, ok bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '"':
			return b.String(), s[i+1:], true
		case '\\':
			if i+1 == len(s) {
				return "", s, false
			}
			i++
			if s[i] == 'n' {
				b.WriteByte('\n')
			} else {
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(s[i])
		}
	}
	return "", s, false
}

// TestDOTQuote checks for arbitrary strings that the quoted form is one DOT string that reads back
// as the input with non-printable characters other than newlines replaced.
func TestDOTQuote(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.String().Draw(t, "s")
		q := dotQuote(s)
		got, rest, ok := dotUnquote(q)
		if !ok || rest != "" {
			t.Fatalf("dotQuote(%q) = %q does not parse as one string (rest %q)", s, q, rest)
		}
		want := strings.Map(func(r rune) rune {
			if r == '\n' || unicode.IsPrint(r) {
				return r
			}
			return '?'
		}, s)
		if got != want {
			t.Fatalf("dotQuote(%q) reads back as %q, want %q", s, got, want)
		}
		if strings.ContainsFunc(q, func(r rune) bool { return !unicode.IsPrint(r) }) {
			t.Fatalf("dotQuote(%q) = %q has a non-printable character", s, q)
		}
	})
}

func TestShortID(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", "-"},
		{"abc", "abc"},
		{strings.Repeat("0123456789abcdef", 4), "0123456789abcdef"},
		{strings.Repeat("é", 20), strings.Repeat("é", 16)},
		{"a\x1bb", "a?b"},
	} {
		if got := shortID(tt.in); got != tt.want {
			t.Errorf("shortID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestTopologyDOTParses parses the --dot output with gonum's DOT parser and checks the graph: one
// directed graph, a node statement per node, an edge per link and one per route beyond a next hop,
// with hostile names kept inside their quoted labels.
func TestTopologyDOTParses(t *testing.T) {
	topo := lineTopology().Normalize()
	out := mustCLI(t, "topology", "--api", topologyServer(t, topo, ""), "--dot")
	f, err := dot.ParseString(out)
	if err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(f.Graphs) != 1 || !f.Graphs[0].Directed || f.Graphs[0].ID != "mesh" {
		t.Fatalf("graphs = %+v", f.Graphs)
	}
	nodes := map[string]map[string]string{}
	var edges []string
	for _, st := range f.Graphs[0].Stmts {
		switch st := st.(type) {
		case *ast.NodeStmt:
			attrs := map[string]string{}
			for _, a := range st.Attrs {
				attrs[a.Key] = a.Val
			}
			nodes[st.Node.ID] = attrs
		case *ast.EdgeStmt:
			edges = append(edges, st.From.(*ast.Node).ID+" -> "+st.To.Vertex.(*ast.Node).ID)
		}
	}
	q := func(id string) string { return `"` + id + `"` }
	if len(nodes) != len(topo.Nodes) {
		t.Fatalf("%d node statements, want %d", len(nodes), len(topo.Nodes))
	}
	if got := nodes[q(topoB)]["label"]; got != `"be\"ta\\\nb2b2b2b2b2b2b2b2"` {
		t.Fatalf("beta label = %s", got)
	}
	if nodes[q(topoA)]["peripheries"] != "2" || nodes[q(topoE)]["style"] != "dashed" {
		t.Fatalf("self or unreachable attributes: %v %v", nodes[q(topoA)], nodes[q(topoE)])
	}
	want := []string{q(topoA) + " -> " + q(topoB), q(topoA) + " -> " + q(topoD), q(topoB) + " -> " + q(topoC)}
	if !reflect.DeepEqual(edges, want) {
		t.Fatalf("edges = %v, want %v", edges, want)
	}
}
