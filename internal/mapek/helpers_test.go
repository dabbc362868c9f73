package mapek

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// nid returns a distinct non-zero NodeID.
func nid(i int) identity.NodeID {
	var id identity.NodeID
	id[0], id[1] = byte(i>>8), byte(i)
	id[31] = 1
	return id
}

// call is one Actuator call.
type call struct {
	method string
	peer   identity.NodeID
	arg    string
}

// recorder is an Actuator that records calls and fails those named in fail
// (a plain error) or in na (not applicable: wrapping errors.ErrUnsupported,
// as the node's actuator does for a single transport or no spare peer).
type recorder struct {
	calls []call
	fail  map[string]bool
	na    map[string]bool
	undos []Action
}

var errRefused = errors.New("actuator refused")

func (r *recorder) do(method string, peer identity.NodeID, arg any) error {
	r.calls = append(r.calls, call{method, peer, fmt.Sprint(arg)})
	if r.fail[method] {
		return errRefused
	}
	if r.na[method] {
		return fmt.Errorf("%s: %w", method, errors.ErrUnsupported)
	}
	return nil
}

func (r *recorder) RaiseLinkCost(p identity.NodeID, f float64) error { return r.do("raise", p, f) }
func (r *recorder) Quarantine(p identity.NodeID) error               { return r.do("quarantine", p, nil) }
func (r *recorder) ConnectSpares(n int) error                        { return r.do("spares", LocalNode(), n) }
func (r *recorder) SwitchTransport(p identity.NodeID) error          { return r.do("switch", p, nil) }
func (r *recorder) Rekey(p identity.NodeID) error                    { return r.do("rekey", p, nil) }
func (r *recorder) RateLimitHandshakes(n int) error                  { return r.do("ratelimit", LocalNode(), n) }
func (r *recorder) Restart(s Subsystem, p identity.NodeID) error     { return r.do("restart", p, s) }
func (r *recorder) Undo(a Action) error {
	r.undos = append(r.undos, a)
	return r.do("undo", a.Subject, a.Kind)
}

func newLoop(t testing.TB, cfg Config, sc Scorer) (*Loop, *recorder) {
	t.Helper()
	rec := &recorder{fail: map[string]bool{}, na: map[string]bool{}}
	l, err := New(cfg, rec, sc)
	if err != nil {
		t.Fatal(err)
	}
	return l, rec
}

// healthy returns the sample of a good link.
func healthy(id identity.NodeID) NeighbourSample {
	return NeighbourSample{ID: id, Up: true, SRTT: 10 * time.Millisecond, RTTVar: time.Millisecond, Cost: 100}
}

// gen produces the Snapshot of step i.
type gen func(i int) Snapshot

// run steps l through n snapshots one second apart from start and returns
// every result.
func run(l *Loop, start time.Time, n int, g gen) []StepResult {
	out := make([]StepResult, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, l.Step(start.Add(time.Duration(i)*time.Second), g(i)))
	}
	return out
}

func hasSymptom(r StepResult, k SymptomKind, subject identity.NodeID) *Symptom {
	for i := range r.Symptoms {
		if r.Symptoms[i].Kind == k && r.Symptoms[i].Subject == subject {
			return &r.Symptoms[i]
		}
	}
	return nil
}

func countEvent(rs []StepResult, event string) int {
	n := 0
	for _, r := range rs {
		for _, a := range r.Audit {
			if a.Event == event {
				n++
			}
		}
	}
	return n
}

func applied(rs []StepResult) []Action {
	var out []Action
	for _, r := range rs {
		for _, a := range r.Actions {
			if a.VerifiedAt.IsZero() || a.Outcome == OutcomeFailed {
				out = append(out, a)
			}
		}
	}
	return out
}
