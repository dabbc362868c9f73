package sim

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestOptionsInvalid(t *testing.T) {
	for _, tc := range []struct {
		option string
		mod    func(*Options)
	}{
		{"Topology", func(o *Options) { o.Topology = "torus" }},
		{"Nodes", func(o *Options) { o.Nodes = 1 }},
		{"Nodes", func(o *Options) { o.Nodes = MaxNodes + 1 }},
		{"Nodes", func(o *Options) { o.Topology, o.Nodes = Ring, 2 }},
		{"Duration", func(o *Options) { o.Duration = 0 }},
		{"Duration", func(o *Options) { o.Duration = MaxDuration + 1 }},
		{"Latency", func(o *Options) { o.Link.Latency = -time.Millisecond }},
		{"Jitter", func(o *Options) { o.Link.Jitter = MaxLatency + 1 }},
		{"Loss", func(o *Options) { o.Link.Loss = 1 }},
		{"Loss", func(o *Options) { o.Link.Loss = math.NaN() }},
		{"Bandwidth", func(o *Options) { o.Link.Bandwidth = -1 }},
		{"TrafficRate", func(o *Options) { o.TrafficRate = -1 }},
		{"TrafficRate", func(o *Options) { o.TrafficRate = math.Inf(1) }},
		{"DatagramSize", func(o *Options) { o.DatagramSize = 7 }},
		{"DatagramSize", func(o *Options) { o.DatagramSize = maxDatagram + 1 }},
		{"StretchSamples", func(o *Options) { o.StretchSamples = -1 }},
	} {
		o := DefaultOptions()
		tc.mod(&o)
		err := o.Validate()
		if !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), tc.option) {
			t.Errorf("%s: error %v, want ErrInvalidOptions naming it", tc.option, err)
		}
		if _, err := New(o, nil); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%s: New accepted it: %v", tc.option, err)
		}
		if _, err := Run(o, nil); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%s: Run accepted it: %v", tc.option, err)
		}
	}
	if err := DefaultOptions().Validate(); err != nil {
		t.Fatalf("DefaultOptions: %v", err)
	}
}

func TestParseTopology(t *testing.T) {
	for _, topo := range Topologies() {
		if got, err := ParseTopology(string(topo)); err != nil || got != topo {
			t.Errorf("ParseTopology(%q) = %q, %v", topo, got, err)
		}
	}
	if _, err := ParseTopology("mesh"); !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), "scale-free") {
		t.Errorf("ParseTopology(mesh): %v", err)
	}
}

func TestTopologies(t *testing.T) {
	for _, tc := range []struct {
		topo  Topology
		n     int
		edges int // -1: not fixed
	}{
		{Line, 2, 1}, {Line, 10, 9}, {Ring, 3, 3}, {Ring, 10, 10},
		{Grid, 2, 1}, {Grid, 9, 12}, {Grid, 10, 13}, {Grid, 100, 180},
		{ScaleFree, 2, 1}, {ScaleFree, 3, 3}, {ScaleFree, 50, 3 + 2*47},
		{RandomGeometric, 2, -1}, {RandomGeometric, 100, -1},
	} {
		es, err := buildTopology(tc.topo, tc.n, stream(1, purposeTopology))
		if err != nil {
			t.Fatalf("%s/%d: %v", tc.topo, tc.n, err)
		}
		if tc.edges >= 0 && len(es) != tc.edges {
			t.Errorf("%s/%d: %d edges, want %d", tc.topo, tc.n, len(es), tc.edges)
		}
		seen := map[edge]bool{}
		for _, e := range es {
			if e.a >= e.b || e.b >= tc.n || seen[e] {
				t.Errorf("%s/%d: bad or duplicate edge %v", tc.topo, tc.n, e)
			}
			seen[e] = true
		}
		if !connected(tc.n, es) {
			t.Errorf("%s/%d: not connected", tc.topo, tc.n)
		}
	}
	if _, err := buildTopology("torus", 5, stream(1, 1)); !errors.Is(err, ErrTopology) {
		t.Errorf("unknown topology: %v", err)
	}
	a, _ := buildTopology(ScaleFree, 30, stream(1, purposeTopology))
	b, _ := buildTopology(ScaleFree, 30, stream(2, purposeTopology))
	if len(a) == len(b) && func() bool {
		for k := range a {
			if a[k] != b[k] {
				return false
			}
		}
		return true
	}() {
		t.Error("scale-free graphs of two seeds are identical")
	}
}
