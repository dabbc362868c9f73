package sim

import (
	"fmt"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

func TestStartTime(t *testing.T) {
	if got := StartTime().Format(time.RFC3339); got != Start {
		t.Fatalf("StartTime %s, want %s", got, Start)
	}
}

func TestCertificatesAndCA(t *testing.T) {
	s := newSim(t, opts(Ring, 4, 1))
	v, err := identity.NewVerifier(s.CA())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		c := s.Certificate(i)
		if c == nil || c.Subject != s.ID(i) || c.Name != fmt.Sprintf("node%d", i) {
			t.Fatalf("Certificate(%d): %v", i, c)
		}
		if _, err := v.Verify(c.Raw(), StartTime()); err != nil {
			t.Fatalf("node %d's certificate does not verify under CA: %v", i, err)
		}
	}
	for _, i := range []int{-1, 4} {
		if s.Certificate(i) != nil || s.GrayholeFraction(i) != 0 {
			t.Fatalf("index %d outside the network gave a certificate or a grayhole", i)
		}
		if h := s.History(i); h.Incidents != nil || h.PastIncidents != nil {
			t.Fatalf("History(%d): %+v", i, h)
		}
	}
}

func TestGrayholeFraction(t *testing.T) {
	s := newSim(t, opts(Ring, 4, 1))
	if err := s.Grayhole(2, 0.25); err != nil {
		t.Fatal(err)
	}
	if got := s.GrayholeFraction(2); got != 0.25 {
		t.Fatalf("GrayholeFraction %v, want 0.25", got)
	}
	if got := s.GrayholeFraction(1); got != 0 {
		t.Fatalf("GrayholeFraction of a healthy node %v", got)
	}
}

// TestHistory: a crash of a neighbour opens a dead-link incident in the
// running agent; when the node itself crashes the incident moves to the
// past runs, still open, and the restarted agent starts empty.
func TestHistory(t *testing.T) {
	o := opts(Ring, 4, 1)
	o.Healing = true
	s := newSim(t, o)
	converge(t, s)
	if h := s.History(0); len(h.Incidents) != 0 || len(h.PastIncidents) != 0 {
		t.Fatalf("incidents before any fault: %+v", h)
	}
	if err := s.Crash(1); err != nil {
		t.Fatal(err)
	}
	s.RunFor(2 * time.Second)
	h := s.History(0)
	if !hasDeadLink(h.Incidents, s.ID(1)) || len(h.Actions) == 0 || len(h.PastIncidents) != 0 {
		t.Fatalf("after the crash of node 1: %+v", h)
	}
	h.Incidents[0].Kind = mapek.SymptomKind(0) // a copy: the agent's record is unchanged
	if err := s.Crash(0); err != nil {
		t.Fatal(err)
	}
	h = s.History(0)
	if len(h.Incidents) != 0 || len(h.Actions) != 0 || !hasDeadLink(h.PastIncidents, s.ID(1)) || len(h.PastActions) == 0 {
		t.Fatalf("after the crash of node 0: %+v", h)
	}
	if err := s.Restart(0); err != nil {
		t.Fatal(err)
	}
	s.RunFor(100 * time.Millisecond)
	if h := s.History(0); !hasDeadLink(h.PastIncidents, s.ID(1)) {
		t.Fatalf("after the restart of node 0: %+v", h)
	}
}

// hasDeadLink reports whether incs hold an open dead-link about id.
func hasDeadLink(incs []mapek.Incident, id identity.NodeID) bool {
	for _, inc := range incs {
		if inc.Kind == mapek.SymptomDeadLink && inc.Subject == id && inc.Open() {
			return true
		}
	}
	return false
}
