package round

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/dp"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/strategy"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// closeRound closes a plain round: at its deadline, or once every selected
// client answered. With at least MinClients updates it aggregates them;
// otherwise it aborts the round.
func (c *Coordinator) closeRound(now time.Time) []Output {
	r := c.cur
	var out []Output
	ups := make([]strategy.Update, 0, len(r.updates))
	for _, id := range sortedKeys(r.updates) {
		ups = append(ups, r.updates[id])
	}
	out = append(out, c.countMisses(r, sortedKeys(r.updates))...)
	if len(ups) < c.cfg.MinClients {
		return append(out, c.abort(now, fmt.Errorf("%w: %d of %d selected clients, %d needed",
			ErrTooFewReplies, len(ups), len(r.selected), c.cfg.MinClients))...)
	}
	for {
		next, name, err := c.aggregate(ups)
		var ce *strategy.ClientError
		switch {
		case err == nil:
			ids := make([]NodeID, len(ups))
			for i, u := range ups {
				ids[i] = mustParseID(u.ClientID)
			}
			return append(out, c.completeRound(now, next, name, ids)...)
		case errors.As(err, &ce) && len(ups) > c.cfg.MinClients:
			// Drop the client the strategy refused and aggregate again.
			id := mustParseID(ce.ClientID)
			out = append(out, c.exclude(id, fmt.Errorf("%w: %w", ErrInvalidUpdate, err))...)
			ups = slices.DeleteFunc(ups, func(u strategy.Update) bool { return u.ClientID == ce.ClientID })
		default:
			return append(out, c.abort(now, err)...)
		}
	}
}

// aggregate applies the strategy, or DP-FedAvg, to the round's updates and
// returns the next parameters and the rule's name.
func (c *Coordinator) aggregate(ups []strategy.Update) ([]float64, string, error) {
	if d := c.cfg.DP; d != nil {
		agg, err := dp.NewFedAvg(dp.Config{ClipNorm: d.ClipNorm, NoiseMultiplier: d.NoiseMultiplier,
			ExpectedClients: c.cur.expected}, c.cfg.Random)
		if err != nil {
			return nil, "", fmt.Errorf("%w: %w", ErrConfig, err)
		}
		next, err := agg.Aggregate(c.model.Params, ups)
		return next, agg.Name(), err
	}
	next, err := c.strat.Aggregate(c.model.Params, ups)
	return next, c.strat.Name(), err
}

// countMisses updates the consecutive-miss counts of the selected clients
// and excludes those that reached MaxMisses.
func (c *Coordinator) countMisses(r *coordRound, contributed []NodeID) []Output {
	var out []Output
	for _, id := range r.selected {
		if _, ok := slices.BinarySearchFunc(contributed, id, compareIDs); ok {
			c.misses[id] = 0
			continue
		}
		if r.answered[id] && c.excluded[id] != nil {
			continue // already excluded for what it sent
		}
		c.misses[id]++
		if c.misses[id] >= c.cfg.MaxMisses {
			out = append(out, c.exclude(id, fmt.Errorf("%w: missed %d rounds in a row", ErrUnresponsive, c.misses[id]))...)
		}
	}
	return out
}

// completeRound installs the next global model, charges the privacy
// accountant, checkpoints to the standbys and opens the next round.
func (c *Coordinator) completeRound(now time.Time, next []float64, name string, participants []NodeID) []Output {
	r := c.cur
	var out []Output
	g := GlobalModel{Round: r.round, Parent: c.model.Round, Strategy: name, Participants: participants, Params: next}
	if d := c.cfg.DP; d != nil {
		c.dpRounds++
		eps, err := dp.ComputeEpsilon(dp.Mechanism{SamplingRate: c.cfg.SampleRate, NoiseMultiplier: d.NoiseMultiplier,
			Steps: c.dpRounds}, d.Delta, nil)
		if err != nil {
			return append(out, c.finish(fmt.Errorf("%w: accountant: %w", ErrConfig, err))...)
		}
		g.Epsilon, g.Delta = eps.Epsilon, d.Delta
		for _, id := range participants {
			c.participation[id]++
			if c.maxPart >= 0 && c.participation[id] >= c.maxPart {
				out = append(out, c.exclude(id, fmt.Errorf("%w: %d private rounds joined", ErrBudgetExhausted, c.participation[id]))...)
			}
		}
	}
	c.model = g
	c.completed++
	c.aborts = 0
	missing := slices.DeleteFunc(slices.Clone(r.selected), func(id NodeID) bool {
		_, ok := slices.BinarySearchFunc(participants, id, compareIDs)
		return ok
	})
	out = append(out,
		RoundClosed{Epoch: r.epoch, Round: r.round, Replied: slices.Clone(participants), Missing: missing},
		ModelReady{Model: g.Clone()})
	out = append(out, c.checkpoints()...)
	c.cur, c.startAt = nil, now
	return append(out, c.startRound(now)...)
}

// abort closes the open round without a model; the next round starts at
// once with a new selection unless MaxAborts rounds in a row failed.
func (c *Coordinator) abort(now time.Time, err error) []Output {
	r := c.cur
	replied := len(r.updates)
	if r.sa != nil {
		replied = len(r.sa.got)
	}
	out := []Output{RoundAborted{Epoch: r.epoch, Round: r.round, Replied: replied, Err: err}}
	c.cur, c.startAt = nil, now
	c.aborts++
	if c.aborts >= c.cfg.MaxAborts {
		return append(out, c.finish(fmt.Errorf("%w: %d in a row, last: %w", ErrStalled, c.aborts, err))...)
	}
	return append(out, c.startRound(now)...)
}

// checkpoint returns the federation state for the standbys.
func (c *Coordinator) checkpoint() *Checkpoint {
	cp := &Checkpoint{Epoch: c.succ.epoch, NextRound: c.nextRound, Completed: c.completed, DPRounds: c.dpRounds,
		Model: c.model, Excluded: sortedKeys(c.excluded)}
	for _, id := range sortedKeys(c.participation) {
		cp.Participation = append(cp.Participation, Participation{Client: id, Rounds: c.participation[id]})
	}
	return cp
}

// checkpoints sends the checkpoint to every other coordinator, including
// those thought dead, so that one that comes back learns it was replaced.
func (c *Coordinator) checkpoints() []Output {
	cp := c.checkpoint()
	var out []Output
	for _, id := range c.cfg.Coordinators {
		if id != c.cfg.Self {
			out = append(out, Send{To: id, Msg: cp})
		}
	}
	return out
}

// handleCheckpoint keeps the state of a checkpoint from the coordinator of
// its epoch, if it is at least as new as what this coordinator has. A
// checkpoint from a newer epoch makes an active coordinator step down.
func (c *Coordinator) handleCheckpoint(from NodeID, m *Checkpoint) []Output {
	epoch := c.succ.epoch
	switch {
	case from != c.succ.of(m.Epoch) || from == c.cfg.Self:
		return []Output{MessageRefused{From: from, Epoch: m.Epoch, Round: m.Model.Round,
			Err: fmt.Errorf("%w: checkpoint for epoch %d", ErrNotCoordinator, m.Epoch)}}
	case m.Epoch < epoch || (m.Epoch == epoch && m.NextRound < c.nextRound):
		return []Output{MessageRefused{From: from, Epoch: m.Epoch, Round: m.Model.Round,
			Err: fmt.Errorf("%w: checkpoint of epoch %d round %d", ErrStale, m.Epoch, m.Model.Round)}}
	case len(m.Model.Params) != len(c.cfg.Initial):
		return []Output{MessageRefused{From: from, Epoch: m.Epoch, Round: m.Model.Round,
			Err: fmt.Errorf("%w: checkpoint model of %d values, want %d", ErrInvalidUpdate, len(m.Model.Params), len(c.cfg.Initial))}}
	}
	c.model = m.Model.Clone()
	c.nextRound, c.completed, c.dpRounds = m.NextRound, m.Completed, m.DPRounds
	clear(c.excluded)
	for _, id := range m.Excluded {
		c.excluded[id] = ErrExcluded
	}
	clear(c.participation)
	for _, p := range m.Participation {
		c.participation[p.Client] = p.Rounds
	}
	var out []Output
	if m.Epoch > epoch {
		c.succ.adopt(m.Epoch)
		if c.active {
			c.active, c.cur = false, nil
			out = append(out, SteppedDown{Epoch: m.Epoch})
		}
	}
	return out
}

// mustParseID returns the NodeID whose String is s; s comes from
// NodeID.String, so it always parses.
func mustParseID(s string) NodeID {
	id, _ := identity.ParseNodeID(s)
	return id
}
