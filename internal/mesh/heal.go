package mesh

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/link"
)

// This file holds the hooks of the self-healing loop (internal/heal): link
// cost multipliers, quarantine of relays, rekeying and restarts, and the
// relay accounting behind misbehaving-relay detection.

// healing is the Core's self-healing state. Its maps but dests hold at
// most one entry per direct neighbour and are cleared for a neighbour by
// NeighbourDown; dests holds one entry per end-to-end peer probed, pruned
// by Probe when the peer is forgotten and cleared for a next hop by
// NeighbourDown.
type healing struct {
	factors    map[identity.NodeID]float64
	quarantine map[identity.NodeID]bool
	relays     map[identity.NodeID]*RelayCount
	dests      map[identity.NodeID]*destCount
	probeAt    time.Time // time of the newest Probe
	probeSeq   uint64
	underLoad  bool
}

// RelayCount is the relay accounting of one direct neighbour.
type RelayCount struct {
	// ID is the neighbour.
	ID identity.NodeID
	// Relayed counts end-to-end messages that call for an answer
	// (handshake initiations and echo requests) this node sent to a node
	// other than the neighbour with the neighbour as next hop; Confirmed
	// counts the answers (handshake completions and echo replies) that came
	// back from those destinations. Confirmed never exceeds Relayed.
	Relayed, Confirmed uint64
	// Dests is the number of destinations whose newest answer-calling
	// message went through the neighbour within DestActiveWindow and which
	// have at least DestMinProbes recent messages (probe.go: judged
	// destinations); FailingDests counts those of them that are silent or
	// answer less than DestFailRatio of the time. FailingDests never
	// exceeds Dests. A neighbour dropping what it relays fails all its
	// destinations; a fault further on fails only those behind it.
	Dests, FailingDests int
}

// SetCostFactor multiplies the cost of the link to neighbour id, as the
// router uses and advertises it, by factor (from 1, which restores the
// measured cost, to MaxCostFactor); the scaled cost is capped at
// link.MaxCost. Routing reacts at once (triggered updates). The factor is
// kept while id is a neighbour, across link flaps, and forgotten by
// NeighbourDown.
func (c *Core) SetCostFactor(now time.Time, id identity.NodeID, factor float64) error {
	if _, ok := c.nbrs[id]; !ok {
		return fmt.Errorf("%w: %s", ErrUnknownNeighbour, id.Short())
	}
	if math.IsNaN(factor) || factor < 1 || factor > MaxCostFactor {
		return fmt.Errorf("%w: %v not in [1, %v]", ErrInvalidCostFactor, factor, MaxCostFactor)
	}
	if factor == 1 {
		delete(c.heal.factors, id)
	} else {
		if c.heal.factors == nil {
			c.heal.factors = make(map[identity.NodeID]float64)
		}
		c.heal.factors[id] = factor
	}
	if c.nbrs[id] {
		st, _ := c.links.Stats(id)
		if err := c.router.NeighbourCost(now, id, c.effectiveCost(id, st.Cost)); err != nil {
			return fmt.Errorf("%w: %w", ErrRoute, err) // unreachable: the router knows every up neighbour
		}
		c.flushRouter(now)
	}
	return nil
}

// CostFactor returns the cost multiplier of neighbour id (1 if none).
func (c *Core) CostFactor(id identity.NodeID) float64 {
	if f, ok := c.heal.factors[id]; ok {
		return f
	}
	return 1
}

// effectiveCost is the link cost handed to the router: the measured cost
// times the neighbour's factor, at most link.MaxCost; CostInfinity stays.
func (c *Core) effectiveCost(id identity.NodeID, cost uint16) uint16 {
	f, ok := c.heal.factors[id]
	if !ok || cost == link.CostInfinity {
		return cost
	}
	return uint16(math.Min(math.Round(float64(cost)*f), float64(link.MaxCost)))
}

// Quarantine stops (on) or resumes (off) the use of neighbour id as a relay.
// While id is quarantined every route learned from it, except its route to
// id itself, carries QuarantinePenalty on top of its metric: the node sends
// its own and transit traffic through id only to id itself, or to a
// destination no other route reaches, and the routes it advertises through
// id carry the penalty too, so that other nodes avoid id as well. Traffic
// to id itself is not affected. Routing reacts at once. Quarantine is kept
// across link flaps and forgotten by NeighbourDown.
func (c *Core) Quarantine(now time.Time, id identity.NodeID, on bool) error {
	if _, ok := c.nbrs[id]; !ok {
		return fmt.Errorf("%w: %s", ErrUnknownNeighbour, id.Short())
	}
	var p uint16
	if on {
		p = QuarantinePenalty
		if c.heal.quarantine == nil {
			c.heal.quarantine = make(map[identity.NodeID]bool)
		}
		c.heal.quarantine[id] = true
	} else {
		delete(c.heal.quarantine, id)
	}
	if err := c.router.SetTransitPenalty(now, id, p); err != nil {
		return fmt.Errorf("%w: %w", ErrRoute, err) // unreachable: nbrs is bounded like the router
	}
	c.flushRouter(now)
	return nil
}

// Quarantined reports whether neighbour id is quarantined.
func (c *Core) Quarantined(id identity.NodeID) bool { return c.heal.quarantine[id] }

// forgetHealing drops the self-healing state of a neighbour that is gone.
func (c *Core) forgetHealing(now time.Time, id identity.NodeID) {
	delete(c.heal.factors, id)
	delete(c.heal.relays, id)
	for pid, d := range c.heal.dests {
		if d.hop == id {
			delete(c.heal.dests, pid)
		}
	}
	if c.heal.quarantine[id] {
		delete(c.heal.quarantine, id)
		_ = c.router.SetTransitPenalty(now, id, 0) // removing never fails
	}
}

// Rekey drops the end-to-end sessions with node id and starts a new
// handshake with it at once, whatever HandshakeRetryInterval says;
// datagrams sent meanwhile wait in the queue. For the zero ID it does so
// for every peer that has a session. ErrNoPeer reports a node this Core has
// no end-to-end state for.
func (c *Core) Rekey(now time.Time, id identity.NodeID) error {
	if id.IsZero() {
		ids := make([]identity.NodeID, 0, len(c.peers))
		for pid, p := range c.peers {
			if len(p.live()) > 0 {
				ids = append(ids, pid)
			}
		}
		slices.SortFunc(ids, compareID)
		for _, pid := range ids {
			c.rekey(now, c.peers[pid])
		}
		return nil
	}
	p := c.peers[id]
	if p == nil {
		return fmt.Errorf("%w: %s", ErrNoPeer, id.Short())
	}
	c.rekey(now, p)
	return nil
}

func (c *Core) rekey(now time.Time, p *peer) {
	for _, s := range p.live() {
		c.dropSession(p, s)
	}
	p.nextAttempt, p.lastActive = time.Time{}, now
	c.maybeHandshake(now, p)
}

// ResetNeighbour restarts the link with neighbour id as if its hop-by-hop
// session had been lost and set up again: NeighbourDown (its routes, link
// history and self-healing state are dropped) then NeighbourUp (the link
// is probed afresh and routes are learned again once it is up).
func (c *Core) ResetNeighbour(now time.Time, id identity.NodeID) error {
	if _, ok := c.nbrs[id]; !ok {
		return fmt.Errorf("%w: %s", ErrUnknownNeighbour, id.Short())
	}
	c.NeighbourDown(now, id)
	return c.NeighbourUp(now, id)
}

// ResyncRoutes re-synchronises the routing table with every neighbour (see
// route.Router.Resync): full dumps both ways and a new own sequence number.
// Routes stay usable meanwhile.
func (c *Core) ResyncRoutes(now time.Time) {
	c.router.Resync(now)
	c.flushRouter(now)
}

// SetHandshakeUnderLoad forces the end-to-end handshake Machine to demand
// cookies and rate-limit initiations per source (true), or returns it to
// automatic load detection (false).
func (c *Core) SetHandshakeUnderLoad(on bool) {
	c.machine.SetUnderLoad(on)
	c.heal.underLoad = on
}

// HandshakeUnderLoad reports whether SetHandshakeUnderLoad(true) is in force.
func (c *Core) HandshakeUnderLoad() bool { return c.heal.underLoad }

// Relays returns the relay accounting of the neighbours that have any, in
// ID order, with the per-destination counts as of the newest Probe.
func (c *Core) Relays() []RelayCount {
	cur := make(map[identity.NodeID]*RelayCount, len(c.heal.relays))
	for id, r := range c.heal.relays {
		cp := *r
		cp.Dests, cp.FailingDests = 0, 0
		cur[id] = &cp
	}
	c.destsOf(cur)
	out := make([]RelayCount, 0, len(cur))
	for _, r := range cur {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b RelayCount) int { return compareID(a.ID, b.ID) })
	return out
}
