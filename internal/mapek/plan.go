package mapek

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Policy maps each symptom kind to its escalation ladder: the first action is
// tried first, and each verification that finds the symptom persisting moves
// to the next. A symptom kind without a ladder is recorded but never acted on.
type Policy map[SymptomKind][]ActionKind

// DefaultPolicy returns the policy table documented in docs/mapek.md.
func DefaultPolicy() Policy {
	return Policy{
		SymptomDeadLink:         {ActionConnectSpares, ActionSwitchTransport, ActionRestart},
		SymptomDegradedLink:     {ActionRaiseCost, ActionSwitchTransport, ActionConnectSpares},
		SymptomFlappingLink:     {ActionRaiseCost, ActionQuarantine},
		SymptomPartition:        {ActionConnectSpares, ActionRestart},
		SymptomOverload:         {ActionRateLimitHandshakes, ActionRestart},
		SymptomMisbehavingRelay: {ActionQuarantine, ActionRekey},
		SymptomForgedTraffic:    {ActionRekey, ActionRateLimitHandshakes},
		SymptomHandshakeFlood:   {ActionRateLimitHandshakes},
		SymptomTransportBlocked: {ActionSwitchTransport, ActionConnectSpares},
	}
}

// MaxLadder bounds the length of one escalation ladder.
const MaxLadder = 8

func (p Policy) validate() error {
	for k, ladder := range p {
		if !k.Valid() {
			return fmt.Errorf("%w: Policy has unknown symptom kind %v", ErrInvalidConfig, k)
		}
		if len(ladder) == 0 || len(ladder) > MaxLadder {
			return fmt.Errorf("%w: Policy[%v] has %d actions, want 1 to %d", ErrInvalidConfig, k, len(ladder), MaxLadder)
		}
		for _, a := range ladder {
			if !a.Valid() {
				return fmt.Errorf("%w: Policy[%v] has unknown action %v", ErrInvalidConfig, k, a)
			}
		}
	}
	return nil
}

// damping is the flap-damping state of one (symptom kind, subject).
type damping struct {
	penalty    float64
	at         time.Time
	suppressed bool
}

// update decays the penalty to now and applies the suppress and reuse
// thresholds.
func (d *damping) update(c *Config, now time.Time) {
	if dt := now.Sub(d.at); dt > 0 && c.DampHalfLife > 0 {
		d.penalty *= math.Exp2(-float64(dt) / float64(c.DampHalfLife))
	}
	d.at = now
	switch {
	case d.penalty >= c.DampSuppress:
		d.suppressed = true
	case d.penalty < c.DampReuse:
		d.suppressed = false
	}
}

// planner holds the Plan stage's Knowledge: cooldowns, damping, budget.
type planner struct {
	lastAction map[key]time.Time // by cooldownKey
	damp       map[key]*damping
	budget     []time.Time // times of the actions within BudgetWindow, oldest first
}

// onset records a new occurrence of a symptom for damping.
func (p *planner) onset(c *Config, k key, now time.Time) {
	d := p.damp[k]
	if d == nil {
		d = &damping{at: now}
		p.damp[k] = d
	}
	d.update(c, now)
	d.penalty = math.Min(d.penalty+c.DampPenalty, c.DampMax)
	d.update(c, now)
}

// suppressed reports whether k is damped at now, updating its state.
func (p *planner) suppressed(c *Config, k key, now time.Time) (bool, float64) {
	d := p.damp[k]
	if d == nil {
		return false, 0
	}
	d.update(c, now)
	return d.suppressed, d.penalty
}

// budgetLeft drops the actions older than BudgetWindow and returns how many
// more may be taken now.
func (p *planner) budgetLeft(c *Config, now time.Time) int {
	i := 0
	for i < len(p.budget) && now.Sub(p.budget[i]) >= c.BudgetWindow {
		i++
	}
	p.budget = append(p.budget[:0], p.budget[i:]...)
	return c.BudgetActions - len(p.budget)
}

// cooldownKey is what a cooldown applies to: a neighbour whatever the
// symptom (every action on a link changes the same link), or one symptom
// kind of the node (node-wide actions for different symptoms are
// independent).
func cooldownKey(kind SymptomKind, subject identity.NodeID) key {
	if subject == LocalNode() {
		return key{kind, subject}
	}
	return key{0, subject}
}

// coolingDown reports whether k was acted on less than Cooldown ago.
func (p *planner) coolingDown(c *Config, k key, now time.Time) bool {
	t, ok := p.lastAction[k]
	return ok && now.Sub(t) < c.Cooldown
}

// record notes an action taken for k at now.
func (p *planner) record(k key, now time.Time) {
	p.lastAction[k] = now
	p.budget = append(p.budget, now)
}

// gc drops expired cooldowns and fully decayed damping state.
func (p *planner) gc(c *Config, now time.Time) {
	for k, t := range p.lastAction {
		if now.Sub(t) >= c.Cooldown {
			delete(p.lastAction, k)
		}
	}
	for k, d := range p.damp {
		d.update(c, now)
		if !d.suppressed && d.penalty < 1 {
			delete(p.damp, k)
		}
	}
}

// bySeverity orders symptoms for planning: most severe first, then kind and
// subject (the order analyze returns), so that a short budget goes to the
// worst problems and the result is deterministic.
func bySeverity(s []Symptom) []int {
	idx := make([]int, len(s))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return s[idx[a]].Severity > s[idx[b]].Severity })
	return idx
}

// subsystemFor is the subsystem ActionRestart restarts for a symptom kind.
func subsystemFor(k SymptomKind) Subsystem {
	switch k {
	case SymptomPartition:
		return SubsystemRouting
	case SymptomOverload, SymptomHandshakeFlood, SymptomForgedTraffic:
		return SubsystemHandshake
	}
	return SubsystemLink
}
