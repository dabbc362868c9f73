package mapek

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestNotApplicableNoCooldown: a rung that is not applicable (no spare
// peer, a single transport) takes neither the cooldown nor the budget, and
// the next rung follows in the same Step; a failed rung is not retried.
func TestNotApplicableNoCooldown(t *testing.T) {
	for _, tc := range []struct {
		name  string
		na    []string
		fail  []string
		calls []string // at the Step the links are declared dead
		next  string   // the next action on the first link, once cooldown and budget allow
	}{
		{"spares and switch not applicable", []string{"spares", "switch"}, nil, []string{"connect-spares", "switch-transport", "restart"}, ""},
		{"spares not applicable", []string{"spares"}, nil, []string{"connect-spares", "switch-transport"}, "restart"},
		{"spares refused", nil, []string{"spares"}, []string{"connect-spares"}, "switch-transport"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, rec := newLoop(t, Config{}, nil)
			for _, m := range tc.na {
				rec.na[m] = true
			}
			for _, m := range tc.fail {
				rec.fail[m] = true
			}
			// Five dead links at once: the budget (4) covers four incidents
			// only if not-applicable rungs do not count.
			ids := []int{1, 2, 3, 4, 5}
			snap := func(up bool) Snapshot {
				var s Snapshot
				for _, i := range ids {
					x := healthy(nid(i))
					x.Up = up
					s.Neighbours = append(s.Neighbours, x)
				}
				return s
			}
			step := 100 * time.Millisecond
			now := t0
			for i := 0; i < 10; i++ {
				l.Step(now, snap(true))
				now = now.Add(step)
			}
			var first []StepResult
			for i := 0; i < 3; i++ {
				first = append(first, l.Step(now, snap(false)))
				now = now.Add(step)
			}
			var got []string
			for _, a := range first[len(first)-1].Actions {
				if a.Incident == first[len(first)-1].Actions[0].Incident {
					got = append(got, a.Kind.String())
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.calls) {
				t.Errorf("first incident's actions %v, want %v", got, tc.calls)
			}
			perIncident := len(tc.calls)
			wantApplied := min(len(ids), BudgetActions)
			applied, failed := 0, 0
			for _, r := range first {
				for _, a := range r.Actions {
					if a.Outcome == OutcomeFailed {
						failed++
						if a.Err == "" {
							t.Errorf("failed action %v without an error", a.Kind)
						}
					} else {
						applied++
					}
				}
			}
			if len(tc.na) > 0 {
				if applied != wantApplied || failed != wantApplied*(perIncident-1) {
					t.Fatalf("applied %d failed %d, want %d and %d", applied, failed, wantApplied, wantApplied*(perIncident-1))
				}
			} else if applied+failed != BudgetActions {
				t.Fatalf("%d actions, want the budget %d", applied+failed, BudgetActions)
			}
			// Nothing more within the cooldown; then the next rung, once.
			var later []string
			for now.Before(t0.Add(BudgetWindow + 5*time.Second)) {
				r := l.Step(now, snap(false))
				for _, a := range r.Actions {
					if a.Subject == nid(1) && a.Outcome != OutcomePersisted {
						later = append(later, a.Kind.String())
					}
				}
				now = now.Add(step)
			}
			tried := map[string]int{}
			for _, c := range rec.calls {
				if c.peer == nid(1) || c.method == "spares" {
					tried[c.method]++
				}
			}
			if tc.next == "" && len(later) != 0 || tc.next != "" && (len(later) != 1 || later[0] != tc.next) {
				t.Errorf("after the cooldown: %v, want %q", later, tc.next)
			}
			if n := tried["switch"]; n > 1 {
				t.Errorf("switch-transport tried %d times on one peer, want at most once", n)
			}
		})
	}
}

// TestNotApplicableErrors: which errors say "not applicable".
func TestNotApplicableErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{ErrNotApplicable, true},
		{fmt.Errorf("heal: %w", errors.ErrUnsupported), true},
		{fmt.Errorf("node: no spare peer: %w", ErrNotApplicable), true},
		{errRefused, false},
		{errors.New("unsupported"), false},
	} {
		if got := notApplicable(tc.err); got != tc.want {
			t.Errorf("notApplicable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// flapGen flaps neighbour fa (down 300 ms of every second) for steps
// [from, to) at 100 ms, then keeps it up (or down when downAfter).
func flapGen(from, to int, downAfter bool) gen {
	return func(i int) Snapshot {
		x := healthy(fa)
		if i >= from && i < to {
			x.Up = (i-from)%10 >= 3
		}
		if i >= to && downAfter {
			x.Up = false
		}
		return Snapshot{Neighbours: []NeighbourSample{x, healthy(fb)}}
	}
}

// TestFlapStable: a flapping link up with no transition for StableFor is
// no longer flapping (long before the window forgets the transitions), no
// action follows for the ended flapping, and a single transition after the
// pause starts a new episode that needs FlapTransitions again.
func TestFlapStable(t *testing.T) {
	l, _ := newLoop(t, Config{}, nil)
	step := 100 * time.Millisecond
	const warm, flapEnd = 50, 150 // flapping from 5 s to 15 s
	g := flapGen(warm, flapEnd, false)
	lastFlap, lastAction := time.Duration(-1), time.Duration(-1)
	for i := 0; i < 900; i++ {
		x := g(i)
		if i >= 500 && i < 503 { // one short outage at 50 s: 2 transitions
			x.Neighbours[0].Up = false
		}
		r := l.Step(t0.Add(time.Duration(i)*step), x)
		for _, s := range r.Symptoms {
			if s.Kind == SymptomFlappingLink {
				lastFlap = time.Duration(i) * step
			}
		}
		for _, a := range r.Actions {
			if a.Symptom == SymptomFlappingLink && a.Outcome == OutcomePending {
				lastAction = time.Duration(i) * step
			}
		}
	}
	// The last transition is at 14.3 s (up again); flapping ends StableFor
	// later.
	lastTransition := time.Duration(flapEnd-7) * step
	if lastFlap < lastTransition || lastFlap >= lastTransition+StableFor {
		t.Errorf("flapping-link last raised at %v, want in [%v, %v)", lastFlap, lastTransition, lastTransition+StableFor)
	}
	if lastAction > lastFlap {
		t.Errorf("flapping action at %v after the symptom ended at %v", lastAction, lastFlap)
	}
}

// TestFlapThenDead: a link that stops flapping by going down for good is
// declared dead StableFor after its last transition at the latest, not
// when the window forgets the flapping.
func TestFlapThenDead(t *testing.T) {
	l, _ := newLoop(t, Config{}, nil)
	step := 100 * time.Millisecond
	g := flapGen(50, 150, true)
	var dead time.Duration
	for i := 0; i < 400 && dead == 0; i++ {
		r := l.Step(t0.Add(time.Duration(i)*step), g(i))
		for _, s := range r.Symptoms {
			if s.Kind == SymptomDeadLink && i >= 150 {
				dead = time.Duration(i) * step
			}
		}
	}
	if dead == 0 || dead > 15*time.Second+StableFor {
		t.Errorf("dead-link at %v, want by %v", dead, 15*time.Second+StableFor)
	}
}

// TestRelayRecovered: a relay that dropped half of the messages and then
// delivers again is no longer misbehaving once the last StableFor shows
// it, although the window still holds the losses.
func TestRelayRecovered(t *testing.T) {
	l, _ := newLoop(t, Config{}, nil)
	step := 100 * time.Millisecond
	var relayed, confirmed uint64
	raised, cleared := time.Duration(0), time.Duration(0)
	for i := 0; i < 900; i++ {
		x := healthy(fa)
		relayed++
		if i < 50 || i >= 350 || i%2 == 0 { // grayhole from 5 s to 35 s
			confirmed++
		}
		x.Relayed, x.Confirmed = relayed, confirmed
		r := l.Step(t0.Add(time.Duration(i)*step), Snapshot{Neighbours: []NeighbourSample{x, healthy(fb)}})
		found := false
		for _, s := range r.Symptoms {
			found = found || s.Kind == SymptomMisbehavingRelay
		}
		at := time.Duration(i) * step
		if found {
			if raised == 0 {
				raised = at
			}
			cleared = at + step // the last Step that still raised it, plus one
		}
	}
	if raised == 0 {
		t.Fatal("misbehaving-relay never raised")
	}
	// By the window alone it would last until the 150 losses are less
	// than GrayholeMargin of the relayed messages, at about 55 s.
	if cleared == 0 || cleared > 35*time.Second+StableFor+time.Second {
		t.Errorf("misbehaving-relay cleared at %v, want by %v", cleared, 35*time.Second+StableFor+time.Second)
	}
}
