package round

import (
	"errors"
	"testing"
	"time"
)

// TestFailover kills the coordinator in the middle of round 2: the next
// one takes over from the round-1 checkpoint in epoch 1, the clients
// follow it and refuse the old epoch, and the old coordinator steps down
// when the new checkpoint reaches it.
func TestFailover(t *testing.T) {
	cfg := testConfig()
	cfg.Rounds = 3
	h := newHarness(t, cfg, 3, 3)
	c0, c1, c2 := h.coords[coordID(0)], h.coords[coordID(1)], h.coords[coordID(2)]
	if !c0.Active() || c1.Active() {
		t.Fatal("epoch 0 must be led by the first coordinator")
	}
	if _, ok := c1.Deadline(); ok {
		t.Fatal("a standby has a deadline")
	}
	if out := c1.Tick(h.now); out != nil {
		t.Fatalf("a standby ticked: %v", out)
	}
	h.tick(0)
	h.deliver(nil)
	h.train(nil, step)
	h.deliver(nil) // round 1 closes; checkpoints reach coord1 and coord2
	if m := c1.Model(); m.Round != 1 || m.Params[0] != 2 {
		t.Fatalf("standby model after checkpoint: %+v", m)
	}
	h.deliver(nil) // round 2's RoundStart reaches the clients
	h.jobs = nil   // ... who never finish: the coordinator dies
	h.kill(coordID(0))
	took := find[TookOver](h)
	if len(took) != 1 || took[0].Epoch != 1 || took[0].Model != 1 {
		t.Fatalf("take-over: %+v", took)
	}
	if !c1.Active() || c2.Active() || c1.Epoch() != 1 || c2.Epoch() != 1 {
		t.Fatal("coord1 must lead epoch 1, and coord2 know it")
	}
	changed := find[CoordinatorChanged](h)
	if len(changed) != 3 || changed[0].Coordinator != coordID(1) {
		t.Fatalf("clients: %+v", changed)
	}
	h.deliver(nil)
	h.train(nil, step)
	h.deliver(nil)
	m := h.lastModel()
	if m.Round != 2 || m.Parent != 1 || m.Params[0] != 4 {
		t.Fatalf("model after take-over: %+v", m)
	}
	// The old coordinator was not dead after all: its RoundStart for epoch
	// 0 is refused as stale.
	delete(h.dead, coordID(0))
	old := &RoundStart{Epoch: 0, Round: 9, Timeout: time.Second, LocalEpochs: 1, Params: []float64{0, 0, 0, 0}}
	outs := h.clients[clientID(0)].Handle(h.now, coordID(0), old)
	if mr, ok := outs[0].(MessageRefused); !ok || !errors.Is(mr.Err, ErrStale) {
		t.Fatalf("old epoch accepted: %v", outs)
	}
	// A checkpoint of epoch 1 makes it step down.
	cp := c1.checkpoint()
	outs = c0.Handle(h.now, coordID(1), cp)
	if len(outs) != 1 || c0.Active() || c0.Epoch() != 1 || c0.Model().Round != 2 {
		t.Fatalf("old coordinator after checkpoint: %v active %v epoch %d", outs, c0.Active(), c0.Epoch())
	}
	if _, ok := outs[0].(SteppedDown); !ok {
		t.Fatalf("outputs %v", outs)
	}
	// Checkpoints from the wrong sender, of an old epoch, or of the wrong
	// shape are refused.
	for _, tc := range []struct {
		from NodeID
		cp   *Checkpoint
		want error
	}{
		{coordID(2), cp, ErrNotCoordinator},
		{coordID(0), &Checkpoint{Epoch: 0, NextRound: 2, Model: GlobalModel{Round: 1, Params: []float64{0, 0, 0, 0}}}, ErrStale},
		{coordID(1), &Checkpoint{Epoch: 1, NextRound: 9, Model: GlobalModel{Round: 8, Params: []float64{0}}}, ErrInvalidUpdate},
	} {
		outs := c2.Handle(h.now, tc.from, tc.cp)
		if mr, ok := outs[0].(MessageRefused); !ok || !errors.Is(mr.Err, tc.want) {
			t.Fatalf("checkpoint from %v: %v, want %v", tc.from, outs, tc.want)
		}
	}
}

// TestAllCoordinatorsDead finishes with ErrNoCoordinator, and a client
// reports it.
func TestAllCoordinatorsDead(t *testing.T) {
	h := newHarness(t, testConfig(), 2, 2)
	h.kill(coordID(0))
	h.kill(coordID(1))
	var clientFailed bool
	for _, f := range find[RoundFailed](h) {
		clientFailed = clientFailed || errors.Is(f.Err, ErrNoCoordinator)
	}
	if !clientFailed {
		t.Fatalf("events %v", h.events)
	}
	c := h.coords[coordID(1)]
	if out := c.PeerDown(h.now, coordID(1)); out != nil {
		t.Fatalf("a coordinator told of its own death acted: %v", out)
	}
}

// TestStandbyFinishesWhenAllOthersDie reports ErrNoCoordinator from a
// coordinator that sees every coordinator, itself excluded, die while it
// is itself marked dead by a later report.
func TestStandbyFinishesWhenAllOthersDie(t *testing.T) {
	h := newHarness(t, testConfig(), 3, 2)
	c2 := h.coords[coordID(2)]
	c2.succ.dead[coordID(2)] = true // a false report of its own death
	h.emit(coordID(2), c2.PeerDown(h.now, coordID(0)))
	h.emit(coordID(2), c2.PeerDown(h.now, coordID(1)))
	fin := find[Finished](h)
	if len(fin) != 1 || !errors.Is(fin[0].Err, ErrNoCoordinator) || !c2.Finished() {
		t.Fatalf("finished: %+v", fin)
	}
}

// TestClientAcceptance checks which RoundStart messages a client takes.
func TestClientAcceptance(t *testing.T) {
	h := newHarness(t, testConfig(), 2, 2)
	c := h.clients[clientID(0)]
	rs := func(epoch uint32, round uint64) *RoundStart {
		return &RoundStart{Epoch: epoch, Round: round, Timeout: time.Second, LocalEpochs: 1, Params: []float64{1, 2, 3, 4}}
	}
	for i, tc := range []struct {
		from NodeID
		m    *RoundStart
		want error // nil: accepted
	}{
		{clientID(5), rs(0, 1), ErrNotCoordinator},
		{coordID(1), rs(0, 1), ErrNotCoordinator},
		{coordID(0), rs(0, 2), nil},
		{coordID(0), rs(0, 2), ErrStale},
		{coordID(0), rs(0, 1), ErrStale},
		{coordID(1), rs(1, 1), nil}, // a newer epoch, from its coordinator
		{coordID(0), rs(0, 5), ErrStale},
		{coordID(0), rs(2, 6), nil}, // epoch 2 wraps to coord0
	} {
		outs := c.Handle(h.now, tc.from, tc.m)
		var got error
		var train bool
		for _, o := range outs {
			switch o := o.(type) {
			case MessageRefused:
				got = o.Err
			case Train:
				train = true
			}
		}
		if tc.want == nil && (!train || got != nil) {
			t.Fatalf("case %d: not accepted: %v", i, outs)
		}
		if tc.want != nil && (train || !errors.Is(got, tc.want)) {
			t.Fatalf("case %d: %v, want %v", i, outs, tc.want)
		}
	}
	if c.Epoch() != 2 {
		t.Fatalf("client epoch %d, want 2", c.Epoch())
	}
	// Results for another round are ignored; a wrong-length result and a
	// failed training are reported to the coordinator.
	if out := c.Trained(h.now, TrainResult{Epoch: 2, Round: 5}); out != nil {
		t.Fatalf("stale result used: %v", out)
	}
	outs := c.Trained(h.now, TrainResult{Epoch: 2, Round: 6, Params: []float64{1}})
	if f, ok := outs[0].(RoundFailed); !ok || !errors.Is(f.Err, ErrTraining) {
		t.Fatalf("short result: %v", outs)
	}
	c.Handle(h.now, coordID(0), rs(2, 7))
	outs = c.Trained(h.now, TrainResult{Epoch: 2, Round: 7, Err: errors.New("out of memory")})
	if s, ok := outs[2].(Send); !ok || s.Msg.(*Refusal).Reason != ReasonTraining {
		t.Fatalf("failed training: %v", outs)
	}
	c.Handle(h.now, coordID(0), rs(2, 8))
	outs = c.Trained(h.now, TrainResult{Epoch: 2, Round: 8, Params: []float64{1e31, 0, 0, 0}})
	if f, ok := outs[0].(RoundFailed); !ok || !errors.Is(f.Err, ErrTraining) {
		t.Fatalf("out-of-range result: %v", outs)
	}
	// A refusal from the coordinator ends the round at the client.
	c.Handle(h.now, coordID(0), rs(2, 9))
	outs = c.Handle(h.now, coordID(0), &Refusal{Epoch: 2, Round: 9, Reason: ReasonLate, Detail: "closed"})
	if r, ok := outs[0].(Refused); !ok || !errors.Is(r.Err, ErrLate) || c.cur != nil {
		t.Fatalf("refusal: %v", outs)
	}
	if d, ok := c.Deadline(); ok || !d.IsZero() || c.Tick(h.now) != nil {
		t.Fatal("clients have no timers")
	}
	// A dead client reported to another client changes nothing.
	if out := c.PeerDown(h.now, clientID(9)); out != nil {
		t.Fatalf("peer down of a client: %v", out)
	}
}
