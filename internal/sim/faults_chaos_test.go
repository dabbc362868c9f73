package sim

import (
	"errors"
	"testing"
	"time"
)

// TestGrayhole checks that a grayhole relay drops about its fraction of the
// transit packets and none of its own, and that ending it restores
// delivery.
func TestGrayhole(t *testing.T) {
	s := newSim(t, opts(Line, 3, 1))
	converge(t, s)
	delivered := map[[2]int]int{}
	s.OnDeliver(func(d Delivery) {
		if d.At < d.Sent {
			t.Errorf("delivery %+v before its send", d)
		}
		delivered[[2]int{d.Src, d.Dst}]++
	})
	send := func(n int) {
		for range n {
			if _, err := s.Probe(0, 2, MinDatagramSize); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Probe(1, 2, MinDatagramSize); err != nil {
				t.Fatal(err)
			}
			s.RunFor(10 * time.Millisecond)
		}
		s.RunFor(time.Second)
	}
	send(50) // sessions up
	clear(delivered)
	if err := s.Grayhole(1, 0.5); err != nil {
		t.Fatal(err)
	}
	send(400)
	transit, own := delivered[[2]int{0, 2}], delivered[[2]int{1, 2}]
	if transit < 120 || transit > 280 || own != 400 {
		t.Fatalf("grayhole 0.5 at the relay: %d of 400 transit and %d of 400 own datagrams delivered", transit, own)
	}
	if r := s.Report(); r.Messages.Grayholed == 0 {
		t.Fatal("no grayholed payload counted")
	}
	if err := s.Grayhole(1, 0); err != nil {
		t.Fatal(err)
	}
	clear(delivered)
	send(100)
	if got := delivered[[2]int{0, 2}]; got != 100 {
		t.Fatalf("%d of 100 delivered after the grayhole ended", got)
	}
	for _, bad := range []float64{-0.1, 1.5} {
		if err := s.Grayhole(1, bad); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("Grayhole(%v): %v", bad, err)
		}
	}
	if err := s.Grayhole(7, 0.5); !errors.Is(err, ErrNoNode) {
		t.Errorf("Grayhole on a missing node: %v", err)
	}
}

// TestFlap checks that Flap cuts and heals the link on its period, and
// that stopping it leaves the link up.
func TestFlap(t *testing.T) {
	s := newSim(t, opts(Ring, 4, 2))
	converge(t, s)
	if err := s.Flap(0, 1, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if !s.IsCut(0, 1) {
		t.Fatal("link not cut at the start of the flapping")
	}
	s.RunFor(100 * time.Millisecond)
	if s.IsCut(0, 1) {
		t.Fatal("link not healed half a period later")
	}
	s.RunFor(100 * time.Millisecond)
	if !s.IsCut(0, 1) {
		t.Fatal("link not cut a period later")
	}
	if err := s.Flap(1, 0, 400*time.Millisecond); err != nil { // replaces the first
		t.Fatal(err)
	}
	if err := s.Flap(0, 1, 0); err != nil {
		t.Fatal(err)
	}
	if s.IsCut(0, 1) {
		t.Fatal("link cut after the flapping stopped")
	}
	s.RunFor(time.Second)
	if s.IsCut(0, 1) || !s.RoutesComplete() {
		t.Fatal("link cut or routes incomplete after the flapping stopped")
	}
	if err := s.Flap(0, 1, time.Microsecond); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("too short a period: %v", err)
	}
	if err := s.Flap(0, 2, time.Second); !errors.Is(err, ErrNoLink) {
		t.Errorf("flap without a link: %v", err)
	}
	if s.IsCut(0, 2) {
		t.Error("IsCut true without a link")
	}
}

// TestHandshakeFlood checks that the flood reaches its target's handshake
// machine at its rate, through a neighbour, and stops.
func TestHandshakeFlood(t *testing.T) {
	s := newSim(t, opts(Line, 3, 3))
	converge(t, s)
	before := s.Core(2).HandshakeStats()
	if err := s.HandshakeFlood(2, 200); err != nil {
		t.Fatal(err)
	}
	if err := s.HandshakeFlood(2, 100); err != nil { // replaces the first
		t.Fatal(err)
	}
	s.RunFor(time.Second)
	mid := s.Core(2).HandshakeStats()
	if got := mid.CookieRepliesSent - before.CookieRepliesSent; got < 95 || got > 105 {
		t.Fatalf("%d Retries for a second of a 100/s flood", got)
	}
	if err := s.HandshakeFlood(2, 0); err != nil {
		t.Fatal(err)
	}
	s.RunFor(time.Second)
	if after := s.Core(2).HandshakeStats(); after.CookieRepliesSent != mid.CookieRepliesSent {
		t.Fatalf("flood went on after it stopped: %d Retries", after.CookieRepliesSent-mid.CookieRepliesSent)
	}
	// A flood on a node without a running neighbour, or that is down, sends nothing.
	if err := s.HandshakeFlood(0, 50); err != nil {
		t.Fatal(err)
	}
	_ = s.Cut(0, 1)
	s.RunFor(100 * time.Millisecond)
	_ = s.Crash(0)
	s.RunFor(100 * time.Millisecond)
	for _, tc := range []struct {
		node, rate int
		want       error
	}{{2, -1, ErrInvalidOptions}, {2, MaxFloodRate + 1, ErrInvalidOptions}, {9, 10, ErrNoNode}} {
		if err := s.HandshakeFlood(tc.node, tc.rate); !errors.Is(err, tc.want) {
			t.Errorf("HandshakeFlood(%d, %d): %v, want %v", tc.node, tc.rate, err, tc.want)
		}
	}
}

// TestInspect checks the accessors the chaos scenarios use.
func TestInspect(t *testing.T) {
	s := newSim(t, opts(Grid, 9, 4))
	converge(t, s)
	for i := range s.Nodes() {
		if j, ok := s.Index(s.ID(i)); !ok || j != i {
			t.Fatalf("Index(ID(%d)) = %d, %v", i, j, ok)
		}
	}
	if !s.ID(-1).IsZero() || !s.ID(9).IsZero() {
		t.Fatal("ID of a missing node is not zero")
	}
	if _, ok := s.Index(s.ID(-1)); ok {
		t.Fatal("Index of the zero ID")
	}
	if c := s.Components(); countComponents(c) != 1 {
		t.Fatalf("components %v", c)
	}
	if n := s.Loops(); n != 0 {
		t.Fatalf("%d loops in a converged grid", n)
	}
	// 0 1 2 / 3 4 5 / 6 7 8: cut off the corner 0, crash 8.
	_ = s.Cut(0, 1)
	_ = s.Cut(0, 3)
	_ = s.Crash(8)
	c := s.Components()
	if countComponents(c) != 2 || c[8] != -1 || c[0] == c[1] || c[1] != c[7] {
		t.Fatalf("components %v after cutting off 0 and crashing 8", c)
	}
	if &s.Components()[0] != &c[0] {
		t.Fatal("Components recomputed without a change")
	}
	s.RunFor(2 * time.Second)
	if n := s.Loops(); n != 0 {
		t.Fatalf("%d loops after the faults", n)
	}
	if _, err := s.Probe(0, 0, MinDatagramSize); !errors.Is(err, ErrNodeState) {
		t.Fatalf("probe to itself: %v", err)
	}
	if s.LogLines() == 0 {
		t.Fatal("empty log")
	}
}

func countComponents(c []int) int {
	m := -1
	for _, x := range c {
		m = max(m, x)
	}
	return m + 1
}
