package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestTopologyNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   Topology
		want Topology
	}{
		{
			name: "nil lists become empty",
			in:   Topology{Self: "a"},
			want: Topology{Self: "a", Nodes: []TopologyNode{}, Links: []TopologyLink{}, Routes: []TopologyRoute{}},
		},
		{
			name: "empty lists stay empty",
			in:   Topology{Nodes: []TopologyNode{}, Links: []TopologyLink{}, Routes: []TopologyRoute{}},
			want: Topology{Nodes: []TopologyNode{}, Links: []TopologyLink{}, Routes: []TopologyRoute{}},
		},
		{
			name: "sorted by id, to, destination",
			in: Topology{Self: "b",
				Nodes:  []TopologyNode{{ID: "c"}, {ID: "a"}, {ID: "b", Self: true}},
				Links:  []TopologyLink{{From: "b", To: "c"}, {From: "b", To: "a"}},
				Routes: []TopologyRoute{{Destination: "c", NextHop: "a"}, {Destination: "a", NextHop: "c"}, {Destination: "a", NextHop: "a"}},
			},
			want: Topology{Self: "b",
				Nodes:  []TopologyNode{{ID: "a"}, {ID: "b", Self: true}, {ID: "c"}},
				Links:  []TopologyLink{{From: "b", To: "a"}, {From: "b", To: "c"}},
				Routes: []TopologyRoute{{Destination: "a", NextHop: "a"}, {Destination: "a", NextHop: "c"}, {Destination: "c", NextHop: "a"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in.Normalize()
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Normalize = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestTopologyNormalizeProperties checks, for arbitrary views, that Normalize keeps every element,
// sorts, is idempotent, does not modify its argument and never yields null lists in JSON.
func TestTopologyNormalizeProperties(t *testing.T) {
	id := rapid.StringMatching(`[0-9a-f]{0,4}`)
	rapid.Check(t, func(t *rapid.T) {
		var in Topology
		for _, n := range rapid.SliceOf(id).Draw(t, "nodes") {
			in.Nodes = append(in.Nodes, TopologyNode{ID: n})
		}
		for _, n := range rapid.SliceOf(id).Draw(t, "links") {
			in.Links = append(in.Links, TopologyLink{From: "s", To: n})
		}
		for _, n := range rapid.SliceOf(id).Draw(t, "routes") {
			in.Routes = append(in.Routes, TopologyRoute{Destination: n, NextHop: id.Draw(t, "hop")})
		}
		orig := Topology{Nodes: slices.Clone(in.Nodes), Links: slices.Clone(in.Links), Routes: slices.Clone(in.Routes)}
		got := in.Normalize()
		if !reflect.DeepEqual(in, orig) {
			t.Fatal("Normalize modified its argument")
		}
		if len(got.Nodes) != len(in.Nodes) || len(got.Links) != len(in.Links) || len(got.Routes) != len(in.Routes) {
			t.Fatalf("lengths changed: %+v -> %+v", in, got)
		}
		if !slices.IsSortedFunc(got.Nodes, func(a, b TopologyNode) int { return strings.Compare(a.ID, b.ID) }) ||
			!slices.IsSortedFunc(got.Links, func(a, b TopologyLink) int { return strings.Compare(a.To, b.To) }) ||
			!slices.IsSortedFunc(got.Routes, func(a, b TopologyRoute) int { return strings.Compare(a.Destination, b.Destination) }) {
			t.Fatalf("not sorted: %+v", got)
		}
		if again := got.Normalize(); !reflect.DeepEqual(again, got) {
			t.Fatalf("not idempotent: %+v -> %+v", got, again)
		}
		b, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "null") {
			t.Fatalf("JSON has null: %s", b)
		}
	})
}

func TestClientTopology(t *testing.T) {
	srv := httptest.NewServer(NewHandler(&fakeBackend{ready: true}, Options{Token: "tok"}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	topo, err := (&Client{Base: srv.URL, Token: "tok"}).Topology(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := (&fakeBackend{ready: true}).Topology().Normalize()
	if !reflect.DeepEqual(topo, want) {
		t.Fatalf("Topology = %+v, want %+v", topo, want)
	}
	if topo.Nodes[0].ID != "ab" || topo.Nodes[1].ID != "cd" {
		t.Fatalf("nodes not sorted: %+v", topo.Nodes)
	}
	if _, err := (&Client{Base: srv.URL}).Topology(ctx); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("unauthenticated Topology err = %v", err)
	}
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"nodes": 5}`)) }))
	defer bad.Close()
	if _, err := (&Client{Base: bad.URL}).Topology(ctx); err == nil || !strings.Contains(err.Error(), "decoding") {
		t.Fatalf("malformed Topology err = %v", err)
	}
}
