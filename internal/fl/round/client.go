package round

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/dp"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/secagg"
)

// ClientConfig configures a client.
type ClientConfig struct {
	// Self is the client's node ID.
	Self NodeID
	// Coordinators is the federation's succession list, as in Config.
	Coordinators []NodeID
	// NumSamples is the number of training examples the client holds; it
	// weights the client's update in FedAvg.
	NumSamples int
	// Epsilon is the client's own privacy budget at Delta: it declines
	// private rounds once another would take its epsilon, counted without
	// sampling amplification over the rounds it contributed to, past it.
	// Zero means no limit.
	Epsilon float64
	// Delta is the delta of Epsilon; it must be in (0, 1) when Epsilon is
	// set.
	Delta float64
	// Random is the source of secure-aggregation keys and masks:
	// crypto/rand.Reader in production. Without it the client declines
	// secure rounds.
	Random io.Reader
}

// TrainResult is the runtime's answer to a Train output.
type TrainResult struct {
	// Epoch and Round are those of the Train output answered.
	Epoch uint32
	Round uint64
	// Params are the locally trained parameters (not the delta).
	Params []float64
	// Err reports a failed training run.
	Err error
}

// Client is a client's state machine: it accepts RoundStart only from the
// coordinator of a current or newer epoch and for a newer round, asks its
// runtime to train, and sends the delta back, in an Update or through
// secure aggregation. Like Coordinator it is driven by Handle, Trained,
// Tick and PeerDown and is not safe for concurrent use.
type Client struct {
	cfg       ClientConfig
	succ      succession
	lastEpoch uint32 // the newest round accepted, by epoch and round
	lastRound uint64
	budget    *dp.Budget
	cur       *clientRound
}

// clientRound is the round the client is working on.
type clientRound struct {
	epoch       uint32
	round       uint64
	coordinator NodeID
	global      []float64
	dp          *DPSettings
	sa          *secagg.Client
	pending     *secagg.ShareDelivery // waiting for the trained delta
	delta       []float64             // trained, waiting for the share delivery
	trained     bool
}

// NewClient returns a client.
func NewClient(cfg ClientConfig) (*Client, error) {
	if err := checkNodeList("coordinators", cfg.Coordinators, MaxCoordinators); err != nil {
		return nil, err
	}
	if slices.Contains(cfg.Coordinators, cfg.Self) {
		return nil, fmt.Errorf("%w: client %v is also a coordinator", ErrConfig, cfg.Self)
	}
	if cfg.NumSamples < 1 || cfg.NumSamples > MaxNumSamples {
		return nil, fmt.Errorf("%w: NumSamples = %d not in [1, %d]", ErrConfig, cfg.NumSamples, MaxNumSamples)
	}
	c := &Client{cfg: cfg, succ: newSuccession(cfg.Coordinators)}
	if cfg.Epsilon != 0 {
		b, err := dp.NewBudget(cfg.Epsilon, cfg.Delta, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		c.budget = b
	}
	return c, nil
}

// Epoch returns the coordinator epoch the client follows.
func (c *Client) Epoch() uint32 { return c.succ.epoch }

// Spent returns the epsilon the client has spent on private rounds, 0
// without a budget.
func (c *Client) Spent() float64 {
	if c.budget == nil {
		return 0
	}
	return c.budget.Spent().Epsilon
}

// Deadline reports that a client has no timers: it keeps the state of its
// round until a newer round or a new coordinator replaces it.
func (c *Client) Deadline() (time.Time, bool) { return time.Time{}, false }

// Tick does nothing; it exists so that a Client drives like a Coordinator.
func (c *Client) Tick(time.Time) []Output { return nil }

// Handle processes a message from a peer.
func (c *Client) Handle(now time.Time, from NodeID, msg Message) []Output {
	switch m := msg.(type) {
	case *RoundStart:
		return c.handleRoundStart(from, m)
	case *SecAgg:
		return c.handleSecAgg(from, m)
	case *Refusal:
		out := []Output{Refused{By: from, Epoch: m.Epoch, Round: m.Round, Err: &RefusalError{Reason: m.Reason, Detail: m.Detail}}}
		if r := c.cur; r != nil && from == r.coordinator && m.Epoch == r.epoch && m.Round == r.round {
			c.cur = nil // the coordinator is done with this client's round
		}
		return out
	}
	e, r := msg.Header()
	return []Output{MessageRefused{From: from, Epoch: e, Round: r,
		Err: fmt.Errorf("%w: a client does not accept %v", ErrNotCoordinator, msg.msgType())}}
}

// refuse sends a Refusal to from and reports it.
func (c *Client) refuse(from NodeID, round uint64, err error) []Output {
	detail := err.Error()
	if len(detail) > MaxDetailLength {
		detail = detail[:MaxDetailLength]
	}
	return []Output{
		MessageRefused{From: from, Epoch: c.succ.epoch, Round: round, Err: err},
		Send{To: from, Msg: &Refusal{Epoch: c.succ.epoch, Round: round, Reason: reasonOf(err), Detail: detail}},
	}
}

// handleRoundStart accepts a round from the coordinator of the message's
// epoch if it is newer than every round accepted before.
func (c *Client) handleRoundStart(from NodeID, m *RoundStart) []Output {
	switch {
	case from != c.succ.of(m.Epoch):
		return c.refuse(from, m.Round, fmt.Errorf("%w: %v does not lead epoch %d", ErrNotCoordinator, from, m.Epoch))
	case m.Epoch < c.succ.epoch:
		return c.refuse(from, m.Round, fmt.Errorf("%w: epoch %d, client follows epoch %d", ErrStale, m.Epoch, c.succ.epoch))
	case m.Epoch == c.lastEpoch && m.Round <= c.lastRound:
		return c.refuse(from, m.Round, fmt.Errorf("%w: round %d, client is at round %d", ErrStale, m.Round, c.lastRound))
	}
	var out []Output
	if m.Epoch > c.succ.epoch {
		c.succ.adopt(m.Epoch)
		out = append(out, CoordinatorChanged{Epoch: m.Epoch, Coordinator: from})
	}
	c.lastEpoch, c.lastRound = m.Epoch, m.Round
	c.cur = nil
	if m.DP != nil && c.budget != nil {
		if _, err := c.budget.Check(roundMechanism(m.DP)); err != nil {
			out = append(out, BudgetExhausted{Epsilon: c.Spent()})
			return append(out, c.refuse(from, m.Round, fmt.Errorf("%w: %w", ErrBudgetExhausted, err))...)
		}
	}
	r := &clientRound{epoch: m.Epoch, round: m.Round, coordinator: from, global: m.Params, dp: m.DP}
	if s := m.SecAgg; s != nil {
		adv, err := c.openSecure(r, s)
		if err != nil {
			return append(out, c.refuse(from, m.Round, err)...)
		}
		out = append(out, adv)
	}
	c.cur = r
	return append(out, Train{Epoch: m.Epoch, Round: m.Round, Params: m.Params, LocalEpochs: m.LocalEpochs})
}

// roundMechanism is what one private round costs a client that takes part
// in it, counted without sampling amplification.
func roundMechanism(s *DPSettings) dp.Mechanism {
	return dp.Mechanism{SamplingRate: 1, NoiseMultiplier: s.NoiseMultiplier, Steps: 1}
}

// Trained hands the client the result of the Train output of its round.
// A result for another round is ignored. The client sends its delta, or
// keeps it until its secure round reaches the masking step.
func (c *Client) Trained(now time.Time, res TrainResult) []Output {
	r := c.cur
	if r == nil || res.Epoch != r.epoch || res.Round != r.round || r.trained {
		return nil
	}
	r.trained = true
	fail := func(err error) []Output {
		c.cur = nil
		out := []Output{RoundFailed{Epoch: r.epoch, Round: r.round, Err: err}}
		return append(out, c.refuse(r.coordinator, r.round, err)...)
	}
	switch {
	case res.Err != nil:
		return fail(fmt.Errorf("%w: %w", ErrTraining, res.Err))
	case len(res.Params) != len(r.global):
		return fail(fmt.Errorf("%w: %d trained parameters, model has %d", ErrTraining, len(res.Params), len(r.global)))
	}
	delta := make([]float64, len(r.global))
	for j, p := range res.Params {
		delta[j] = p - r.global[j]
	}
	if i := badValue(delta); i >= 0 {
		return fail(fmt.Errorf("%w: delta value %v at index %d", ErrTraining, delta[i], i))
	}
	var out []Output
	if r.dp != nil && c.budget != nil {
		if _, err := c.budget.Spend(roundMechanism(r.dp)); err != nil {
			out = append(out, BudgetExhausted{Epsilon: c.Spent()})
			return append(out, fail(fmt.Errorf("%w: %w", ErrBudgetExhausted, err))...)
		}
	}
	if r.sa == nil {
		c.cur = nil
		return append(out, Send{To: r.coordinator, Msg: &Update{Epoch: r.epoch, Round: r.round,
			NumSamples: c.cfg.NumSamples, Delta: delta}})
	}
	if r.dp != nil {
		// The coordinator only sees the secure sum, so the client clips.
		if _, err := dp.Clip(delta, r.dp.ClipNorm); err != nil {
			return append(out, fail(fmt.Errorf("%w: %w", ErrTraining, err))...)
		}
	}
	r.delta = delta
	if r.pending != nil {
		return append(out, c.mask()...)
	}
	return out
}

// PeerDown processes the runtime's report that a node is dead. If it is
// the coordinator the client follows, the client moves to the next one and
// abandons its round (the new coordinator runs it again).
func (c *Client) PeerDown(now time.Time, id NodeID) []Output {
	changed, ok := c.succ.down(id)
	if !ok {
		c.cur = nil
		return []Output{RoundFailed{Epoch: c.succ.epoch, Round: c.lastRound, Err: ErrNoCoordinator}}
	}
	if !changed {
		return nil
	}
	c.cur = nil
	return []Output{CoordinatorChanged{Epoch: c.succ.epoch, Coordinator: c.succ.current()}}
}

// errSecAggClient wraps a secagg error of the client side.
func errSecAggClient(err error) error {
	if errors.Is(err, ErrSecAgg) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrSecAgg, err)
}
