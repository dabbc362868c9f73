package round

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// TestFedAvgRounds runs three full rounds: client i's delta is i+1 in
// every coordinate, so each round moves the model by the mean, 2.5.
func TestFedAvgRounds(t *testing.T) {
	h := newHarness(t, testConfig(), 1, 4)
	h.tick(0)
	for r := 1; r <= 3; r++ {
		h.deliver(nil)
		if len(h.jobs) != 4 {
			t.Fatalf("round %d: %d training requests, want 4", r, len(h.jobs))
		}
		h.train(nil, step)
		h.deliver(nil)
		m := h.lastModel()
		want := 2.5 * float64(r)
		if m.Round != uint64(r) || m.Parent != uint64(r-1) || m.Strategy != "fedavg" || len(m.Participants) != 4 {
			t.Fatalf("round %d: model %+v", r, m)
		}
		for _, x := range m.Params {
			if x != want {
				t.Fatalf("round %d: params %v, want all %v", r, m.Params, want)
			}
		}
	}
	fin := find[Finished](h)
	if len(fin) != 1 || fin[0].Completed != 3 || fin[0].Err != nil {
		t.Fatalf("finished: %+v", fin)
	}
	c := h.coords[coordID(0)]
	if !c.Finished() || c.Completed() != 3 || c.Model().Round != 3 || !c.Active() || c.Epoch() != 0 {
		t.Fatalf("coordinator state: finished %v completed %d", c.Finished(), c.Completed())
	}
	if _, ok := c.Deadline(); ok {
		t.Fatal("a finished coordinator still has a deadline")
	}
	if out := c.Tick(h.now.Add(time.Hour)); out != nil {
		t.Fatalf("finished coordinator ticked: %v", out)
	}
}

// TestStragglerRefusedAfterDeadline closes a round at its deadline with
// three of four updates; the fourth arrives late and is refused with a
// reason the client sees.
func TestStragglerRefusedAfterDeadline(t *testing.T) {
	h := newHarness(t, testConfig(), 1, 4)
	h.tick(0)
	h.deliver(nil)
	slow := clientID(3)
	h.train(func(n NodeID) bool { return n != slow }, step)
	h.deliver(nil)
	if len(find[ModelReady](h)) != 0 {
		t.Fatal("round closed before the deadline with a client missing")
	}
	if d, ok := h.coords[coordID(0)].Deadline(); !ok || !d.Equal(h.now.Add(10*time.Second)) {
		t.Fatalf("deadline %v %v, want now+10s", d, ok)
	}
	h.tick(10 * time.Second)
	m := h.lastModel()
	if m.Params[0] != 2 || len(m.Participants) != 3 { // mean of 1, 2, 3
		t.Fatalf("model after deadline: %+v", m)
	}
	closed := find[RoundClosed](h)
	if len(closed) != 1 || !slices.Equal(closed[0].Missing, []NodeID{slow}) {
		t.Fatalf("closed: %+v", closed)
	}
	// The straggler finishes round 1 while round 2 is open.
	h.jobs = slices.DeleteFunc(h.jobs, func(j trainJob) bool { return j.req.Round != 1 })
	h.train(nil, step)
	h.deliver(func(e envelope) bool { return e.data[1] == byte(typeRoundStart) })
	var refused, late bool
	for _, e := range h.events {
		switch o := e.out.(type) {
		case MessageRefused:
			refused = refused || (e.node == coordID(0) && errors.Is(o.Err, ErrLate))
		case Refused:
			late = late || (e.node == slow && errors.Is(o.Err, ErrLate) && o.Round == 1)
		}
	}
	if !refused || !late {
		t.Fatalf("late update: coordinator refused %v, client told %v; events %v", refused, late, h.events)
	}
}

// TestAbortRetriesWithNewSelection aborts rounds with too few updates and
// gives up after MaxAborts.
func TestAbortRetriesWithNewSelection(t *testing.T) {
	cfg := testConfig()
	cfg.MinClients, cfg.MaxAborts = 3, 2
	h := newHarness(t, cfg, 1, 4)
	h.tick(0)
	h.deliver(nil)
	h.train(func(n NodeID) bool { return n[2] < 2 }, step) // two of four reply
	h.deliver(nil)
	h.tick(10 * time.Second)
	ab := find[RoundAborted](h)
	if len(ab) != 1 || ab[0].Round != 1 || ab[0].Replied != 2 || !errors.Is(ab[0].Err, ErrTooFewReplies) {
		t.Fatalf("aborted: %+v", ab)
	}
	starts := find[RoundStarted](h)
	if len(starts) != 2 || starts[1].Round != 2 {
		t.Fatalf("no retry: %+v", starts)
	}
	h.jobs = nil
	h.deliver(nil)
	h.jobs = nil
	h.tick(10 * time.Second)
	fin := find[Finished](h)
	if len(fin) != 1 || !errors.Is(fin[0].Err, ErrStalled) || fin[0].Completed != 0 {
		t.Fatalf("finished: %+v", fin)
	}
}

// TestUnresponsiveClientExcluded excludes a client that misses MaxMisses
// rounds in a row and never selects it again.
func TestUnresponsiveClientExcluded(t *testing.T) {
	cfg := testConfig()
	cfg.Rounds, cfg.MaxMisses = 4, 2
	h := newHarness(t, cfg, 1, 3)
	silent := clientID(0)
	h.tick(0)
	for range 4 {
		h.deliver(nil)
		h.train(func(n NodeID) bool { return n != silent }, step)
		h.jobs = nil
		h.deliver(nil)
		h.tick(10 * time.Second)
	}
	ex := find[ClientExcluded](h)
	if len(ex) != 1 || ex[0].Client != silent || !errors.Is(ex[0].Err, ErrUnresponsive) {
		t.Fatalf("excluded: %+v", ex)
	}
	starts := find[RoundStarted](h)
	if !slices.Contains(starts[1].Selected, silent) {
		t.Fatalf("client excluded too early: %+v", starts[1])
	}
	for _, s := range starts[2:] {
		if slices.Contains(s.Selected, silent) {
			t.Fatalf("excluded client selected in round %d", s.Round)
		}
	}
}

// TestInvalidUpdatesRefused sends a wrong-length update, a duplicate, one
// from a client not selected, one for a future round and one with a bad
// sample count.
func TestInvalidUpdatesRefused(t *testing.T) {
	cfg := testConfig()
	cfg.SampleRate = 0.01 // select MinClients = 2 of 4
	h := newHarness(t, cfg, 1, 4)
	h.tick(0)
	sel := find[RoundStarted](h)[0].Selected
	var out []NodeID
	for n := range h.clients {
		if !slices.Contains(sel, n) {
			out = append(out, n)
		}
	}
	c := h.coords[coordID(0)]
	cases := []struct {
		from NodeID
		u    *Update
		want error
	}{
		{out[0], &Update{Round: 1, NumSamples: 1, Delta: []float64{1, 1, 1, 1}}, ErrNotSelected},
		{sel[0], &Update{Round: 2, NumSamples: 1, Delta: []float64{1, 1, 1, 1}}, ErrStale},
		{sel[0], &Update{Epoch: 3, Round: 1, NumSamples: 1, Delta: []float64{1, 1, 1, 1}}, ErrStale},
		{sel[0], &Update{Round: 1, NumSamples: 1, Delta: []float64{1, 1, 1}}, ErrInvalidUpdate},
		{sel[0], &Update{Round: 1, NumSamples: 1, Delta: []float64{1, 1, 1, 1}}, ErrDuplicate},
		{sel[1], &Update{Round: 1, NumSamples: 0, Delta: []float64{1, 1, 1, 1}}, ErrInvalidUpdate},
	}
	for i, tc := range cases {
		outs := c.Handle(h.now, tc.from, tc.u)
		if len(outs) == 0 {
			t.Fatalf("case %d: no output", i)
		}
		mr, ok := outs[0].(MessageRefused)
		if !ok || !errors.Is(mr.Err, tc.want) {
			t.Fatalf("case %d: %v, want %v", i, outs, tc.want)
		}
		s, ok := outs[1].(Send)
		if r, isR := s.Msg.(*Refusal); !ok || !isR || r.Reason.Err() != tc.want {
			t.Fatalf("case %d: reply %v", i, outs[1])
		}
	}
	ex := 0
	for _, e := range c.excluded {
		if errors.Is(e, ErrInvalidUpdate) {
			ex++
		}
	}
	if ex != 2 {
		t.Fatalf("%d clients excluded as invalid, want 2", ex)
	}
	// Both selected clients answered (badly): the round aborts at once.
	h.emit(coordID(0), c.closeIfComplete(h.now))
	if len(find[RoundAborted](h)) == 0 && c.cur != nil && c.cur.round == 1 {
		t.Fatal("round with every selected client answered is still open")
	}
}

// TestSelection checks Poisson sampling: the same draw for the same seed,
// epoch and round on any coordinator, a top-up to the minimum, and a
// sample size near q*n.
func TestSelection(t *testing.T) {
	var all []NodeID
	for i := range 200 {
		all = append(all, clientID(i))
	}
	a := selectClients(7, 0, 3, all, 0.25, 10)
	b := selectClients(7, 0, 3, all, 0.25, 10)
	if !slices.Equal(a, b) {
		t.Fatal("same seed, epoch and round gave different selections")
	}
	if c := selectClients(7, 1, 3, all, 0.25, 10); slices.Equal(a, c) {
		t.Fatal("another epoch gave the same selection")
	}
	total := 0
	for r := uint64(1); r <= 100; r++ {
		s := selectClients(7, 0, r, all, 0.25, 10)
		if !slices.IsSortedFunc(s, compareIDs) || len(slices.CompactFunc(slices.Clone(s), func(x, y NodeID) bool { return x == y })) != len(s) {
			t.Fatal("selection not strictly ascending")
		}
		total += len(s)
	}
	if mean := float64(total) / 100; mean < 45 || mean > 55 {
		t.Fatalf("mean selection %v, want about 50", mean)
	}
	if s := selectClients(7, 0, 1, all[:20], 0.01, 15); len(s) != 15 {
		t.Fatalf("top-up gave %d, want 15", len(s))
	}
	if s := selectClients(7, 0, 1, all[:5], 0.01, 15); len(s) != 5 {
		t.Fatalf("top-up beyond the eligible gave %d, want 5", len(s))
	}
}

// TestNotEnoughEligible finishes when exclusions leave fewer eligible
// clients than MinClients.
func TestNotEnoughEligible(t *testing.T) {
	cfg := testConfig()
	cfg.MinClients, cfg.MaxMisses = 3, 1
	h := newHarness(t, cfg, 1, 3)
	h.tick(0)
	h.deliver(nil)
	h.train(func(n NodeID) bool { return n != clientID(0) }, step)
	h.jobs = nil
	h.deliver(nil)
	h.tick(10 * time.Second)
	fin := find[Finished](h)
	if len(fin) != 1 || !errors.Is(fin[0].Err, ErrNotEnoughClients) {
		t.Fatalf("finished: %+v, events %v", fin, h.events)
	}
}

// TestCoordinatorIgnoresClientMessages refuses a RoundStart sent to a
// coordinator.
func TestCoordinatorIgnoresClientMessages(t *testing.T) {
	h := newHarness(t, testConfig(), 1, 2)
	outs := h.coords[coordID(0)].Handle(h.now, clientID(0), &RoundStart{Round: 1})
	if mr, ok := outs[0].(MessageRefused); !ok || !errors.Is(mr.Err, ErrNotCoordinator) {
		t.Fatalf("outputs %v", outs)
	}
	outs = h.clients[clientID(0)].Handle(h.now, coordID(0), &Update{Round: 1})
	if mr, ok := outs[0].(MessageRefused); !ok || !errors.Is(mr.Err, ErrNotCoordinator) {
		t.Fatalf("outputs %v", outs)
	}
}
