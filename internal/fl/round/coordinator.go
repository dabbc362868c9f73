package round

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/strategy"
)

// Coordinator is the coordinator's state machine. Every coordinator of the
// succession list runs one; the one leading the current epoch is active
// and runs rounds, the others are standbys that keep the checkpoints the
// active one sends and take over when the runtime reports it dead. A
// Coordinator is driven by its runtime through Handle, Tick and PeerDown,
// never blocks, starts no goroutines and reads no clock: time comes in as
// the now argument. It is not safe for concurrent use.
type Coordinator struct {
	cfg     Config
	succ    succession
	maxPart int // private rounds a client may join; -1 for no limit

	// Federation state, carried over failovers by Checkpoint.
	model         GlobalModel
	nextRound     uint64
	completed     int
	dpRounds      int
	excluded      map[NodeID]error
	participation map[NodeID]int

	// State of this coordinator's term.
	misses   map[NodeID]int
	aborts   int
	strat    strategy.Strategy
	active   bool
	finished bool
	startAt  time.Time // when the next round starts, while active and idle
	cur      *coordRound
}

// coordRound is the state of the open round.
type coordRound struct {
	epoch    uint32
	round    uint64
	selected []NodeID // ascending
	index    map[NodeID]int
	deadline time.Time
	expected float64 // q times the eligible clients: DP-FedAvg's denominator
	updates  map[NodeID]strategy.Update
	answered map[NodeID]bool // sent an update or a refusal
	sa       *secureRound
}

// NewCoordinator returns the coordinator cfg.Self of a federation. The
// coordinator of epoch 0 is active from the start: its first Tick opens
// round 1.
func NewCoordinator(cfg Config) (*Coordinator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	cfg.Coordinators = slices.Clone(cfg.Coordinators)
	cfg.Clients = slices.Clone(cfg.Clients)
	slices.SortFunc(cfg.Clients, compareIDs)
	c := &Coordinator{
		cfg:           cfg,
		succ:          newSuccession(cfg.Coordinators),
		maxPart:       -1,
		model:         GlobalModel{Params: slices.Clone(cfg.Initial)},
		nextRound:     1,
		excluded:      make(map[NodeID]error),
		participation: make(map[NodeID]int),
		misses:        make(map[NodeID]int),
	}
	if cfg.DP != nil {
		k, err := cfg.DP.maxParticipations()
		if err != nil {
			return nil, err
		}
		c.maxPart = k
	}
	if c.succ.current() == cfg.Self {
		if err := c.activate(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Active reports whether this coordinator leads the current epoch.
func (c *Coordinator) Active() bool { return c.active }

// Epoch returns the current coordinator epoch as this coordinator knows it.
func (c *Coordinator) Epoch() uint32 { return c.succ.epoch }

// Model returns a copy of the last global model this coordinator knows.
func (c *Coordinator) Model() GlobalModel { return c.model.Clone() }

// Completed returns the number of rounds that produced a model.
func (c *Coordinator) Completed() int { return c.completed }

// Finished reports whether the coordinator has stopped.
func (c *Coordinator) Finished() bool { return c.finished }

// Deadline returns when Tick must next be called; ok is false when no
// timer is pending. A zero time means as soon as possible.
func (c *Coordinator) Deadline() (t time.Time, ok bool) {
	switch {
	case !c.active || c.finished:
		return time.Time{}, false
	case c.cur == nil:
		return c.startAt, true
	case c.cur.sa != nil:
		return c.cur.sa.deadline, true
	}
	return c.cur.deadline, true
}

// activate makes this coordinator the active one, with a fresh aggregator.
func (c *Coordinator) activate() error {
	st, err := c.cfg.Strategy.New()
	if err != nil {
		return err
	}
	c.strat, c.active, c.cur, c.aborts = st, true, nil, 0
	c.startAt = time.Time{}
	clear(c.misses)
	return nil
}

// Tick runs the timers: it opens the next round when one is due and
// closes the open round or phase at its deadline.
func (c *Coordinator) Tick(now time.Time) []Output {
	if !c.active || c.finished {
		return nil
	}
	switch {
	case c.cur == nil:
		if !now.Before(c.startAt) {
			return c.startRound(now)
		}
	case c.cur.sa != nil:
		if !now.Before(c.cur.sa.deadline) {
			return c.advanceSecure(now)
		}
	case !now.Before(c.cur.deadline):
		return c.closeRound(now)
	}
	return nil
}

// Handle processes a message from a peer.
func (c *Coordinator) Handle(now time.Time, from NodeID, msg Message) []Output {
	switch m := msg.(type) {
	case *Update:
		return c.handleUpdate(now, from, m)
	case *SecAgg:
		return c.handleSecAgg(now, from, m)
	case *Refusal:
		return c.handleRefusal(now, from, m)
	case *Checkpoint:
		return c.handleCheckpoint(from, m)
	}
	e, r := msg.Header()
	return []Output{MessageRefused{From: from, Epoch: e, Round: r,
		Err: fmt.Errorf("%w: a coordinator does not accept %v", ErrNotCoordinator, msg.msgType())}}
}

// PeerDown processes the runtime's report that a node is dead. If it is
// the active coordinator, the next live one in the succession list takes
// over; if that is this coordinator, it resumes from its last checkpoint
// and opens a round at once.
func (c *Coordinator) PeerDown(now time.Time, id NodeID) []Output {
	if id == c.cfg.Self {
		return nil
	}
	changed, ok := c.succ.down(id)
	switch {
	case !ok:
		c.finished = true
		return []Output{Finished{Completed: c.completed, Err: ErrNoCoordinator}}
	case !changed || c.succ.current() != c.cfg.Self:
		return nil
	}
	if err := c.activate(); err != nil {
		c.finished = true
		return []Output{Finished{Completed: c.completed, Err: err}}
	}
	out := []Output{TookOver{Epoch: c.succ.epoch, Model: c.model.Round}}
	return append(out, c.startRound(now)...)
}

// eligible returns the clients that may be selected, ascending.
func (c *Coordinator) eligible() []NodeID {
	var out []NodeID
	for _, id := range c.cfg.Clients {
		if c.excluded[id] == nil {
			out = append(out, id)
		}
	}
	return out
}

// startRound opens the next round, or finishes when it cannot.
func (c *Coordinator) startRound(now time.Time) []Output {
	if c.completed >= c.cfg.Rounds {
		return c.finish(nil)
	}
	eligible := c.eligible()
	if len(eligible) < c.cfg.MinClients {
		return c.finish(fmt.Errorf("%w: %d eligible, %d needed", ErrNotEnoughClients, len(eligible), c.cfg.MinClients))
	}
	if c.nextRound > MaxRound {
		return c.finish(fmt.Errorf("%w: round numbers exhausted", ErrLimit))
	}
	round := c.nextRound
	c.nextRound++
	selected := selectClients(c.cfg.Seed, c.succ.epoch, round, eligible, c.cfg.SampleRate, c.cfg.MinClients)
	r := &coordRound{
		epoch:    c.succ.epoch,
		round:    round,
		selected: selected,
		index:    make(map[NodeID]int, len(selected)),
		deadline: now.Add(c.cfg.RoundTimeout),
		expected: c.cfg.SampleRate * float64(len(eligible)),
		updates:  make(map[NodeID]strategy.Update),
		answered: make(map[NodeID]bool),
	}
	for i, id := range selected {
		r.index[id] = i
	}
	c.cur = r
	out := []Output{RoundStarted{Epoch: r.epoch, Round: round, Selected: slices.Clone(selected),
		Deadline: r.deadline, Secure: c.cfg.SecAgg != nil, Private: c.cfg.DP != nil}}
	var dpSettings *DPSettings
	if d := c.cfg.DP; d != nil {
		dpSettings = &DPSettings{ClipNorm: d.ClipNorm, NoiseMultiplier: d.NoiseMultiplier}
	}
	var sa *SecAggSettings
	if c.cfg.SecAgg != nil {
		var err error
		if sa, err = c.openSecure(now, r); err != nil {
			return append(out, c.abort(now, err)...)
		}
	}
	for i, id := range selected {
		m := &RoundStart{Epoch: r.epoch, Round: round, Parent: c.model.Round, Timeout: c.cfg.RoundTimeout,
			LocalEpochs: c.cfg.LocalEpochs, DP: dpSettings, Params: c.model.Params}
		if sa != nil {
			s := *sa
			s.ID = secaggID(i)
			m.SecAgg = &s
		}
		out = append(out, Send{To: id, Msg: m})
	}
	return out
}

// finish stops the coordinator.
func (c *Coordinator) finish(err error) []Output {
	c.finished, c.cur = true, nil
	return []Output{Finished{Completed: c.completed, Err: err}}
}

// refuse answers a refused message with a Refusal and reports it.
func (c *Coordinator) refuse(from NodeID, epoch uint32, round uint64, err error) []Output {
	detail := err.Error()
	if len(detail) > MaxDetailLength {
		detail = detail[:MaxDetailLength]
	}
	out := []Output{MessageRefused{From: from, Epoch: epoch, Round: round, Err: err}}
	if round >= 1 && round <= MaxRound {
		out = append(out, Send{To: from, Msg: &Refusal{Epoch: c.succ.epoch, Round: round, Reason: reasonOf(err), Detail: detail}})
	}
	return out
}

// checkRoundMessage checks that a client message belongs to the open
// round and comes from a selected client; it returns the refusal error.
func (c *Coordinator) checkRoundMessage(from NodeID, epoch uint32, round uint64) error {
	switch {
	case !c.active:
		return fmt.Errorf("%w: this coordinator is not active in epoch %d", ErrNotCoordinator, c.succ.epoch)
	case epoch != c.succ.epoch:
		return fmt.Errorf("%w: epoch %d, current epoch %d", ErrStale, epoch, c.succ.epoch)
	case c.cur == nil || round < c.cur.round:
		if round < c.nextRound {
			return fmt.Errorf("%w: round %d is closed", ErrLate, round)
		}
		return fmt.Errorf("%w: round %d is not open", ErrStale, round)
	case round != c.cur.round:
		return fmt.Errorf("%w: round %d is not open", ErrStale, round)
	}
	if _, ok := c.cur.index[from]; !ok {
		return fmt.Errorf("%w: round %d", ErrNotSelected, round)
	}
	return nil
}

// handleUpdate records a plain update, refusing late, foreign, duplicate
// and invalid ones.
func (c *Coordinator) handleUpdate(now time.Time, from NodeID, u *Update) []Output {
	if err := c.checkRoundMessage(from, u.Epoch, u.Round); err != nil {
		return c.refuse(from, u.Epoch, u.Round, err)
	}
	r := c.cur
	switch {
	case r.sa != nil:
		return c.refuse(from, u.Epoch, u.Round, fmt.Errorf("%w: round %d is secure; plain updates are refused", ErrSecAgg, u.Round))
	case r.answered[from]:
		return c.refuse(from, u.Epoch, u.Round, fmt.Errorf("%w: round %d", ErrDuplicate, u.Round))
	}
	if err := c.checkUpdate(u); err != nil {
		out := c.refuse(from, u.Epoch, u.Round, err)
		r.answered[from] = true
		out = append(out, c.exclude(from, err)...)
		return append(out, c.closeIfComplete(now)...)
	}
	r.answered[from] = true
	r.updates[from] = strategy.Update{ClientID: from.String(), NumSamples: u.NumSamples, Vector: u.Delta}
	return c.closeIfComplete(now)
}

// checkUpdate checks an update's shape and sample count.
func (c *Coordinator) checkUpdate(u *Update) error {
	switch {
	case len(u.Delta) != len(c.model.Params):
		return fmt.Errorf("%w: delta of %d values, model has %d", ErrInvalidUpdate, len(u.Delta), len(c.model.Params))
	case u.NumSamples < 1:
		return fmt.Errorf("%w: %d samples", ErrInvalidUpdate, u.NumSamples)
	}
	return nil
}

// handleRefusal processes a client's refusal of the open round: it counts
// as the client's answer, and a spent budget also excludes the client. A
// refusal naming a newer epoch is only reported: clients cannot make a
// coordinator step down (a Checkpoint from the newer coordinator does).
func (c *Coordinator) handleRefusal(now time.Time, from NodeID, m *Refusal) []Output {
	rerr := &RefusalError{Reason: m.Reason, Detail: m.Detail}
	out := []Output{Refused{By: from, Epoch: m.Epoch, Round: m.Round, Err: rerr}}
	if c.checkRoundMessage(from, m.Epoch, m.Round) != nil || c.cur.answered[from] {
		return out
	}
	c.cur.answered[from] = true
	if m.Reason == ReasonBudget {
		out = append(out, c.exclude(from, rerr)...)
	}
	if sa := c.cur.sa; sa != nil {
		// A secure round goes on with the clients still in it.
		delete(sa.expect, from)
		if len(sa.got) == len(sa.expect) {
			return append(out, c.advanceSecure(now)...)
		}
		return out
	}
	return append(out, c.closeIfComplete(now)...)
}

// exclude stops selecting id.
func (c *Coordinator) exclude(id NodeID, err error) []Output {
	if c.excluded[id] != nil {
		return nil
	}
	c.excluded[id] = err
	return []Output{ClientExcluded{Client: id, Err: err}}
}

// closeIfComplete closes a plain round once every selected client
// answered.
func (c *Coordinator) closeIfComplete(now time.Time) []Output {
	if c.cur != nil && c.cur.sa == nil && len(c.cur.answered) == len(c.cur.selected) {
		return c.closeRound(now)
	}
	return nil
}

// sortedKeys returns the keys of m, ascending.
func sortedKeys[V any](m map[NodeID]V) []NodeID {
	return slices.SortedFunc(maps.Keys(m), compareIDs)
}
