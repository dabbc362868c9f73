package heal

import (
	"fmt"
	"math"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// actuator is the mapek.Actuator of an Agent over its Core. now is the
// time of the Step that calls it.
type actuator struct {
	a   *Agent
	now time.Time
}

var _ mapek.Actuator = (*actuator)(nil)

// RaiseLinkCost multiplies the neighbour's cost factor by factor, up to
// mesh.MaxCostFactor.
func (x *actuator) RaiseLinkCost(peer identity.NodeID, factor float64) error {
	c := x.a.core
	f := math.Min(c.CostFactor(peer)*factor, mesh.MaxCostFactor)
	if err := c.SetCostFactor(x.now, peer, f); err != nil {
		return fmt.Errorf("raise cost of %s: %w", peer.Short(), err)
	}
	return nil
}

// Quarantine stops using the neighbour as a relay (mesh.Core.Quarantine).
func (x *actuator) Quarantine(peer identity.NodeID) error {
	if err := x.a.core.Quarantine(x.now, peer, true); err != nil {
		return fmt.Errorf("quarantine %s: %w", peer.Short(), err)
	}
	return nil
}

// ConnectSpares asks the runtime to dial n spare peers.
func (x *actuator) ConnectSpares(n int) error {
	if x.a.opt.Spares == nil {
		return fmt.Errorf("%w: no spare-peer dialler", ErrUnsupported)
	}
	if err := x.a.opt.Spares(n); err != nil {
		return fmt.Errorf("connect %d spare peers: %w", n, err)
	}
	return nil
}

// SwitchTransport is not supported: a node has one transport.
func (x *actuator) SwitchTransport(peer identity.NodeID) error {
	return fmt.Errorf("%w: switch transport of %s: the node has a single transport", ErrUnsupported, peer.Short())
}

// Rekey drops the end-to-end session with peer (every peer for
// mapek.LocalNode) and starts a new handshake.
func (x *actuator) Rekey(peer identity.NodeID) error {
	if err := x.a.core.Rekey(x.now, peer); err != nil {
		return fmt.Errorf("rekey %s: %w", peer.Short(), err)
	}
	return nil
}

// RateLimitHandshakes forces cookie mode on the Core's end-to-end handshake
// machine and, through Options.HandshakeUnderLoad, on the runtime's
// hop-by-hop one: every initiation must then carry a cookie, and those that
// do are rate-limited per source at the machine's RateLimitPerSecond.
func (x *actuator) RateLimitHandshakes(perSecond int) error {
	if perSecond <= 0 {
		return fmt.Errorf("%w: rate limit %d per second", ErrUnsupported, perSecond)
	}
	x.a.core.SetHandshakeUnderLoad(true)
	if f := x.a.opt.HandshakeUnderLoad; f != nil {
		f(true)
	}
	return nil
}

// Restart restarts a subsystem: the link with peer (Options.RestartLink, or
// mesh.Core.ResetNeighbour), or routing (mesh.Core.ResyncRoutes). The
// handshake machines are not restartable (ErrUnsupported).
func (x *actuator) Restart(s mapek.Subsystem, peer identity.NodeID) error {
	c := x.a.core
	switch s {
	case mapek.SubsystemLink:
		if f := x.a.opt.RestartLink; f != nil {
			if err := f(peer); err != nil {
				return fmt.Errorf("restart link to %s: %w", peer.Short(), err)
			}
			return nil
		}
		if err := c.ResetNeighbour(x.now, peer); err != nil {
			return fmt.Errorf("restart link to %s: %w", peer.Short(), err)
		}
		return nil
	case mapek.SubsystemRouting:
		c.ResyncRoutes(x.now)
		return nil
	}
	return fmt.Errorf("%w: restart of %v", ErrUnsupported, s)
}

// Undo reverts a raise-cost (dividing the cost factor by the factor the
// loop applies), a quarantine and a handshake rate limit; other actions are
// not reversible (ErrNotReversible).
func (x *actuator) Undo(a mapek.Action) error {
	c := x.a.core
	switch a.Kind {
	case mapek.ActionRaiseCost:
		f := math.Max(c.CostFactor(a.Subject)/mapek.RaiseCostFactor, 1)
		if err := c.SetCostFactor(x.now, a.Subject, f); err != nil {
			return fmt.Errorf("undo raise cost of %s: %w", a.Subject.Short(), err)
		}
		return nil
	case mapek.ActionQuarantine:
		if err := c.Quarantine(x.now, a.Subject, false); err != nil {
			return fmt.Errorf("undo quarantine of %s: %w", a.Subject.Short(), err)
		}
		return nil
	case mapek.ActionRateLimitHandshakes:
		c.SetHandshakeUnderLoad(false)
		if f := x.a.opt.HandshakeUnderLoad; f != nil {
			f(false)
		}
		return nil
	}
	return fmt.Errorf("%w: %v", ErrNotReversible, a.Kind)
}
