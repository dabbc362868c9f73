package meshdetect

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func nid(b byte) identity.NodeID {
	var id identity.NodeID
	id[0] = b
	return id
}

// snap is a snapshot at step k of a node with neighbours a (relaying half of what it is given,
// flapping every step) and b (healthy).
func snap(k int) mapek.Snapshot {
	return mapek.Snapshot{
		Neighbours: []mapek.NeighbourSample{
			{ID: nid(2), Up: k%2 == 0, SRTT: 30 * time.Millisecond, RTTVar: time.Millisecond, Relayed: uint64(20 * k), Confirmed: uint64(10 * k), RoutesVia: 2,
				Dests: 4, FailingDests: 3},
			{ID: nid(1), Up: true, SRTT: 10 * time.Millisecond, RxLoss: 0.1, TxLoss: 0.1, Relayed: uint64(20 * k), Confirmed: uint64(18 * k),
				HandshakeAttempts: uint64(k), HandshakeFailures: uint64(k / 2)},
		},
		Node: mapek.NodeSample{CPU: 0.5, Memory: 0.25, QueueDrops: uint64(10 * k), HandshakeDrops: uint64(5 * k), CookieReplies: uint64(5 * k),
			Routes: 4 + k%2, Drops: mesh.Drops{Decrypt: uint64(k)}},
	}
}

func TestHistoryViews(t *testing.T) {
	h := NewHistory()
	steps := int(FeatureWindow/StepPeriod) + 20
	for k := 0; k <= steps; k++ {
		s := snap(k)
		if err := h.Add(t0.Add(time.Duration(k)*StepPeriod), &s); err != nil {
			t.Fatal(err)
		}
	}
	if h.Span() != time.Duration(steps)*StepPeriod || !h.Now().Equal(t0.Add(time.Duration(steps)*StepPeriod)) {
		t.Fatalf("span %v now %v", h.Span(), h.Now())
	}
	ids := h.Neighbours()
	if len(ids) != 2 || ids[0] != nid(1) || ids[1] != nid(2) {
		t.Fatalf("neighbours %v, want sorted 1, 2", ids)
	}
	self := h.Self()
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 0.02*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	near("cpu", self[0], 0.5)
	near("memory", self[1], 0.25)
	near("queue rate", self[2], math.Log1p(100))
	near("handshake flood rate", self[3], math.Log1p(100))
	near("forged rate", self[5], math.Log1p(10))
	near("route range", self[8], 0.2)
	near("up", self[9], math.Log1p(2))
	near("span", self[12], 1)
	l := h.Links()
	healthy, flappy := l[0], l[1]
	near("healthy up", healthy[0], 1)
	near("healthy loss", healthy[1], 0.1)
	near("healthy ratio", healthy[6], 0.9)
	near("healthy deficit", healthy[7], 0)
	near("healthy hs fail", healthy[9], 0.5)
	near("flappy up", flappy[0], 0.5)
	near("flappy ratio", flappy[6], 0.5)
	near("flappy deficit", flappy[7], 0.5)
	near("flappy transitions", flappy[8], math.Log1p(float64(FeatureWindow/StepPeriod)))
	near("healthy rtt ratio", healthy[3], math.Log(1.0/3))
	near("flappy routes via", flappy[11], 2.0/4)
	near("age", flappy[10], 1)
	near("flappy dests", flappy[12], math.Log1p(4))
	near("flappy failing dests", flappy[13], 0.75)
	near("healthy dests", healthy[12], 0)
	near("healthy failing dests", healthy[13], 0)
}

func TestHistoryErrorsAndBounds(t *testing.T) {
	h := NewHistory()
	if h.Span() != 0 || !h.Now().IsZero() || len(h.Links()) != 0 || h.Self() != (SelfView{}) {
		t.Fatal("empty history is not empty")
	}
	bad := mapek.Snapshot{Node: mapek.NodeSample{CPU: 2}}
	if err := h.Add(t0, &bad); !errors.Is(err, mapek.ErrInvalidSnapshot) {
		t.Fatalf("invalid snapshot: %v", err)
	}
	s := snap(1)
	if err := h.Add(t0, &s); err != nil {
		t.Fatal(err)
	}
	if err := h.Add(t0.Add(-time.Second), &s); !errors.Is(err, ErrInvalidSpec) {
		t.Fatalf("going back: %v", err)
	}
	// Snapshots closer than MinSampleGap replace the newest one.
	for k := 1; k <= 5; k++ {
		if err := h.Add(t0.Add(time.Duration(k)*MinSampleGap/10), &s); err != nil {
			t.Fatal(err)
		}
	}
	if len(h.node) != 1 || len(h.links[nid(1)].pts) != 1 {
		t.Fatalf("%d node points, want 1", len(h.node))
	}
	// Many neighbours: only MaxTrackedNeighbours are followed; gone ones are forgotten.
	var big mapek.Snapshot
	for i := range MaxTrackedNeighbours + 10 {
		var id identity.NodeID
		id[0], id[1], id[2] = 1, byte(i>>8), byte(i)
		big.Neighbours = append(big.Neighbours, mapek.NeighbourSample{ID: id, Up: true})
	}
	if err := h.Add(t0.Add(time.Second), &big); err != nil {
		t.Fatal(err)
	}
	if n := len(h.Neighbours()); n != MaxTrackedNeighbours {
		t.Fatalf("%d tracked, want %d", n, MaxTrackedNeighbours)
	}
	empty := mapek.Snapshot{}
	for k := 0; k < 3*MaxSamples; k++ {
		if err := h.Add(t0.Add(2*time.Second+time.Duration(k)*MinSampleGap), &empty); err != nil {
			t.Fatal(err)
		}
	}
	if len(h.links) != 0 || len(h.node) > MaxSamples {
		t.Fatalf("%d series and %d node points kept", len(h.links), len(h.node))
	}
	if delta(10, 3) != 3 || delta(3, 10) != 7 {
		t.Fatal("delta")
	}
}

func TestNodeFeatures(t *testing.T) {
	self := SelfView{1, 2, 3}
	a, b := LinkView{1, 0.5}, LinkView{3, 0.1}
	tests := []struct {
		name          string
		self          *SelfView
		in, out       []LinkView
		flags         [3]float64
		inMean, inMax float64
	}{
		{"all unknown", nil, nil, nil, [3]float64{0, 0, 0}, 0, 0},
		{"mesh", &self, []LinkView{a, b}, []LinkView{}, [3]float64{1, 1, 1}, 2, 3},
		{"leaf", nil, []LinkView{a}, nil, [3]float64{0, 1, 0}, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := NodeFeatures(tc.self, tc.in, tc.out)
			if got := [3]float64{f[0], f[offInbound], f[offOutbound]}; got != tc.flags {
				t.Fatalf("flags %v, want %v", got, tc.flags)
			}
			if f[offInbound+2] != tc.inMean || f[offInbound+2+NumLinkFeatures] != tc.inMax {
				t.Fatalf("inbound mean %v max %v", f[offInbound+2], f[offInbound+2+NumLinkFeatures])
			}
			if tc.self != nil && f[offSelf+2] != 3 {
				t.Fatal("self not copied")
			}
			for _, v := range f {
				if math.IsInf(v, 0) || math.IsNaN(v) {
					t.Fatal("non-finite feature")
				}
			}
		})
	}
	x := LocalGraph(&self, nil)
	if len(x) != 1 || x[0][offOutbound] != 1 || x[0][offOutbound+1] != 0 {
		t.Fatal("a local graph without neighbours")
	}
	x = LocalGraph(&self, []LinkView{a, b})
	if len(x) != 3 || x[2][0] != 0 || x[2][offInbound+2] != 3 || x[0][offInbound] != 0 {
		t.Fatal("local graph layout")
	}
}
