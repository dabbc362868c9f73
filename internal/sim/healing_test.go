package sim

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

// TestHealingCrash checks that the crashed node's neighbours open dead-link
// incidents about it, that the agents' histories survive a restart, and
// that the log records them.
func TestHealingCrash(t *testing.T) {
	o := opts(Grid, 9, 3)
	o.Healing = true
	var log bytes.Buffer
	s, err := New(o, &log)
	if err != nil {
		t.Fatal(err)
	}
	converge(t, s)
	s.RunFor(2 * time.Second)
	if n := len(s.Incidents()); n != 0 {
		t.Fatalf("%d incidents before any fault: %+v", n, s.Incidents())
	}
	const victim = 4 // the centre of the 3x3 grid
	if err := s.Crash(victim); err != nil {
		t.Fatal(err)
	}
	crashed := s.Now()
	s.RunFor(3 * time.Second)
	dead := map[int]bool{}
	for _, ni := range s.Incidents() {
		if ni.Incident.Kind == mapek.SymptomDeadLink && ni.Incident.Subject == s.ID(victim) {
			dead[ni.Node] = true
			if at := ni.Incident.AnalyzedAt.Sub(s.start); at < crashed {
				t.Errorf("node %d analysed the crash at %v, before it happened at %v", ni.Node, at, crashed)
			}
		}
	}
	for _, ni := range s.Incidents() {
		in := ni.Incident
		t.Logf("node %d: %s subject %s detected %v analysed %v", ni.Node, in.Kind, s.name(in.Subject), in.DetectedAt.Sub(s.start)-crashed, in.AnalyzedAt.Sub(s.start)-crashed)
	}
	deadActions := 0
	for _, na := range s.Actions() {
		t.Logf("node %d: action %s subject %s at %v outcome %s %s evidence %v", na.Node, na.Action.Kind, s.name(na.Action.Subject), na.Action.At.Sub(s.start)-crashed, na.Action.Outcome, na.Action.Err, na.Evidence)
		if na.Action.Symptom == mapek.SymptomDeadLink {
			deadActions++
			if na.Evidence["down_s"] <= 0 {
				t.Errorf("node %d: dead-link action without its symptom's evidence: %v", na.Node, na.Evidence)
			}
		}
	}
	if deadActions == 0 {
		t.Error("no action answered the dead links")
	}
	for _, j := range s.Neighbours(victim) {
		if !dead[j] {
			t.Errorf("neighbour %d opened no dead-link incident about %d: %+v", j, victim, s.Incidents())
		}
	}
	// A crashed and restarted neighbour keeps its past agent's history.
	j := s.Neighbours(victim)[0]
	before := len(s.Incidents())
	if err := s.Crash(j); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(j); err != nil {
		t.Fatal(err)
	}
	if got := len(s.Incidents()); got < before {
		t.Fatalf("incidents %d after restart, %d before", got, before)
	}
	if !strings.Contains(log.String(), "incident #1 dead-link subject=4 open") {
		t.Errorf("log lacks the dead-link incident:\n%s", tail(log.String(), 40))
	}
	if acts := s.Actions(); len(acts) > 0 {
		if !strings.Contains(log.String(), " action #") {
			t.Error("actions taken but none logged")
		}
	}
}

// TestHealingDeterminism checks that the event log with healing on, faults
// and agents' actions included, is the same for the same seed.
func TestHealingDeterminism(t *testing.T) {
	run := func() (string, []NodeIncident, []NodeAction) {
		o := opts(Grid, 9, 5)
		o.Healing = true
		s := newSim(t, o)
		converge(t, s)
		s.RunFor(time.Second)
		_ = s.Crash(4)
		_ = s.Flap(0, 1, 400*time.Millisecond)
		_ = s.HandshakeFlood(8, 300)
		s.RunFor(4 * time.Second)
		_ = s.Flap(0, 1, 0)
		_ = s.HandshakeFlood(8, 0)
		s.RunFor(time.Second)
		return s.LogSHA256(), s.Incidents(), s.Actions()
	}
	h1, i1, a1 := run()
	h2, i2, a2 := run()
	if h1 != h2 {
		t.Fatalf("log hashes differ: %s vs %s", h1, h2)
	}
	if len(i1) == 0 {
		t.Fatal("no incident: the faults were not seen")
	}
	eqInc := func(a, b NodeIncident) bool { return a == b }
	eqAct := func(a, b NodeAction) bool {
		return a.Node == b.Node && a.Action == b.Action && maps.Equal(a.Evidence, b.Evidence)
	}
	if !slices.EqualFunc(i1, i2, eqInc) || !slices.EqualFunc(a1, a2, eqAct) {
		t.Fatal("incidents or actions differ between runs")
	}
}

// TestHealingOff checks that without Options.Healing there is no agent.
func TestHealingOff(t *testing.T) {
	s := newSim(t, opts(Ring, 4, 1))
	s.RunFor(time.Second)
	_ = s.Crash(1)
	s.RunFor(2 * time.Second)
	if len(s.Incidents()) != 0 || len(s.Actions()) != 0 {
		t.Fatal("incidents or actions without healing")
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
